// SQLite writes stay off the event loops (issue 12): while a write waits on SQLite's write lock, or
// while every thread of the store pool is held, the event loops still accept connections and answer
// GET /certs, the health endpoint and users/retrieve (a read through the store's read connections),
// on fresh connections and on a kept-alive one; a parked wait's client leaving still frees its seat
// (deferred work on the loops). Then the write goes through.
// The server runs in process (a file database in a temporary directory), so that a second SQLite
// connection can hold the write lock and the test hook (ServerOptions::before_store_route) can hold
// the store pool: what is shown is an order of events, never a duration. The time limits below are
// hang guards only; the store's busy timeout is one too, so a write waits for the lock as long as
// the test holds it.

#include <gtest/gtest.h>
#include <poll.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
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
constexpr std::size_t kLoops = 2;        // event loops (--workers)
constexpr std::size_t kStorePool = 2;    // store pool threads (--store-workers)
constexpr std::size_t kFreshConnections = 6;  // more than the loops: every loop gets some

/// Counts the store routes that started; when holding, keeps each at its start until release().
class StoreGate {
 public:
  void enter() {
    std::unique_lock lock(mutex_);
    ++entered_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return !holding_; });
  }
  void hold() {
    const std::lock_guard lock(mutex_);
    holding_ = true;
  }
  void release() {
    const std::lock_guard lock(mutex_);
    holding_ = false;
    changed_.notify_all();
  }
  bool await_entered(std::size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kHangGuard, [&] { return entered_ >= count; });
  }
  std::size_t entered() {
    const std::lock_guard lock(mutex_);
    return entered_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t entered_ = 0;
  bool holding_ = false;
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

/// A whole request; `close`: it asks the server to close after answering.
std::string raw_request(const std::string& method, const std::string& path, const std::optional<nlohmann::json>& body,
                        const std::vector<std::pair<std::string, std::string>>& headers, bool close) {
  std::string head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [name, value] : headers) head += name + ": " + value + "\r\n";
  if (close) head += "Connection: close\r\n";
  if (!body) return head + "\r\n";
  const auto text = body->dump();
  return head + "Content-Type: application/json\r\nContent-Length: " + std::to_string(text.size()) + "\r\n\r\n" + text;
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

/// Reads one answer (head and Content-Length body) from a kept-alive connection.
std::string read_one_answer(int fd) {
  const auto give_up = std::chrono::steady_clock::now() + kHangGuard;
  std::string in;
  for (;;) {
    const auto end_of_head = in.find("\r\n\r\n");
    if (end_of_head != std::string::npos) {
      std::size_t length = 0;
      const auto at = in.find("\r\nContent-Length: ");
      if (at != std::string::npos && at < end_of_head) length = std::stoul(in.substr(at + 18));
      if (in.size() >= end_of_head + 4 + length) return in;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(give_up - std::chrono::steady_clock::now());
    if (left.count() <= 0) return in;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return in;
    char chunk[4096];
    const auto n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return in;
    in.append(chunk, static_cast<std::size_t>(n));
  }
}

struct Sockets {
  std::vector<int> fds;
  ~Sockets() {
    for (int fd : fds) ::close(fd);
  }
  int open(int port) {
    const int fd = connect_loopback(port);
    if (fd >= 0) fds.push_back(fd);
    return fd;
  }
};

/// A temporary directory, removed with everything in it.
struct TempDir {
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "loginid-store-pool-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path.empty()) std::filesystem::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path path;
};

/// The emulator's service and HTTP server in this process, on an ephemeral loopback port, over a
/// database file, with the store pool behind `gate`. Everything stops on destruction, the gate
/// opened first.
class InProcessEmulator {
 public:
  InProcessEmulator(StoreGate& gate, const std::filesystem::path& db)
      : gate_(gate), store_(db.string(), std::nullopt, kHangGuard) {
    http::ServerOptions options;
    options.workers = kLoops;
    options.store_workers = kStorePool;
    options.max_waiters = 16;
    options.max_other_connections = 64;
    options.log_level = http::LogLevel::off;
    options.before_store_route = [this] { gate_.enter(); };
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
  StoreGate& gate_;
  detail::store::Store store_;
  emulator::Service service_{store_, emulator::ServiceConfig{}};
  emulator::DefaultCredentials defaults_ = service_.ensure_defaults();

 public:
  const App web{defaults_.web_client_id, PrivateKey::from_pem(defaults_.web_private_key)};
  const App management{defaults_.management_client_id, PrivateKey::from_pem(defaults_.management_private_key)};
  int port = 0;

 private:
  std::optional<http::Server> server_;
  std::thread serving_;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

Headers scoped(const App& app, const std::string& scope) {
  return {{"Authorization", "Bearer " + token(app, scope)}, {"X-Client-ID", app.client_id}};
}

/// The routes that must keep answering, each as a request (a fresh token each time).
struct Probe {
  const char* name;
  std::string request;
};

std::vector<Probe> probes(const InProcessEmulator& emulator, const std::string& username, bool close) {
  return {
      {"GET /certs", raw_request("GET", "/certs", std::nullopt, {}, close)},
      {"GET /emulator/health", raw_request("GET", "/emulator/health", std::nullopt, {}, close)},
      {"POST /manage/users/retrieve", raw_request("POST", "/manage/users/retrieve", nlohmann::json{{"username", username}},
                                                  scoped(emulator.management, "users.retrieve"), close)},
  };
}

/// Checks one probe's answer: 200 with the body the route gives.
void expect_answered(const Probe& probe, const std::string& answer, const std::string& username, const char* where) {
  ASSERT_EQ(status_of(answer), 200) << probe.name << " on " << where << ": " << answer;
  const auto body = body_of(answer);
  if (std::string(probe.name) == "GET /certs") {
    EXPECT_NE(body.find("BEGIN PUBLIC KEY"), std::string::npos) << body;
  } else if (std::string(probe.name) == "GET /emulator/health") {
    EXPECT_EQ(nlohmann::json::parse(body, nullptr, false).value("status", ""), "ok") << body;
  } else {
    EXPECT_EQ(nlohmann::json::parse(body, nullptr, false).value("username", ""), username) << body;
  }
}

/// Every probe on kFreshConnections new connections each (one request per connection), then on
/// the kept-alive connection `kept`.
void expect_loops_answer(const InProcessEmulator& emulator, const std::string& username, int kept) {
  for (std::size_t i = 0; i < kFreshConnections; ++i) {
    for (const auto& probe : probes(emulator, username, /*close=*/true)) {
      Sockets fresh;
      const int fd = fresh.open(emulator.port);
      ASSERT_GE(fd, 0);
      ASSERT_TRUE(send_all(fd, probe.request));
      expect_answered(probe, read_until_close(fd, kHangGuard), username, "a fresh connection");
    }
  }
  for (const auto& probe : probes(emulator, username, /*close=*/false)) {
    ASSERT_TRUE(send_all(kept, probe.request));
    expect_answered(probe, read_one_answer(kept), username, "the kept-alive connection");
  }
}

std::string create_user_request(const InProcessEmulator& emulator, const std::string& username) {
  return raw_request("POST", "/manage/users", nlohmann::json{{"username", username}},
                     scoped(emulator.management, "users.create"), /*close=*/true);
}

/// Creates a user over a connection of its own; its status.
int create_user(const InProcessEmulator& emulator, const std::string& username) {
  Sockets socket;
  const int fd = socket.open(emulator.port);
  if (fd < 0 || !send_all(fd, create_user_request(emulator, username))) return 0;
  return status_of(read_until_close(fd, kHangGuard));
}

/// A second SQLite connection to the emulator's database, as the sqlite3 tool would open it.
class OtherConnection {
 public:
  explicit OtherConnection(const std::filesystem::path& db) {
    if (sqlite3_open(db.c_str(), &db_) != SQLITE_OK) db_ = nullptr;
  }
  ~OtherConnection() { sqlite3_close(db_); }
  OtherConnection(const OtherConnection&) = delete;
  OtherConnection& operator=(const OtherConnection&) = delete;
  bool exec(const char* sql) { return db_ != nullptr && sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }
  int count_users(const std::string& username) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT count(*) FROM users WHERE username = ?1", -1, &stmt, nullptr) != SQLITE_OK) {
      return -1;
    }
    sqlite3_bind_text(stmt, 1, username.c_str(), -1, SQLITE_TRANSIENT);
    const int count = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    return count;
  }

 private:
  sqlite3* db_ = nullptr;
};

TEST(EmulatorStorePool, WriteWaitingOnSqliteWriteLockLeavesLoopsAnswering) {
  TempDir dir;
  ASSERT_FALSE(dir.path.empty());
  const auto db = dir.path / "emulator.db";
  StoreGate gate;
  InProcessEmulator emulator(gate, db);
  ASSERT_EQ(create_user(emulator, "reader"), 200);
  Sockets kept_alive;
  const int kept = kept_alive.open(emulator.port);
  ASSERT_GE(kept, 0);
  ASSERT_TRUE(send_all(kept, raw_request("GET", "/certs", std::nullopt, {}, /*close=*/false)));
  ASSERT_EQ(status_of(read_one_answer(kept)), 200);

  // Another connection (the sqlite3 tool, another process) holds the write lock.
  OtherConnection other(db);
  ASSERT_TRUE(other.exec("BEGIN IMMEDIATE"));
  // A write starts on the store pool, and waits for the lock as long as it is held.
  const auto routes_before = gate.entered();
  Sockets writer;
  const int write_fd = writer.open(emulator.port);
  ASSERT_GE(write_fd, 0);
  ASSERT_TRUE(send_all(write_fd, create_user_request(emulator, "written-later")));
  ASSERT_TRUE(gate.await_entered(routes_before + 1)) << "the write never reached the store pool";

  // The loops answer, on fresh connections and on the kept-alive one.
  expect_loops_answer(emulator, "reader", kept);
  EXPECT_FALSE(has_input(write_fd)) << "the write was answered while another connection held the write lock";

  // The lock goes: the write completes, and is stored.
  ASSERT_TRUE(other.exec("COMMIT"));
  const auto written = read_until_close(write_fd, kHangGuard);
  EXPECT_EQ(status_of(written), 200) << written;
  EXPECT_EQ(nlohmann::json::parse(body_of(written), nullptr, false).value("username", ""), "written-later") << written;
  EXPECT_EQ(other.count_users("written-later"), 1);
}

TEST(EmulatorStorePool, HeldStorePoolLeavesLoopsAnsweringAndQueuesWrites) {
  TempDir dir;
  ASSERT_FALSE(dir.path.empty());
  StoreGate gate;
  InProcessEmulator emulator(gate, dir.path / "emulator.db");
  ASSERT_EQ(create_user(emulator, "reader"), 200);
  Sockets kept_alive;
  const int kept = kept_alive.open(emulator.port);
  ASSERT_GE(kept, 0);
  ASSERT_TRUE(send_all(kept, raw_request("GET", "/emulator/health", std::nullopt, {}, /*close=*/false)));
  ASSERT_EQ(status_of(read_one_answer(kept)), 200);

  // A wait_code parks (its check ran on the store pool, before the pool is held).
  Sockets generate;
  const int generate_fd = generate.open(emulator.port);
  ASSERT_GE(generate_fd, 0);
  ASSERT_TRUE(send_all(generate_fd, raw_request("POST", "/codes/short/generate",
                                                nlohmann::json{{"purpose", "temporary_authentication"},
                                                               {"username", "reader"}},
                                                scoped(emulator.management, "codes.generate"), /*close=*/true)));
  const auto generated = read_until_close(generate_fd, kHangGuard);
  ASSERT_EQ(status_of(generated), 200) << generated;
  const auto code = nlohmann::json::parse(body_of(generated)).at("code").get<std::string>();
  Sockets waiter;
  const int wait_fd = waiter.open(emulator.port);
  ASSERT_GE(wait_fd, 0);
  ASSERT_TRUE(send_all(wait_fd, raw_request("POST", "/authenticate/code/wait",
                                            nlohmann::json{{"client_id", emulator.web.client_id},
                                                           {"username", "reader"},
                                                           {"authentication_code", {{"code", code}, {"type", "short"}}}},
                                            {}, /*close=*/true)));
  const auto parking_limit = std::chrono::steady_clock::now() + kHangGuard;
  while (emulator.parked_waiters() == 0 && std::chrono::steady_clock::now() < parking_limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(emulator.parked_waiters(), 1u) << "the wait_code never parked";

  // Every store pool thread is held, with one more write queued behind them.
  gate.hold();
  const auto routes_before = gate.entered();
  Sockets writes;
  for (std::size_t i = 0; i < kStorePool + 1; ++i) {
    const int fd = writes.open(emulator.port);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(send_all(fd, create_user_request(emulator, "queued-" + std::to_string(i))));
  }
  ASSERT_TRUE(gate.await_entered(routes_before + kStorePool)) << "the store pool never filled";

  expect_loops_answer(emulator, "reader", kept);

  // The parked wait's client leaves: its seat is freed by the loops (the store pool is still held).
  ::close(waiter.fds[0]);
  waiter.fds.clear();
  const auto leaving_limit = std::chrono::steady_clock::now() + kHangGuard;
  while (emulator.parked_waiters() != 0 && std::chrono::steady_clock::now() < leaving_limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(emulator.parked_waiters(), 0u) << "a departed waiter kept its seat while the store pool was held";

  // Nothing of the writes was answered meanwhile, and the one beyond the pool has not started.
  EXPECT_EQ(gate.entered(), routes_before + kStorePool);
  for (int fd : writes.fds) EXPECT_FALSE(has_input(fd)) << "a write was answered while the store pool was held";

  // Let the pool go: every write, the queued one included, succeeds in its turn.
  gate.release();
  for (std::size_t i = 0; i < writes.fds.size(); ++i) {
    const auto answer = read_until_close(writes.fds[i], kHangGuard);
    EXPECT_EQ(status_of(answer), 200) << "write " << i << ": " << answer;
  }
  EXPECT_EQ(gate.entered(), routes_before + kStorePool + 1);
}

}  // namespace
}  // namespace loginid::testing
