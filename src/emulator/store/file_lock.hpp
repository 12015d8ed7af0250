#pragma once
// One emulator per database (and per credentials file): an exclusive flock(2) on "<path>.lock",
// held for the life of the process. The kernel drops the lock when the process ends, however it
// ends, so a crash never leaves a stale lock. The lock file names its holder (pid, and its base URL
// once it listens) so that a second emulator can say who holds the file instead of silently
// sharing it.

#include <stdexcept>
#include <string>

namespace loginid::detail::store {

/// Thrown when another process holds the lock; what() names the file and the holder.
class FileLocked : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class FileLock {
 public:
  /// Locks `path` + ".lock" (created 0600). `what` names the file in errors ("database",
  /// "credentials file"); `remedy` says what to do instead ("give this one another --db").
  /// Throws FileLocked when another process holds it, std::runtime_error when it cannot be created.
  FileLock(std::string path, std::string what, const std::string& remedy);
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  /// Removes the lock file, then releases the lock.
  ~FileLock();

  /// Records where this process listens, for the error a second emulator prints.
  void publish(const std::string& base_url);

 private:
  void write_holder(const std::string& base_url);

  std::string lock_path_;
  int fd_ = -1;
};

}  // namespace loginid::detail::store
