// The emulator's event-driven HTTP server (issue 12), below the routes: thousands of parked
// wait_code calls cost no thread and one authorize answers them all; what real HTTP clients do
// (Expect: 100-continue, pipelining, HEAD, a body without Content-Length); the bound on request
// targets; the start-up refusal when the open-file limit cannot fit --max-waiters; and a parked
// wait whose client went away (closed, reset; over http and https) giving its seat back at once.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "integration/emulator/raw_socket.hpp"
#include "integration/emulator/test_support.hpp"

namespace loginid::testing {
namespace {

using std::chrono::milliseconds;

/// The thread count of process `pid` (/proc/PID/status).
long threads_of(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (status >> key) {
    if (key == "Threads:") {
      long threads = 0;
      status >> threads;
      return threads;
    }
    status.ignore(4096, '\n');
  }
  return -1;
}

struct RawAnswer {
  int status = 0;  ///< 0: no whole answer within the limit
  std::string head;
  std::string body;
};

/// Reads one whole HTTP answer (head + Content-Length bytes) from `fd`; what follows stays unread
/// in `pending` for the next call.
RawAnswer read_answer(int fd, std::string& pending, milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  for (;;) {
    const auto end_of_head = pending.find("\r\n\r\n");
    if (end_of_head != std::string::npos) {
      RawAnswer answer;
      answer.head = pending.substr(0, end_of_head);
      std::size_t length = 0;
      const auto at = answer.head.find("Content-Length: ");
      if (at != std::string::npos) length = std::stoul(answer.head.substr(at + 16));
      if (pending.size() >= end_of_head + 4 + length) {
        answer.body = pending.substr(end_of_head + 4, length);
        if (answer.head.rfind("HTTP/1.1 ", 0) == 0) answer.status = std::stoi(answer.head.substr(9, 3));
        pending.erase(0, end_of_head + 4 + length);
        return answer;
      }
    }
    if (std::chrono::steady_clock::now() >= until) return {};
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buffer[4096];
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return {};
    pending.append(buffer, static_cast<std::size_t>(n));
  }
}

std::string post_json(const std::string& path, const std::string& body, const std::string& extra_headers = {}) {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + extra_headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

/// Closes the sockets when the test ends, also when an assertion ends it early.
struct CloseAll {
  std::vector<int>& fds;
  ~CloseAll() {
    for (int fd : fds) ::close(fd);
  }
};

/// Polls /emulator/health (bounded, 60 s) until `count` wait_code calls are parked.
bool settle(EmulatorClient& client, std::size_t count) {
  for (int i = 0; i < 6000; ++i) {
    if (client.send("GET", "/emulator/health").json.value("waiters", std::size_t{0}) == count) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return false;
}

TEST(EmulatorHttp, ThousandsOfParkedWaitsCostNoThreadAndOneAuthorizeAnswersThemAll) {
  constexpr std::size_t kParked = 2000;
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_max != RLIM_INFINITY && files.rlim_max < kParked + 256) {
    GTEST_SKIP() << "the open-file hard limit (" << files.rlim_max << ") cannot fit " << kParked << " connections";
  }
  files.rlim_cur = std::max<rlim_t>(files.rlim_cur, kParked + 256);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &files), 0);

  EmulatorProcess emulator({{"--wait-timeout", "120"}, {}, {}});
  EmulatorClient client(emulator);
  client.create_user("crowd");
  const auto code = client.generate_code("crowd").at("code").get<std::string>();
  const long threads_before = threads_of(emulator.pid());
  ASSERT_GT(threads_before, 0);

  const auto request = post_json("/authenticate/code/wait",
                                 nlohmann::json{{"client_id", client.web().client_id},
                                                {"username", "crowd"},
                                                {"authentication_code", {{"code", code}, {"type", "short"}}}}
                                     .dump());
  std::vector<int> crowd;
  const CloseAll close_all{crowd};
  for (std::size_t i = 0; i < kParked; ++i) {
    const int fd = connect_loopback(emulator.port());
    ASSERT_GE(fd, 0) << "connection " << i;
    crowd.push_back(fd);
    ASSERT_TRUE(send_all(fd, request));
  }
  ASSERT_TRUE(settle(client, kParked)) << "the waits did not all park";
  EXPECT_EQ(threads_of(emulator.pid()), threads_before) << "a parked wait must not cost a thread";

