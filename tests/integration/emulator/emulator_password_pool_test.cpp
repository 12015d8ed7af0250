// The password pool's isolation (issue 12): while every thread of the Argon2 pool is busy, the
// emulator still answers users/retrieve, GET /certs and a wait_code wake-up; password requests
// beyond the pool's capacity wait their turn and then succeed, rather than fail or start threads.
// The server runs in process so that its test hook (ServerOptions::before_slow_route) can hold the
// pool's threads until the test lets them go: what is shown is an order of events, never a
// duration. The time limits below are hang guards only.

#include <gtest/gtest.h>
#include <httplib.h>
#include <poll.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/http/server.hpp"
#include "emulator/service/service.hpp"
#include "emulator/store/store.hpp"
#include "integration/emulator/raw_socket.hpp"
#include "jose/tokens.hpp"
#include "loginid/keys.hpp"

namespace loginid::testing {
namespace {

namespace emulator = loginid::detail::emulator;
namespace http = loginid::detail::emulator::http;

constexpr std::chrono::seconds kHangGuard{120};
constexpr std::size_t kPool = 2;    // password pool threads (and Argon2 slots)
constexpr std::size_t kQueued = 4;  // password requests beyond them
constexpr const char* kPassword = "pool isolation passphrase 7";

std::size_t threads_of_this_process() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) ++count;
  return count;
}

/// Holds every password route at its start until release().
class PoolGate {
 public:
  void enter() {
    std::unique_lock lock(mutex_);
    ++entered_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return released_; });
  }
  bool await_entered(std::size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kHangGuard, [&] { return entered_ >= count; });
  }
  std::size_t entered() {
    const std::lock_guard lock(mutex_);
    return entered_;
  }
  void release() {
    const std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t entered_ = 0;
  bool released_ = false;
};

struct App {
  std::string client_id;
  PrivateKey key;
};

std::string token(const App& app, const std::string& scope) {
  detail::ServiceTokenRequest request;
  request.client_id = app.client_id;
  request.scope = scope;
  request.now = std::chrono::system_clock::now();
  return detail::make_service_token(app.key, request);
}

httplib::Headers scoped(const App& app, const std::string& scope) {
  return {{"Authorization", "Bearer " + token(app, scope)}, {"X-Client-ID", app.client_id}};
}

/// A whole request that asks the server to close after answering, so read_until_close reads one answer.
std::string raw_post(const std::string& path, const nlohmann::json& body, const httplib::Headers& headers = {}) {
  std::string head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  for (const auto& [name, value] : headers) head += name + ": " + value + "\r\n";
  const auto text = body.dump();
  return head + "Connection: close\r\nContent-Length: " + std::to_string(text.size()) + "\r\n\r\n" + text;
}

int status_of(const std::string& answer) {
  return answer.rfind("HTTP/1.1 ", 0) == 0 && answer.size() >= 12 ? std::stoi(answer.substr(9, 3)) : 0;
}

std::string body_of(const std::string& answer) {
  const auto end_of_head = answer.find("\r\n\r\n");
  return end_of_head == std::string::npos ? std::string() : answer.substr(end_of_head + 4);
}

