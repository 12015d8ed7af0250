#pragma once
// How many threads this process has now (the entries of /proc/self/task), for tests asserting that
// work did not add threads (e.g. calls parked on an event loop). Header-only, Linux.

#include <dirent.h>

#include <cstddef>

namespace loginid::test {

/// The threads of the calling process; 0 when /proc/self/task cannot be read.
inline std::size_t thread_count() {
  std::size_t count = 0;
  if (DIR* dir = ::opendir("/proc/self/task")) {
    while (const dirent* entry = ::readdir(dir)) {
      if (entry->d_name[0] != '.') ++count;
    }
    ::closedir(dir);
  }
  return count;
}

}  // namespace loginid::test
