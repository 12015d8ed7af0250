#pragma once
// What a benchmark reads of a process (its own or a server's) from /proc: resident memory,
// threads and open descriptors, to report the cost of a load per call or per connection.

#include <dirent.h>

#include <fstream>
#include <stdexcept>
#include <string>

namespace loginid::bench {

struct ProcessSample {
  long rss_kb = 0;      ///< VmRSS
  long threads = 0;     ///< Threads
  long open_files = 0;  ///< entries of /proc/<pid>/fd (0 when it cannot be read)
};

/// `pid` is a number or "self".
inline ProcessSample sample_process(const std::string& pid) {
  std::ifstream status("/proc/" + pid + "/status");
  if (!status) throw std::runtime_error("no process " + pid);
  ProcessSample sample;
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") status >> sample.rss_kb;
    if (key == "Threads:") status >> sample.threads;
    status.ignore(4096, '\n');
  }
  if (DIR* fds = ::opendir(("/proc/" + pid + "/fd").c_str())) {
    while (const dirent* entry = ::readdir(fds)) {
      if (entry->d_name[0] != '.') ++sample.open_files;
    }
    ::closedir(fds);
  }
  return sample;
}

}  // namespace loginid::bench