  ASSERT_EQ(client.authorize_code("crowd", code).status, 200);
  // Single use: the longest-parked wait gets the token, every other one code_invalid.
  std::size_t tokens = 0;
  std::size_t invalid = 0;
  std::string other;
  for (int fd : crowd) {
    std::string pending;
    const auto answer = read_answer(fd, pending, milliseconds(60'000));
    const auto json = nlohmann::json::parse(answer.body, nullptr, false);
    if (answer.status == 200 && json.contains("jwt")) {
      ++tokens;
      const auto claims = verify_with_certs(client, json.at("jwt").get<std::string>(), client.web().client_id);
      EXPECT_EQ(claims.at("udata"), "crowd");
    } else if (answer.status == 400 && json.value("code", "") == "code_invalid") {
      ++invalid;
    } else if (other.size() < 500) {
      other += " [" + std::to_string(answer.status) + " " + answer.body + "]";
    }
  }
  EXPECT_EQ(tokens, 1u);
  EXPECT_EQ(invalid, kParked - 1) << "other answers:" << other;
  EXPECT_TRUE(settle(client, 0));
}

TEST(EmulatorHttp, ExpectContinueGetsItsGoAheadBeforeTheBody) {
  EmulatorProcess emulator;
  EmulatorClient client(emulator);
  const auto app = client.management();
  const std::string body = R"({"username":"patient"})";
  const int fd = connect_loopback(emulator.port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(send_all(fd, "POST /manage/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                           "Authorization: Bearer " + EmulatorClient::token(app, "users.create") +
                           "\r\nX-Client-ID: " + app.client_id + "\r\nExpect: 100-continue\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n"));
  std::string pending;
  const auto interim = read_answer(fd, pending, milliseconds(10'000));
  EXPECT_EQ(interim.status, 100) << interim.head;
  ASSERT_TRUE(send_all(fd, body));
  const auto answer = read_answer(fd, pending, milliseconds(10'000));
  ::close(fd);
  EXPECT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(nlohmann::json::parse(answer.body, nullptr, false).value("username", ""), "patient");
}

TEST(EmulatorHttp, PipelinedRequestsAreAnsweredInOrder) {
  EmulatorProcess emulator;
  const int fd = connect_loopback(emulator.port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(send_all(fd,
                       "GET /emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-ID: first\r\n\r\n"
                       "GET /no/such/path HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-ID: second\r\n\r\n"
                       "POST /manage/users HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-ID: third\r\nContent-Length: 2\r\n"
                       "Connection: close\r\n\r\n{}"));
  std::string pending;
  const auto first = read_answer(fd, pending, milliseconds(10'000));
  const auto second = read_answer(fd, pending, milliseconds(10'000));
  const auto third = read_answer(fd, pending, milliseconds(10'000));
  ::close(fd);
  EXPECT_EQ(first.status, 200);
  EXPECT_NE(first.head.find("X-Request-ID: first"), std::string::npos) << first.head;
  EXPECT_EQ(second.status, 404);
  EXPECT_NE(second.head.find("X-Request-ID: second"), std::string::npos) << second.head;
  EXPECT_EQ(third.status, 401) << third.body;  // answered by a worker, still in order
  EXPECT_NE(third.head.find("X-Request-ID: third"), std::string::npos) << third.head;
  EXPECT_NE(third.head.find("Connection: close"), std::string::npos) << third.head;
}

TEST(EmulatorHttp, HeadIsAGetWithoutTheBody) {
  EmulatorProcess emulator;
  const int fd = connect_loopback(emulator.port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(send_all(fd, "HEAD /emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  const auto raw = read_until_close(fd, milliseconds(10'000));
  ::close(fd);
  EXPECT_EQ(raw.rfind("HTTP/1.1 200", 0), 0u) << raw;
  EXPECT_NE(raw.find("Content-Length: "), std::string::npos) << raw;
  EXPECT_EQ(raw.substr(raw.find("\r\n\r\n") + 4), "") << "no body after the head";
}

TEST(EmulatorHttp, APostWithoutContentLengthHasAnEmptyBody) {
  EmulatorProcess emulator;
  const int fd = connect_loopback(emulator.port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(send_all(fd, "POST /emulator/namespaces HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  std::string pending;
  const auto answer = read_answer(fd, pending, milliseconds(10'000));
  ::close(fd);
  EXPECT_EQ(answer.status, 400) << answer.body;
  EXPECT_EQ(nlohmann::json::parse(answer.body, nullptr, false).value("code", ""), "bad_request") << answer.body;
}

TEST(EmulatorHttp, AnOverlongTargetIs414AndTheServerStaysUp) {
  EmulatorProcess emulator;
  EmulatorClient client(emulator);
  // 30,000 characters in a path segment matched by a route pattern: enough to overflow the stack
  // of a recursive regex matcher; the target bound (8 KiB) refuses it before any matching.
  for (const std::string& target : {"/codes/" + std::string(30'000, 'a') + "/generate",
                                    "/certs?kid=" + std::string(20'000, 'b')}) {
    auto reply = client.send_raw(target.starts_with("/codes") ? "POST" : "GET", target, "{}");
    expect_error(reply, 414, "uri_too_long");
  }
  EXPECT_EQ(client.send("GET", "/emulator/health").status, 200);
}

TEST(EmulatorHttp, AHeaderBlockOver32KiBIs431HoweverItIsMadeUp) {
  // SECURITY.md finding 6: cpp-httplib bounded each header line but not their number, and kept
  // them all. The whole block is bounded now, many small lines as well as one big one.
  EmulatorProcess emulator;
  EmulatorClient client(emulator);
  std::string many;
  for (int i = 0; i < 2'000; ++i) many += "X-P" + std::to_string(i) + ": 01234567890123456789\r\n";  // ~60 KB
  for (const auto& headers : {many, "X-Big: " + std::string(40 * 1024, 'a') + "\r\n"}) {
    const int fd = connect_loopback(emulator.port());
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(send_all(fd, "GET /emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n"));
    std::string pending;
    const auto answer = read_answer(fd, pending, milliseconds(10'000));
    ::close(fd);
    EXPECT_EQ(answer.status, 431) << answer.head;
    EXPECT_EQ(nlohmann::json::parse(answer.body, nullptr, false).value("code", ""), "request_header_fields_too_large")
        << answer.body;
  }
  EXPECT_EQ(client.send("GET", "/emulator/health").status, 200);
}

TEST(EmulatorHttp, AMaxWaitersTheSystemCannotFitStopsTheStartWithTheReason) {
  const char* bin = std::getenv("LOGINID_EMULATOR_BIN");
  ASSERT_NE(bin, nullptr);
  // As root the emulator could raise the hard limit itself: setpriv drops that capability.
  std::string prefix;
  if (::geteuid() == 0) {
    if (std::system("command -v setpriv >/dev/null 2>&1") != 0) GTEST_SKIP() << "root, and no setpriv";
    prefix = "setpriv --bounding-set=-sys_resource ";
  }
  const auto dir = std::filesystem::temp_directory_path() / ("loginid-emu-nofile-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto command = prefix + "sh -c 'ulimit -Sn 256 && ulimit -Hn 256 && exec \"$0\" --port 0 --db \"$1\" " +
                       "--max-waiters 5000' " + bin + " " + (dir / "x.db").string() + " >/dev/null 2>" +
                       (dir / "err.txt").string();
  const int status = std::system(command.c_str());
  std::ifstream err(dir / "err.txt");
  const std::string message((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  const bool database_made = std::filesystem::exists(dir / "x.db");
  std::filesystem::remove_all(dir);
  EXPECT_FALSE(database_made) << "refused before the database is created, as a port in use is";
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << message;
  EXPECT_NE(message.find("--max-waiters 5000"), std::string::npos) << message;
  EXPECT_NE(message.find("open files"), std::string::npos) << message;
  EXPECT_NE(message.find("256"), std::string::npos) << "the limit the system allows: " << message;
}

}  // namespace
}  // namespace loginid::testing

// ---- A parked wait whose client went away gives its --max-waiters seat back at once ----------

namespace loginid::testing {
namespace {

/// The raw wait_code request for `username` / `code`, as the web application.
std::string wait_request(const EmulatorClient& client, const std::string& username, const std::string& code) {
  return post_json("/authenticate/code/wait",
                   nlohmann::json{{"client_id", client.web().client_id},
                                  {"username", username},
                                  {"authentication_code", {{"code", code}, {"type", "short"}}}}
                       .dump());
}

/// Closes with a reset (RST) instead of a FIN, as a crashed client's kernel may.
void close_with_reset(int fd) {
  const linger abort_now{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_now, sizeof abort_now);
  ::close(fd);
}

/// Connects and parks one wait on a raw connection; -1 when the connection failed.
int park_raw_wait(const EmulatorProcess& emulator, const std::string& request) {
  const int fd = connect_loopback(emulator.port());
  if (fd >= 0 && !send_all(fd, request)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST(EmulatorHttp, AWaitWhoseClientLeftGivesItsSeatBackAtOnce) {
  // --wait-timeout far above settle()'s bound: only the disconnect can free the seats in time.
  EmulatorProcess emulator({{"--max-waiters", "2", "--wait-timeout", "300"}, {}, {}});
  EmulatorClient client(emulator);
  client.create_user("leaver");
  const auto code = client.generate_code("leaver").at("code").get<std::string>();
  const auto request = wait_request(client, "leaver", code);

  const int closes = park_raw_wait(emulator, request);
  const int resets = park_raw_wait(emulator, request);
  ASSERT_GE(closes, 0);
  ASSERT_GE(resets, 0);
  ASSERT_TRUE(settle(client, 2));
  const auto full = client.send("POST", "/authenticate/code/wait",
                                nlohmann::json{{"client_id", client.web().client_id},
                                               {"username", "leaver"},
                                               {"authentication_code", {{"code", code}, {"type", "short"}}}});
  ASSERT_EQ(full.status, 429) << "the seats are taken: " << full.body;

  ::close(closes);          // a FIN: the client closed, or was killed (-9) with nothing unread
  close_with_reset(resets);  // a RST
  EXPECT_TRUE(settle(client, 0)) << "the seats of waits whose clients left must be free before --wait-timeout";

  // A real user gets a seat again, and the normal wake-up still answers it.
  const int patient = park_raw_wait(emulator, request);
  ASSERT_GE(patient, 0);
  ASSERT_TRUE(settle(client, 1));
  ASSERT_EQ(client.authorize_code("leaver", code).status, 200);
  std::string pending;
  const auto answer = read_answer(patient, pending, milliseconds(60'000));
  ::close(patient);
  ASSERT_EQ(answer.status, 200) << answer.body;
  const auto claims = verify_with_certs(
      client, nlohmann::json::parse(answer.body).at("jwt").get<std::string>(), client.web().client_id);
  EXPECT_EQ(claims.at("udata"), "leaver");
  EXPECT_TRUE(settle(client, 0));
}

TEST(EmulatorHttp, TheCodeGoesToAWaitWhoseClientIsStillThere) {
  // The longest-parked waits leave; the authorize hands the code to one still connected (the
  // departed ones are off the hub), every other connected one gets code_invalid.
  constexpr std::size_t kWaits = 20;
  EmulatorProcess emulator({{"--wait-timeout", "300"}, {}, {}});
  EmulatorClient client(emulator);
  client.create_user("queue");
  const auto code = client.generate_code("queue").at("code").get<std::string>();
  const auto request = wait_request(client, "queue", code);
  std::vector<int> leaving;
  std::vector<int> staying;
  const CloseAll close_staying{staying};
  for (std::size_t i = 0; i < kWaits; ++i) {
    const int fd = park_raw_wait(emulator, request);
    ASSERT_GE(fd, 0);
    (i < kWaits / 2 ? leaving : staying).push_back(fd);
    ASSERT_TRUE(settle(client, i + 1)) << "parked in this order";
  }
  for (int fd : leaving) ::close(fd);
  ASSERT_TRUE(settle(client, kWaits / 2));
  ASSERT_EQ(client.authorize_code("queue", code).status, 200);
  std::size_t tokens = 0;
  std::size_t invalid = 0;
  for (int fd : staying) {
    std::string pending;
    const auto answer = read_answer(fd, pending, milliseconds(60'000));
    const auto json = nlohmann::json::parse(answer.body, nullptr, false);
    if (answer.status == 200 && json.contains("jwt")) ++tokens;
    if (answer.status == 400 && json.value("code", "") == "code_invalid") ++invalid;
  }
  EXPECT_EQ(tokens, 1u);
  EXPECT_EQ(invalid, kWaits / 2 - 1);
}

TEST(EmulatorHttp, AnAuthorizeRacingTheClientLeavingHasExactlyOneWinner) {
  // Either the authorize hands the code to the wait (consumed: a later wait is code_invalid) or
  // the departure takes the wait off first (the authorize leaves the code authorized: a later
  // wait answers at once). Never both, never neither, never a crash or a seat kept.
  constexpr int kRounds = 30;
  EmulatorProcess emulator({{"--wait-timeout", "300"}, {}, {}});
  EmulatorClient client(emulator);
  EmulatorClient authorizer(emulator);
  client.create_user("racer");
  int handed_over = 0;
  int left_first = 0;
  for (int round = 0; round < kRounds; ++round) {
    const auto code = client.generate_code("racer").at("code").get<std::string>();
    const int fd = park_raw_wait(emulator, wait_request(client, "racer", code));
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(settle(client, 1));
    int authorize_status = 0;
    std::thread authorize([&] { authorize_status = authorizer.authorize_code("racer", code).status; });
    if (round % 2 == 0) {
      ::close(fd);
    } else {
      close_with_reset(fd);
    }
    authorize.join();
    ASSERT_EQ(authorize_status, 200) << "round " << round;
    ASSERT_TRUE(settle(client, 0)) << "round " << round;
    const auto again = client.send("POST", "/authenticate/code/wait",
                                   nlohmann::json{{"client_id", client.web().client_id},
                                                  {"username", "racer"},
                                                  {"authentication_code", {{"code", code}, {"type", "short"}}}});
    if (again.status == 200 && again.json.contains("jwt")) {
      ++left_first;
    } else {
      ASSERT_EQ(again.status, 400) << "round " << round << ": " << again.body;
      ASSERT_EQ(again.json.value("code", ""), "code_invalid") << again.body;
      ++handed_over;
    }
  }
  EXPECT_EQ(handed_over + left_first, kRounds);
  std::printf("authorize won %d rounds, the departure %d\n", handed_over, left_first);
  EXPECT_EQ(client.send("GET", "/emulator/health").status, 200);
}

TEST(EmulatorHttp, ARequestPipelinedBehindAParkedWaitIsKeptAndAnsweredAfterIt) {
  // Bytes that arrive while a wait is parked are its client's next request, not a departure.
  EmulatorProcess emulator({{"--wait-timeout", "300"}, {}, {}});
  EmulatorClient client(emulator);
  client.create_user("pipeliner");
  const auto code = client.generate_code("pipeliner").at("code").get<std::string>();
  const int fd = park_raw_wait(emulator, wait_request(client, "pipeliner", code));
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(settle(client, 1));
  ASSERT_TRUE(send_all(fd, "GET /emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-ID: next\r\n\r\n"));
  EXPECT_EQ(client.send("GET", "/emulator/health").json.value("waiters", 0), 1) << "still parked";
  ASSERT_EQ(client.authorize_code("pipeliner", code).status, 200);
  std::string pending;
  const auto first = read_answer(fd, pending, milliseconds(60'000));
  const auto second = read_answer(fd, pending, milliseconds(60'000));
  ::close(fd);
  EXPECT_EQ(first.status, 200) << first.body;
  EXPECT_TRUE(nlohmann::json::parse(first.body, nullptr, false).contains("jwt")) << first.body;
  EXPECT_EQ(second.status, 200) << second.head;
  EXPECT_NE(second.head.find("X-Request-ID: next"), std::string::npos) << second.head;
}

/// A TLS client on loopback, below HTTP (the certificate is not checked: this is about the
/// emulator's connections, not its identity).
class TlsLink {
 public:
  explicit TlsLink(int port) : context_(SSL_CTX_new(TLS_client_method()), SSL_CTX_free) {
    fd_ = connect_loopback(port);
    if (fd_ < 0 || !context_) return;
    ssl_.reset(SSL_new(context_.get()));
    SSL_set_fd(ssl_.get(), fd_);
    if (SSL_connect(ssl_.get()) != 1) ssl_.reset();
  }
  ~TlsLink() { close(); }
  TlsLink(const TlsLink&) = delete;
  TlsLink& operator=(const TlsLink&) = delete;

  [[nodiscard]] bool ok() const { return ssl_ != nullptr; }
  bool send(const std::string& bytes) {
    return ok() && SSL_write(ssl_.get(), bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size());
  }
  /// One whole answer (bounded: the emulator's answers come at once or on an authorize).
  RawAnswer read_answer() {
    std::string data;
    char buffer[4096];
    while (ok()) {
      const auto end_of_head = data.find("\r\n\r\n");
      if (end_of_head != std::string::npos) {
        const auto at = data.find("Content-Length: ");
        const std::size_t length = at == std::string::npos ? 0 : std::stoul(data.substr(at + 16));
        if (data.size() >= end_of_head + 4 + length) {
          RawAnswer answer;
          answer.head = data.substr(0, end_of_head);
          answer.body = data.substr(end_of_head + 4, length);
          answer.status = std::stoi(answer.head.substr(9, 3));
          return answer;
        }
      }
      const int n = SSL_read(ssl_.get(), buffer, sizeof buffer);
      if (n <= 0) break;
      data.append(buffer, static_cast<std::size_t>(n));
    }
    return {};
  }
  /// With a close_notify first, or just the TCP close (a killed client).
  void close(bool notify = false) {
    if (ssl_ && notify) SSL_shutdown(ssl_.get());
    ssl_.reset();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  struct SslFree {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
  };
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context_;
  std::unique_ptr<SSL, SslFree> ssl_;
  int fd_ = -1;
};

/// One request on its own TLS connection.
RawAnswer tls_exchange(int port, const std::string& request) {
  TlsLink link(port);
  if (!link.send(request)) return {};
  return link.read_answer();
}

std::string scoped_request(const App& app, const std::string& scope, const std::string& path, nlohmann::json body) {
  body["client_id"] = app.client_id;
  return post_json(path, body.dump(),
                   "Authorization: Bearer " + EmulatorClient::token(app, scope) + "\r\nX-Client-ID: " + app.client_id +
                       "\r\n");
}

/// settle() over https (bounded, 60 s).
bool settle_tls(int port, std::size_t count) {
  for (int i = 0; i < 6000; ++i) {
    const auto health = tls_exchange(port, "GET /emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    if (nlohmann::json::parse(health.body, nullptr, false).value("waiters", std::size_t{0}) == count) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return false;
}

TEST(EmulatorHttp, AWaitWhoseTlsClientLeftGivesItsSeatBackAtOnce) {
  EmulatorProcess emulator({{"--tls-self-signed", "--max-waiters", "2", "--wait-timeout", "300"}, {}, {}});
  const EmulatorClient client(emulator);  // the applications' keys (its requests go over TlsLink)
  const int port = emulator.port();
  ASSERT_EQ(tls_exchange(port, scoped_request(client.management(), "users.create", "/manage/users",
                                              {{"username", "tls-leaver"}}))
                .status,
            200);
  const auto generated = tls_exchange(port, scoped_request(client.management(), "codes.generate",
                                                           "/codes/short/generate",
                                                           {{"purpose", "temporary_authentication"},
                                                            {"username", "tls-leaver"}}));
  ASSERT_EQ(generated.status, 200) << generated.body;
  const auto code = nlohmann::json::parse(generated.body).at("code").get<std::string>();
  const auto request = wait_request(client, "tls-leaver", code);

  TlsLink notifies(port);
  TlsLink drops(port);
  ASSERT_TRUE(notifies.send(request));
  ASSERT_TRUE(drops.send(request));
  ASSERT_TRUE(settle_tls(port, 2));
  notifies.close(true);  // close_notify, then FIN
  drops.close(false);    // FIN only, as a killed client
  EXPECT_TRUE(settle_tls(port, 0)) << "the seats of waits whose clients left must be free before --wait-timeout";

  TlsLink patient(port);
  ASSERT_TRUE(patient.send(request));
  ASSERT_TRUE(settle_tls(port, 1));
  ASSERT_EQ(tls_exchange(port, scoped_request(client.management(), "codes.authorize", "/codes/short/authorize",
                                              {{"purpose", "temporary_authentication"},
                                               {"username", "tls-leaver"},
                                               {"code", code}}))
                .status,
            200);
  const auto answer = patient.read_answer();
  EXPECT_EQ(answer.status, 200) << answer.body;
  EXPECT_TRUE(nlohmann::json::parse(answer.body, nullptr, false).contains("jwt")) << answer.body;
}

}  // namespace
}  // namespace loginid::testing
