#include "integration/emulator/emulator_process.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string_view>
#include <thread>

namespace loginid::testing {
namespace {

std::string emulator_binary() {
  const char* path = std::getenv("LOGINID_EMULATOR_BIN");
  if (path == nullptr || *path == '\0') throw std::runtime_error("LOGINID_EMULATOR_BIN is not set");
  return path;
}

std::string make_temp_dir() {
  auto base = std::filesystem::temp_directory_path() / "loginid-emu-XXXXXX";
  std::string pattern = base.string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

/// Reads one line from `fd` within `timeout`; throws when none arrives.
std::string read_line(int fd, std::chrono::milliseconds timeout) {
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw std::runtime_error("emulator did not print its listening line in time");
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char c = 0;
    auto n = ::read(fd, &c, 1);
    if (n <= 0) throw std::runtime_error("emulator exited before listening (output so far: " + line + ")");
    if (c == '\n') return line;
    line.push_back(c);
  }
}

}  // namespace

EmulatorProcess::EmulatorProcess(Options options) {
  work_dir_ = options.work_dir;
  if (work_dir_.empty()) {
    work_dir_ = make_temp_dir();
    own_dir_ = true;
  }
  db_ = options.db.empty() ? work_dir_ + "/emulator.db" : options.db;

  std::vector<std::string> args = {emulator_binary(), "--port", "0", "--db", db_, "--log-level", options.log_level};
  args.insert(args.end(), options.args.begin(), options.args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // A test that crashes runs no destructor: the emulator must not outlive it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(125);  // it died before the line above took effect
    if (!options.stderr_path.empty()) {
      int err = ::open(options.stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
      if (err < 0) ::_exit(126);
      ::dup2(err, STDERR_FILENO);
    }
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  try {
    line = read_line(out[0], std::chrono::seconds(20));
  } catch (...) {
    ::close(out[0]);
    stop(SIGKILL);
    throw;
  }
  ::close(out[0]);  // the emulator prints nothing else on stdout
  // "listening on http://HOST:PORT", or https:// when the emulator serves TLS.
  const std::string prefix = "listening on ";
  const auto scheme_end = line.find("://");
  if (line.rfind(prefix + "http://", 0) != 0 && line.rfind(prefix + "https://", 0) != 0) {
    throw std::runtime_error("unexpected first line: " + line);
  }
  base_url_ = line.substr(prefix.size());
  auto host_port = line.substr(scheme_end + 3);
  auto colon = host_port.rfind(':');
  host_ = host_port.substr(0, colon);
  port_ = std::stoi(host_port.substr(colon + 1));
}

EmulatorProcess::~EmulatorProcess() {
  if (pid_ > 0) stop(SIGTERM);
  if (own_dir_) {
    std::error_code ignored;
    std::filesystem::remove_all(work_dir_, ignored);
  }
}

std::string EmulatorProcess::credentials_path() const {
  const std::string_view db = db_;
  return std::string(db.ends_with(".db") ? db.substr(0, db.size() - 3) : db) + ".credentials.json";
}

nlohmann::json EmulatorProcess::credentials() const {
  std::ifstream in(credentials_path());
  if (!in) throw std::runtime_error("no credentials file " + credentials_path());
  return nlohmann::json::parse(in);
}

int EmulatorProcess::stop(int signal_number) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal_number);
  int status = 0;
  // Bounded: 15 s for a clean exit, then SIGKILL.
  for (int i = 0; i < 1500; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return -1;
}

}  // namespace loginid::testing
