#pragma once
// Makes this process run out of open files for a while: the soft RLIMIT_NOFILE is lowered to the
// lowest free descriptor number, so the next socket() or open() fails with EMFILE (descriptors
// already open stay usable); the old limit is restored on destruction. For tests of what code does
// when descriptors run out; nothing else in the process should open files meanwhile.

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <stdexcept>

namespace loginid::test {

class OutOfOpenFiles {
 public:
  OutOfOpenFiles() {
    if (::getrlimit(RLIMIT_NOFILE, &saved_) != 0) throw std::runtime_error("getrlimit(RLIMIT_NOFILE) failed");
    const int lowest_free = ::fcntl(0, F_DUPFD_CLOEXEC, 0);
    if (lowest_free < 0) throw std::runtime_error("no descriptor left to find the lowest free one");
    ::close(lowest_free);
    rlimit lowered = saved_;
    lowered.rlim_cur = static_cast<rlim_t>(lowest_free);
    if (::setrlimit(RLIMIT_NOFILE, &lowered) != 0) throw std::runtime_error("setrlimit(RLIMIT_NOFILE) failed");
  }
  OutOfOpenFiles(const OutOfOpenFiles&) = delete;
  OutOfOpenFiles& operator=(const OutOfOpenFiles&) = delete;
  ~OutOfOpenFiles() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
  /// The soft limit in force now.
  [[nodiscard]] rlim_t limit() const {
    rlimit now{};
    ::getrlimit(RLIMIT_NOFILE, &now);
    return now.rlim_cur;
  }

 private:
  rlimit saved_{};
};

}  // namespace loginid::test
