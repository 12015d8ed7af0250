#pragma once
// Starts loginid-emulator (path in env LOGINID_EMULATOR_BIN) on --port 0 with a temp database,
// waits (bounded) for its "listening on http(s)://HOST:PORT" line, and stops it on destruction.
// Reusable by any integration test that needs a live emulator.

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/types.h>

namespace loginid::testing {

class EmulatorProcess {
 public:
  struct Options {
    std::vector<std::string> args;  ///< extra flags, e.g. {"--code-ttl", "1"}
    std::string db;                 ///< empty: a fresh temp database in work_dir()
    std::string work_dir;           ///< empty: a fresh temp directory, removed on destruction
    std::string stderr_path{};      ///< empty: the emulator's stderr is the test's; else it goes to this file
    std::string log_level{"error"};  ///< --log-level
  };
  explicit EmulatorProcess(Options options);
  EmulatorProcess() : EmulatorProcess(Options{}) {}
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;
  ~EmulatorProcess();

  [[nodiscard]] const std::string& host() const { return host_; }
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] const std::string& base_url() const { return base_url_; }
  [[nodiscard]] const std::string& db_path() const { return db_; }
  [[nodiscard]] const std::string& work_dir() const { return work_dir_; }
  /// Where the emulator writes its credentials by default: the db path, ".db" replaced by ".credentials.json".
  [[nodiscard]] std::string credentials_path() const;
  /// The credentials file the emulator wrote.
  [[nodiscard]] nlohmann::json credentials() const;
  [[nodiscard]] pid_t pid() const { return pid_; }

  /// Sends `signal` and waits (bounded) for exit; returns the exit status (-1 when it had to be killed).
  int stop(int signal_number = 15);
  [[nodiscard]] bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  std::string host_;
  int port_ = 0;
  std::string base_url_;
  std::string db_;
  std::string work_dir_;
  bool own_dir_ = false;
};

}  // namespace loginid::testing
