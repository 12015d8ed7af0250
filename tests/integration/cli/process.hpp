#pragma once
// Test helpers for the CLI: run the `loginid` binary with a controlled environment and stdin, and
// start a real loginid-emulator on an ephemeral loopback port. Every wait is bounded.

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace loginid::test {

struct RunResult {
  int exit_code = -1;  ///< -1 when killed (timeout or signal)
  std::string out;
  std::string err;
  bool timed_out = false;
};

/// Runs `argv` (argv[0] is the program path) with exactly `env` as its environment, feeding `input`
/// on stdin, in directory `cwd` (when given); kills it after `timeout`.
RunResult run_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                      const std::string& input = {}, std::chrono::seconds timeout = std::chrono::seconds(60),
                      const std::filesystem::path& cwd = {});

/// One step of a terminal conversation: wait until the output so far contains `expect`, then
/// (when `check` is set) call it with the terminal's master side, then type `reply`.
struct TerminalStep {
  std::string expect;
  std::string reply;
  std::function<void(int master_fd)> check{};
};

struct TerminalResult {
  int exit_code = -1;  ///< -1 when killed by a signal or the timeout
  int signal = 0;      ///< the signal that ended it, if one did
  std::string output;  ///< everything the terminal showed (stdout and stderr together)
  bool echo_on_after = false;  ///< the terminal's ECHO flag once the process had ended
  bool timed_out = false;
};

/// Runs `argv` on a fresh pseudo-terminal (its stdin, stdout and stderr), playing `steps`;
/// kills it after `timeout`. A step whose `expect` never shows up ends the run as timed out.
TerminalResult run_in_terminal(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                               const std::vector<TerminalStep>& steps,
                               std::chrono::seconds timeout = std::chrono::seconds(30));

/// A fresh temporary directory, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

void write_text(const std::filesystem::path& path, const std::string& text, unsigned mode = 0600);
std::string read_text(const std::filesystem::path& path);

/// The `loginid` CLI under test (env LOGINID_CLI_BIN), with a clean environment whose HOME is a
/// temp dir, so the developer's own ~/.loginid/config never leaks into a test.
class Cli {
 public:
  Cli();
  /// Runs `loginid args...` in the temp dir as the working directory.
  RunResult run(const std::vector<std::string>& args, const std::string& input = {}) const;
  /// Runs `loginid args...` on a pseudo-terminal (see run_in_terminal).
  TerminalResult run_in_terminal(const std::vector<std::string>& args, const std::vector<TerminalStep>& steps) const;
  std::map<std::string, std::string> env;  ///< edit freely before run()
  [[nodiscard]] const std::filesystem::path& home() const { return home_.path(); }
  [[nodiscard]] const std::string& bin() const { return bin_; }

 private:
  std::string bin_;
  TempDir home_;
};

/// A loginid-emulator process (env LOGINID_EMULATOR_BIN) on 127.0.0.1, port 0, temp database and
/// credentials file. Stopped (SIGTERM, then SIGKILL after a bound) on destruction.
class Emulator {
 public:
  explicit Emulator(const std::vector<std::string>& extra_args = {});
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;
  ~Emulator();
  [[nodiscard]] const std::string& base_url() const { return base_url_; }
  [[nodiscard]] std::filesystem::path credentials_file() const { return dir_ / "credentials.json"; }
  /// POSTs `body` to base_url + path with curl(1) and returns the response body ("" on failure).
  [[nodiscard]] std::string admin_post(const std::string& path, const std::string& body) const;

 private:
  TempDir dir_;
  int pid_ = -1;
  int stdout_fd_ = -1;
  std::string base_url_;
};

/// Parses `text` as JSON and returns the value at `pointer` (e.g. "/user/id") as a string dump,
/// or nullopt when the text is not JSON or the member is absent. Kept string-typed so tests read
/// plainly without including nlohmann here.
std::optional<std::string> json_string_at(const std::string& text, const std::string& pointer);

}  // namespace loginid::test