bool has_input(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

/// The emulator's service and HTTP server in this process, on an ephemeral loopback port, with the
/// password pool behind `gate`. Everything stops on destruction, the gate opened first.
class InProcessEmulator {
 public:
  explicit InProcessEmulator(PoolGate& gate) : gate_(gate) {
    http::ServerOptions options;
    options.slow_workers = kPool;
    options.max_waiters = 16;
    options.max_other_connections = 64;
    options.log_level = http::LogLevel::off;
    options.before_slow_route = [this] { gate_.enter(); };
    server_.emplace(service_, std::move(options));
    port = server_->bind("127.0.0.1", 0);
    serving_ = std::thread([this] { server_->run(); });
  }
  InProcessEmulator(const InProcessEmulator&) = delete;
  InProcessEmulator& operator=(const InProcessEmulator&) = delete;
  ~InProcessEmulator() {
    gate_.release();  // else the server's destructor would wait forever for the pool
    server_->stop();
    serving_.join();
    server_.reset();
  }

  [[nodiscard]] std::size_t parked_waiters() { return service_.parked_waiters(); }

 private:
  static emulator::ServiceConfig service_config() {
    emulator::ServiceConfig config;
    config.max_concurrent_hashes = kPool;
    return config;
  }

  PoolGate& gate_;
  detail::store::Store store_{":memory:"};
  emulator::Service service_{store_, service_config()};
  emulator::DefaultCredentials defaults_ = service_.ensure_defaults();

 public:
  const App web{defaults_.web_client_id, PrivateKey::from_pem(defaults_.web_private_key)};
  const App management{defaults_.management_client_id, PrivateKey::from_pem(defaults_.management_private_key)};
  int port = 0;

 private:
  std::optional<http::Server> server_;
  std::thread serving_;
};

struct Sockets {
  std::vector<int> fds;
  ~Sockets() {
    for (int fd : fds) ::close(fd);
  }
};

TEST(EmulatorPasswordPool, SaturatedPoolLeavesOtherRequestsAnsweredAndQueuesTheRest) {
  PoolGate gate;
  InProcessEmulator emulator(gate);
  httplib::Client client("127.0.0.1", emulator.port);
  client.set_read_timeout(kHangGuard.count(), 0);
  auto post = [&](const std::string& path, const nlohmann::json& body, const App& app, const std::string& scope) {
    return client.Post(path, scoped(app, scope), body.dump(), "application/json");
  };
  auto created = post("/manage/users", {{"username", "pool-user"}}, emulator.management, "users.create");
  ASSERT_TRUE(created && created->status == 200) << (created ? created->body : "no answer");
  auto code = post("/codes/short/generate",
                   {{"purpose", "temporary_authentication"}, {"username", "pool-user"}, {"authorize", false}},
                   emulator.management, "codes.generate");
  ASSERT_TRUE(code && code->status == 200) << (code ? code->body : "no answer");
  const auto code_value = nlohmann::json::parse(code->body).at("code").get<std::string>();
  const auto threads_before = threads_of_this_process();

  // The pool's capacity and more: each request on a connection of its own, sent whole.
  Sockets passwords;
  for (std::size_t i = 0; i < kPool + kQueued; ++i) {
    const int fd = connect_loopback(emulator.port);
    ASSERT_GE(fd, 0);
    passwords.fds.push_back(fd);
    const auto request = raw_post(
        "/register/password",
        {{"username", "pool-" + std::to_string(i)}, {"password", kPassword}, {"password_confirmation", kPassword}},
        scoped(emulator.web, "auth.register"));
    ASSERT_TRUE(send_all(fd, request));
  }
  ASSERT_TRUE(gate.await_entered(kPool)) << "the password pool never filled";

  // Every pool thread is held now. Ordinary requests are still answered.
  auto certs = client.Get("/certs");
  ASSERT_TRUE(certs) << "GET /certs got no answer while the password pool was busy";
  EXPECT_EQ(certs->status, 200);
  EXPECT_NE(certs->body.find("BEGIN PUBLIC KEY"), std::string::npos);

  auto retrieved = post("/manage/users/retrieve", {{"username", "pool-user"}}, emulator.management, "users.retrieve");
  ASSERT_TRUE(retrieved) << "users/retrieve got no answer while the password pool was busy";
  EXPECT_EQ(retrieved->status, 200) << retrieved->body;
  EXPECT_EQ(nlohmann::json::parse(retrieved->body).at("username"), "pool-user");

  // A wait_code parks, and an authorize wakes it with the user's token.
  Sockets waiter;
  waiter.fds.push_back(connect_loopback(emulator.port));
  ASSERT_GE(waiter.fds[0], 0);
  ASSERT_TRUE(send_all(waiter.fds[0], raw_post("/authenticate/code/wait",
                                               {{"client_id", emulator.web.client_id},
                                                {"username", "pool-user"},
                                                {"authentication_code", {{"code", code_value}, {"type", "short"}}}})));
  const auto parking_limit = std::chrono::steady_clock::now() + kHangGuard;
  while (emulator.parked_waiters() == 0 && std::chrono::steady_clock::now() < parking_limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(emulator.parked_waiters(), 1u) << "the wait_code never parked";
  auto authorized = post("/codes/short/authorize",
                         {{"purpose", "temporary_authentication"}, {"username", "pool-user"}, {"code", code_value}},
                         emulator.management, "codes.authorize");
  ASSERT_TRUE(authorized) << "authorize got no answer while the password pool was busy";
  EXPECT_EQ(authorized->status, 200) << authorized->body;
  const auto woken = read_until_close(waiter.fds[0], kHangGuard);
  ASSERT_EQ(status_of(woken), 200) << woken;
  EXPECT_TRUE(nlohmann::json::parse(body_of(woken)).contains("jwt")) << woken;

  // All that happened with the pool still held: the password requests beyond it have not started
  // (no thread took them), none was answered (refused) meanwhile, and no thread was added.
  EXPECT_EQ(gate.entered(), kPool);
  for (int fd : passwords.fds) EXPECT_FALSE(has_input(fd)) << "a password request was answered while queued";
  EXPECT_EQ(threads_of_this_process(), threads_before);

  // Let the pool go: every password request, queued ones included, succeeds in its turn.
  gate.release();
  for (std::size_t i = 0; i < passwords.fds.size(); ++i) {
    const auto answer = read_until_close(passwords.fds[i], kHangGuard);
    EXPECT_EQ(status_of(answer), 200) << "password request " << i << ": " << answer;
    EXPECT_TRUE(nlohmann::json::parse(body_of(answer), nullptr, false).contains("jwt")) << answer;
  }
  EXPECT_EQ(gate.entered(), kPool + kQueued);
  EXPECT_EQ(threads_of_this_process(), threads_before);
}

}  // namespace
}  // namespace loginid::testing
