#include "cli/io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "cli/cli_error.hpp"

namespace loginid::cli {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

/// Closes a descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const noexcept { return fd_; }
  /// Closes now and reports the error, so a failed close (lost data on NFS) is not ignored.
  int close_checked() noexcept {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

/// Reads from `fd` until EOF; false with errno set on a read error, throws when over the cap.
bool read_all(int fd, std::string& out, const std::string& what_for_errors) {
  std::array<char, 8192> buf{};
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n == 0) return true;
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (out.size() + static_cast<std::size_t>(n) > kMaxInputBytes) {
      cleanse(out);
      fail_usage(what_for_errors + " is larger than " + std::to_string(kMaxInputBytes) + " bytes");
    }
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
}

void write_all(int fd, std::string_view content, const std::filesystem::path& path) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_usage("cannot write " + path.string() + ": " + errno_text(errno));
    }
    content.remove_prefix(static_cast<std::size_t>(n));
  }
}

void write_sync_close(Fd& fd, std::string_view content, unsigned mode, const std::filesystem::path& shown_path) {
  // The umask may have removed bits we want (a public key should stay world-readable) and can
  // never add any, so set the exact mode explicitly.
  if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0)
    fail_usage("cannot set mode of " + shown_path.string() + ": " + errno_text(errno));
  write_all(fd.get(), content, shown_path);
  if (::fsync(fd.get()) != 0) fail_usage("cannot sync " + shown_path.string() + ": " + errno_text(errno));
  if (fd.close_checked() != 0) fail_usage("cannot close " + shown_path.string() + ": " + errno_text(errno));
}

void write_exclusive(const std::filesystem::path& path, std::string_view content, unsigned mode) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    if (errno == EEXIST) fail_usage(path.string() + " already exists; use --force to overwrite it");
    fail_usage("cannot create " + path.string() + ": " + errno_text(errno));
  }
  try {
    write_sync_close(fd, content, mode, path);
  } catch (...) {
    ::unlink(path.c_str());  // we created it, so a partial file is ours to remove
    throw;
  }
}

void write_replace(const std::filesystem::path& path, std::string_view content, unsigned mode) {
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() < 0) fail_usage("cannot create " + tmp.string() + ": " + errno_text(errno));
  try {
    write_sync_close(fd, content, mode, tmp);
    if (::rename(tmp.c_str(), path.c_str()) != 0)
      fail_usage("cannot replace " + path.string() + ": " + errno_text(errno));
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

}  // namespace

std::string read_file(const std::filesystem::path& path, std::string_view what) {
  const std::string label = std::string(what) + " " + path.string();
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) fail_usage("cannot read " + label + ": " + errno_text(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && S_ISDIR(st.st_mode)) fail_usage("cannot read " + label + ": is a directory");
  std::string out;
  if (!read_all(fd.get(), out, label)) {
    const int err = errno;
    cleanse(out);
    fail_usage("cannot read " + label + ": " + errno_text(err));
  }
  return out;
}

SecretString read_secret_file(const std::filesystem::path& path, std::string_view what) {
  return SecretString(read_file(path, what));
}

std::string trim(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return std::string(text);
}

std::string read_arg_or_stdin(const std::string& arg, std::string_view what) {
  if (arg != "-") return trim(arg);
  std::string out;
  if (!read_all(STDIN_FILENO, out, std::string(what) + " on stdin"))
    fail_usage("cannot read " + std::string(what) + " from stdin: " + errno_text(errno));
  std::string trimmed = trim(out);
  cleanse(out);
  if (trimmed.empty()) fail_usage(std::string(what) + " on stdin is empty");
  return trimmed;
}

void write_file(const std::filesystem::path& path, std::string_view content, unsigned mode, Overwrite overwrite) {
  if (overwrite == Overwrite::never) {
    write_exclusive(path, content, mode);
  } else {
    write_replace(path, content, mode);
  }
}

std::optional<std::string> permission_warning(const std::filesystem::path& path, std::string_view what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  if ((st.st_mode & (S_IRGRP | S_IROTH)) == 0) return std::nullopt;
  std::array<char, 8> mode{};
  std::snprintf(mode.data(), mode.size(), "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return "warning: " + std::string(what) + " " + path.string() + " is readable by group/others (mode " + mode.data() +
         "); run: chmod 600 " + path.string();
}

bool stderr_is_tty() noexcept { return ::isatty(STDERR_FILENO) == 1; }

}  // namespace loginid::cli
