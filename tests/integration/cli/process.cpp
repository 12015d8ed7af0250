#include "integration/cli/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <pty.h>
#include <termios.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace loginid::test {
namespace fs = std::filesystem;
namespace {

std::string required_env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') throw std::runtime_error(std::string(name) + " is not set (run the test through ctest)");
  return v;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

/// Waits for `pid` up to `bound`; kills it after that. Returns the wait status, or -1.
int reap(int pid, std::chrono::milliseconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  int status = 0;
  for (;;) {
    const int r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    ::usleep(10'000);
  }
}

}  // namespace

RunResult run_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                      const std::string& input, std::chrono::seconds timeout, const fs::path& cwd) {
  std::array<int, 2> in{}, out{}, err{};
  if (::pipe2(in.data(), O_CLOEXEC) != 0 || ::pipe2(out.data(), O_CLOEXEC) != 0 || ::pipe2(err.data(), O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  std::vector<std::string> args = argv;
  std::vector<std::string> envs;
  for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
  auto c_args = c_strings(args);
  auto c_env = c_strings(envs);

  const int pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execve(c_args[0], c_args.data(), c_env.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  // Feed stdin all at once (inputs are small) and close it so the child sees EOF.
  ::signal(SIGPIPE, SIG_IGN);
  if (!input.empty()) {
    [[maybe_unused]] auto n = ::write(in[1], input.data(), input.size());
  }
  ::close(in[1]);

  RunResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::array<pollfd, 2> fds{pollfd{out[0], POLLIN, 0}, pollfd{err[0], POLLIN, 0}};
  int open_fds = 2;
  std::array<char, 4096> buf{};
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    if (::poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buf.data(), buf.size());
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? result.out : result.err).append(buf.data(), static_cast<std::size_t>(n));
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) ::close(f.fd);
  }
  const int status = reap(pid, std::chrono::seconds(10));
  result.exit_code = (status >= 0 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  return result;
}

TerminalResult run_in_terminal(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                               const std::vector<TerminalStep>& steps, std::chrono::seconds timeout) {
  std::vector<std::string> args = argv;
  std::vector<std::string> envs;
  for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
  auto c_args = c_strings(args);
  auto c_env = c_strings(envs);

  int master = -1;
  const int pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) throw std::runtime_error("forkpty failed");
  if (pid == 0) {
    ::execve(c_args[0], c_args.data(), c_env.data());
    ::_exit(127);
  }
  TerminalResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t step = 0;
  std::size_t searched_from = 0;
  std::array<char, 4096> buf{};
  bool child_done = false;
  for (;;) {
    while (step < steps.size()) {
      const auto at = result.output.find(steps[step].expect, searched_from);
      if (at == std::string::npos) break;
      searched_from = at + steps[step].expect.size();
      if (steps[step].check) steps[step].check(master);
      const std::string& reply = steps[step].reply;
      [[maybe_unused]] auto n = ::write(master, reply.data(), reply.size());
      ++step;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd fd{master, POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(std::min<long long>(left.count(), 100))) < 0 && errno != EINTR) break;
    if ((fd.revents & POLLIN) != 0) {
      const ssize_t n = ::read(master, buf.data(), buf.size());
      if (n > 0) {
        result.output.append(buf.data(), static_cast<std::size_t>(n));
        continue;
      }
    }
    // EIO on the master once the child and every holder of the slave are gone.
    if ((fd.revents & (POLLHUP | POLLERR)) != 0) {
      child_done = true;
      break;
    }
  }
  const int status = reap(pid, child_done ? std::chrono::seconds(10) : std::chrono::seconds(1));
  struct termios now {};
  result.echo_on_after = ::tcgetattr(master, &now) == 0 && (now.c_lflag & ECHO) != 0;
  ::close(master);
  if (status >= 0 && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (status >= 0 && WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "loginid-cli-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void write_text(const fs::path& path, const std::string& text, unsigned mode) {
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << text;
  }
  ::chmod(path.c_str(), static_cast<mode_t>(mode));
}

std::string read_text(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Cli::Cli() : bin_(required_env("LOGINID_CLI_BIN")) {
  env["HOME"] = home_.path().string();
  env["PATH"] = "/usr/bin:/bin";
}

RunResult Cli::run(const std::vector<std::string>& args, const std::string& input) const {
  std::vector<std::string> argv{bin_};
  argv.insert(argv.end(), args.begin(), args.end());
  // Relative paths in a test resolve against HOME: run there.
  return run_process(argv, env, input, std::chrono::seconds(60), home_.path());
}

TerminalResult Cli::run_in_terminal(const std::vector<std::string>& args, const std::vector<TerminalStep>& steps) const {
  std::vector<std::string> argv{bin_};
  argv.insert(argv.end(), args.begin(), args.end());
  return loginid::test::run_in_terminal(argv, env, steps);
}

Emulator::Emulator(const std::vector<std::string>& extra_args) {
  const std::string bin = required_env("LOGINID_EMULATOR_BIN");
  std::vector<std::string> args{bin, "--host", "127.0.0.1", "--port", "0", "--db", (dir_ / "emulator.db").string(),
                                "--credentials-out", credentials_file().string()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::array<int, 2> out{};
  if (::pipe2(out.data(), O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  auto c_args = c_strings(args);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // A test that crashes runs no destructor (a suite's shared emulator included): it must not outlive it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(125);  // it died before the line above took effect
    ::dup2(out[1], 1);
    const int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, 2);
    ::execv(c_args[0], c_args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  stdout_fd_ = out[0];
  // The first stdout line is "listening on http://HOST:PORT" once it accepts connections.
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{stdout_fd_, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char c = 0;
    if (::read(stdout_fd_, &c, 1) != 1) break;
    line.push_back(c);
  }
  const std::string prefix = "listening on ";
  const auto at = line.find(prefix);
  if (at == std::string::npos) {
    ::kill(pid_, SIGKILL);
    reap(pid_, std::chrono::seconds(5));
    throw std::runtime_error("emulator did not print 'listening on ...' (got: '" + line + "')");
  }
  base_url_ = line.substr(at + prefix.size());
  while (!base_url_.empty() && (base_url_.back() == '\n' || base_url_.back() == '\r')) base_url_.pop_back();
}

Emulator::~Emulator() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    reap(pid_, std::chrono::seconds(10));
  }
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

std::string Emulator::admin_post(const std::string& path, const std::string& body) const {
  const RunResult r = run_process({"/usr/bin/curl", "-sS", "--max-time", "20", "-X", "POST", "-H",
                                   "Content-Type: application/json", "--data-binary", "@-", base_url_ + path},
                                  {{"PATH", "/usr/bin:/bin"}}, body);
  return r.exit_code == 0 ? r.out : std::string();
}

std::optional<std::string> json_string_at(const std::string& text, const std::string& pointer) {
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) return std::nullopt;
  const nlohmann::json::json_pointer ptr(pointer);
  if (!doc.contains(ptr)) return std::nullopt;
  const auto& v = doc.at(ptr);
  return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace loginid::test
