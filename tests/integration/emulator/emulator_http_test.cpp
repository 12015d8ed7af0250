// The emulator's event-driven HTTP server (issue 12), below the routes: thousands of parked
// wait_code calls cost no thread and one authorize answers them all; what real HTTP clients do
// (Expect: 100-continue, pipelining, HEAD, a body without Content-Length); the bound on request
// targets; and the start-up refusal when the open-file limit cannot fit --max-waiters.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
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
  struct CloseAll {
    std::vector<int>& fds;
    ~CloseAll() {
      for (int fd : fds) ::close(fd);
    }
  } close_all{crowd};
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
