#include "emulator/store/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

namespace loginid::detail::store {
namespace {

std::string system_error_text(int error) { return std::strerror(error); }

/// True when `fd` is still the file at `path`: its previous holder may have removed it between our
/// open() and our flock(), and a lock on a removed file guards nothing.
bool still_at_path(int fd, const std::string& path) {
  struct stat held {};
  struct stat named {};
  return ::fstat(fd, &held) == 0 && ::stat(path.c_str(), &named) == 0 && held.st_dev == named.st_dev &&
         held.st_ino == named.st_ino;
}

/// "pid 1234, listening on http://127.0.0.1:8080", from what the holder wrote into the lock file.
std::string describe_holder(int fd) {
  char buffer[512];
  const ssize_t n = ::pread(fd, buffer, sizeof buffer, 0);
  const auto doc = nlohmann::json::parse(std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0), nullptr, false);
  if (!doc.is_object() || !doc.contains("pid") || !doc["pid"].is_number_integer()) return "pid unknown";
  std::string text = "pid " + std::to_string(doc["pid"].get<long long>());
  const auto url = doc.value("base_url", std::string());
  // Printed as found only when it looks like what write_holder writes: the file is not trusted text.
  const bool plain = url.size() < 200 && url.rfind("http://", 0) == 0 &&
                     url.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:/[]-") ==
                         std::string::npos;
  text += plain ? ", listening on " + url : ", still starting";
  return text;
}

}  // namespace

FileLock::FileLock(std::string path, std::string what, const std::string& remedy) : lock_path_(path + ".lock") {
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot create the lock file " + lock_path_ + ": " + system_error_text(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      const std::string holder = error == EWOULDBLOCK ? describe_holder(fd) : std::string();
      ::close(fd);
      if (error == EWOULDBLOCK) {
        throw FileLocked(what + " " + path + " is in use by another loginid-emulator (" + holder + "): stop it, or " +
                         remedy);
      }
      throw std::runtime_error("cannot lock " + lock_path_ + ": " + system_error_text(error));
    }
    if (still_at_path(fd, lock_path_)) {
      fd_ = fd;
      write_holder("");
      return;
    }
    ::close(fd);
  }
  throw std::runtime_error("cannot lock " + lock_path_ + ": the file keeps being replaced");
}

FileLock::~FileLock() {
  // Removed while still locked: a process that opened it meanwhile sees it gone and starts over.
  ::unlink(lock_path_.c_str());
  ::close(fd_);
}

void FileLock::publish(const std::string& base_url) { write_holder(base_url); }

void FileLock::write_holder(const std::string& base_url) {
  nlohmann::json holder{{"pid", static_cast<long long>(::getpid())}};
  if (!base_url.empty()) holder["base_url"] = base_url;
  const std::string text = holder.dump() + "\n";
  // Best effort: the lock itself is the flock; this text only makes the error message helpful.
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, text.data(), text.size(), 0);
}

}  // namespace loginid::detail::store
