#pragma once
// Starts a real loginid-emulator (binary from env LOGINID_EMULATOR_BIN) on port 0 with a temp
// database, waits (bounded) for its `listening on http://HOST:PORT` line, reads the credentials
// file it writes, and stops it (SIGTERM, then SIGKILL after a bounded wait) and removes the temp
// directory at the end. Admin calls go through the SDK's public HttpTransport.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "loginid/options.hpp"
#include "loginid/transport.hpp"

extern char** environ;  // NOLINT: POSIX

namespace loginid::test {

class EmulatorProcess {
 public:
  /// Throws std::runtime_error (with the emulator's stderr) when it does not come up within 20 s
  /// or exits at start-up.
  explicit EmulatorProcess(const std::vector<std::string>& extra_args = {}) {
    const char* bin = std::getenv("LOGINID_EMULATOR_BIN");
    if (bin == nullptr || *bin == '\0') throw std::runtime_error("LOGINID_EMULATOR_BIN is not set");
    std::string dir_template = (std::filesystem::temp_directory_path() / "loginid-sdk-it-XXXXXX").string();
    if (mkdtemp(dir_template.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = dir_template;
    try {
      start(bin, extra_args);
      wait_until_listening();
    } catch (...) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);  // no destructor runs for a constructor that throws
      throw;
    }
    std::ifstream in(dir_ / "creds.json");
    credentials_ = nlohmann::json::parse(in);
    // An emulator serving https with --tls-self-signed names its CA there; admin calls trust it.
    admin_ = make_curl_transport({.ca_bundle = ca_bundle()});
  }

  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;

  ~EmulatorProcess() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  [[nodiscard]] const std::string& base_url() const { return base_url_; }
  [[nodiscard]] std::string client_id(const std::string& app) const { return credentials_.at(app).at("client_id"); }
  [[nodiscard]] std::string private_key(const std::string& app) const { return credentials_.at(app).at("private_key"); }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  /// The credentials file's ca_bundle (an emulator serving https with --tls-self-signed), if any.
  [[nodiscard]] std::optional<std::string> ca_bundle() const {
    if (!credentials_.contains("ca_bundle")) return std::nullopt;
    return credentials_.at("ca_bundle").get<std::string>();
  }
  /// What the emulator wrote on stderr so far (its log lines).
  [[nodiscard]] std::string stderr_text() const { return read_file(dir_ / "stderr.log"); }

  /// Options pointing at this emulator, with a modest timeout so a hang fails the test.
  [[nodiscard]] Options options() const {
    Options o;
    o.base_url = base_url_;
    o.timeout = std::chrono::seconds(15);
    o.wait_timeout = std::chrono::seconds(15);
    return o;
  }

  /// An admin API call (`/emulator/...`); throws std::runtime_error on a non-2xx answer.
  nlohmann::json admin(const std::string& method, const std::string& path,
                       const nlohmann::json& body = nlohmann::json::object()) const {
    HttpRequest request;
    request.method = method;
    request.url = base_url_ + path;
    request.headers = {{"Content-Type", "application/json"}};
    request.body = body.dump();
    const HttpResponse response = admin_->send(request);
    if (response.status < 200 || response.status > 299) {
      throw std::runtime_error("admin " + path + " -> " + std::to_string(response.status) + " " + response.body);
    }
    return response.body.empty() ? nlohmann::json() : nlohmann::json::parse(response.body);
  }

 private:
  void start(const std::string& bin, const std::vector<std::string>& extra_args) {
    std::vector<std::string> args{bin,  "--port", "0", "--host", "127.0.0.1", "--db", (dir_ / "db").string(),
                                  "--credentials-out", (dir_ / "creds.json").string()};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string out = (dir_ / "stdout.log").string();
    const std::string err = (dir_ / "stderr.log").string();
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int rc = posix_spawn(&pid_, bin.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + bin);
  }

  void wait_until_listening() {
    const std::string prefix = "listening on ";
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < give_up) {
      std::ifstream in(dir_ / "stdout.log");
      std::string line;
      if (std::getline(in, line) && !in.eof() && line.rfind(prefix, 0) == 0) {
        base_url_ = line.substr(prefix.size());
        return;
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("emulator exited early: " + read_file(dir_ / "stderr.log"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
    throw std::runtime_error("emulator did not print its listening line within 20 s: " + read_file(dir_ / "stderr.log"));
  }

  void stop() noexcept {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > give_up) {
        ::kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid_ = -1;
  }

  static std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::filesystem::path dir_;
  pid_t pid_ = -1;
  std::string base_url_;
  nlohmann::json credentials_;
  std::shared_ptr<HttpTransport> admin_;
};

}  // namespace loginid::test
