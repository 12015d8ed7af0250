#include "cli/io.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include <nlohmann/json.hpp>

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

namespace {

/// Builds nothing: it only keeps the parser's first error. nlohmann's SAX parser keeps its nesting
/// on a heap stack, so this reads any depth without recursion.
class SyntaxErrorOnly final : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    message = e.what();
    return false;
  }
  std::string message;
};

}  // namespace

std::string json_syntax_error(std::string_view text) {
  SyntaxErrorOnly sax;
  (void)nlohmann::json::sax_parse(text, &sax);
  // "[json.exception.parse_error.101] parse error at line 1, column 5: ..." -> "at line 1, column 5: ..."
  constexpr std::string_view kLead = "parse error ";
  const auto at = sax.message.find(kLead);
  if (at != std::string::npos) return sax.message.substr(at + kLead.size());
  return sax.message.empty() ? "not valid JSON (or not UTF-8)" : sax.message;
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

namespace {

// The terminal settings to restore, shared with the signal handler (which may only read them).
struct termios g_saved_termios {};
volatile sig_atomic_t g_echo_off = 0;

extern "C" void restore_echo_and_reraise(int signo) {
  if (g_echo_off != 0) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_termios);
  ::signal(signo, SIG_DFL);
  ::raise(signo);
}

/// Turns terminal echo off for its lifetime; restores it on scope exit and on SIGINT/SIGTERM/SIGHUP,
/// so an interrupted prompt never leaves the user's terminal silent.
class EchoOff {
 public:
  EchoOff() {
    if (::tcgetattr(STDIN_FILENO, &g_saved_termios) != 0) fail_usage("cannot read the terminal settings: " + errno_text(errno));
    struct sigaction action {};
    action.sa_handler = restore_echo_and_reraise;
    ::sigemptyset(&action.sa_mask);
    for (std::size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &action, &previous_[i]);
    struct termios quiet = g_saved_termios;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;  // the Enter still moves to the next line
    g_echo_off = 1;
    if (::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) {
      restore();
      fail_usage("cannot turn terminal echo off: " + errno_text(errno));
    }
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;
  ~EchoOff() { restore(); }

 private:
  void restore() noexcept {
    if (g_echo_off != 0) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_termios);
    g_echo_off = 0;
    for (std::size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &previous_[i], nullptr);
  }
  static constexpr std::array<int, 3> kSignals{SIGINT, SIGTERM, SIGHUP};
  std::array<struct sigaction, 3> previous_{};
};

/// Drops one trailing "\n" or "\r\n": what `echo`, here-strings and editors add to a file.
void drop_final_newline(std::string& text) {
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
}

SecretString read_password_stream(int fd, const std::string& what) {
  std::string text;
  if (!read_all(fd, text, what)) {
    const int err = errno;
    cleanse(text);
    fail_usage("cannot read " + what + ": " + errno_text(err));
  }
  drop_final_newline(text);
  if (text.empty()) fail_usage(what + " is empty");
  return SecretString(std::move(text));
}

/// One line typed at the terminal with echo off, after `prompt` on stderr.
SecretString prompt_password(const char* prompt) {
  std::string line;
  {
    EchoOff quiet;  // before the prompt shows, so that nothing typed after it is ever echoed
    std::fputs(prompt, stderr);
    std::fflush(stderr);
    char c = 0;
    for (;;) {
      const ssize_t n = ::read(STDIN_FILENO, &c, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || c == '\n') break;
      if (line.size() >= kMaxInputBytes) {
        cleanse(line);
        fail_usage("the password is longer than " + std::to_string(kMaxInputBytes) + " bytes");
      }
      line.push_back(c);
    }
    c = 0;
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) fail_usage("no password was typed");
  return SecretString(std::move(line));
}

}  // namespace

PasswordInput read_password(const std::string& file, bool confirm) {
  PasswordInput input;
  if (file == "-") {
    input.password = read_password_stream(STDIN_FILENO, "the password on stdin");
  } else if (!file.empty()) {
    std::string text = read_file(file, "password file");
    drop_final_newline(text);
    if (text.empty()) fail_usage("password file " + file + " is empty");
    input.password = SecretString(std::move(text));
  } else if (::isatty(STDIN_FILENO) == 1) {
    input.password = prompt_password("Password: ");
    if (confirm) input.confirmation = prompt_password("Confirm password: ");
  } else {
    input.password = read_password_stream(STDIN_FILENO, "the password on stdin");
  }
  return input;
}

}  // namespace loginid::cli
