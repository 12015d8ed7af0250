// The SDK under faults (issue 6, "SDK under faults"), two ways:
//  1. a fault-injecting fake transport (Options::transport): every TransportError kind, retryable
//     and final statuses, bad bodies; the count of requests proves what was retried;
//  2. a real misbehaving HTTP server on loopback (raw sockets, in this process) talked to through
//     the default libcurl transport: connection refused, reset mid-response, a stall longer than the
//     timeout, a truncated body, 503/429 with Retry-After (seconds and HTTP-date), invalid JSON and a
//     200 of the wrong shape. The server counts the requests it saw: a create is never sent twice.
// Every call runs under a hang detector (10x the call's timeout): the assertion is only that it
// returns, never how fast.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "failure.hpp"
#include "loginid/management.hpp"
#include "security/attack_support.hpp"
#include "security/bad_server.hpp"

namespace loginid::security_test {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr const char* kUserJson =
    R"({"id":"0b7f6f0e-1111-4222-8333-444455556666","username":"alice","status":"active",)"
    R"("namespace_id":"ns-1","created_at":"2026-11-29T01:02:03.456Z","updated_at":"2026-11-29T01:02:03.456Z"})";

const PrivateKey& app_key() {
  static const PrivateKey key = PrivateKey::generate();
  return key;
}

// Runs `call` and fails (then exits: a hung thread cannot be joined) if it has not returned within
// `limit`. Returns the loginid::Error it threw, or nullopt when it succeeded.
std::optional<Failure> run_bounded(const std::function<void()>& call, milliseconds limit) {
  auto done = std::make_shared<std::promise<std::optional<Failure>>>();
  auto result = done->get_future();
  std::thread([call, done] {
    try {
      call();
      done->set_value(std::nullopt);
    } catch (const Error& e) {
      done->set_value(failure_of(e));
    } catch (...) {
      done->set_exception(std::current_exception());
    }
  }).detach();
  if (result.wait_for(limit) != std::future_status::ready) {
    ADD_FAILURE() << "the call did not return within " << limit.count() << " ms: the SDK hangs";
    std::fflush(nullptr);
    std::_Exit(1);
  }
  return result.get();
}

// ---- 1. fault-injecting fake transport --------------------------------------------------------

struct FakeSdk {
  std::shared_ptr<ScriptedTransport> transport;
  LoginIdManagement mgmt;
  static Options options(std::shared_ptr<ScriptedTransport> transport) {
    Options o;
    o.base_url = "http://127.0.0.1:9";
    o.transport = std::move(transport);
    o.timeout = milliseconds(3000);
    o.retry.max_attempts = 3;
    o.retry.initial_backoff = milliseconds(5);
    o.retry.max_backoff = milliseconds(20);
    return o;
  }
  explicit FakeSdk(std::function<HttpResponse(const HttpRequest&)> handler)
      : transport(recording_transport(std::move(handler))),
        mgmt("mgmt-client", app_key(), options(transport)) {}
};

HttpResponse json_answer(int status, std::string body, HttpHeaders extra = {}) {
  extra.emplace_back("Content-Type", "application/json");
  return HttpResponse{status, std::move(extra), std::move(body)};
}

struct TransportFaultCase {
  const char* name;
  TransportError::Reason reason;
  std::size_t create_attempts;  // requests a create makes (max 3)
  std::size_t read_attempts;    // requests a read makes
  const char* code;
};

TEST(FaultsFakeTransport, TransportErrorsRetryOnlyWhatCannotDuplicateACreate) {
  const TransportFaultCase cases[] = {
      {"connect_failed (never reached the server)", TransportError::Reason::connect_failed, 3, 3, "connection_failed"},
      {"io_failed (reset: may have reached it)", TransportError::Reason::io_failed, 1, 3, "connection_failed"},
      // A timeout means the attempt used all the time the call had left (HttpRequest::timeout is the
      // call's remaining budget): a read has nothing left to retry in either.
      {"timeout (may have reached it; no time left)", TransportError::Reason::timeout, 1, 1, "timeout"},
  };
  for (const auto& c : cases) {
    auto fail = [&c](const HttpRequest&) -> HttpResponse { throw TransportError(c.reason, "injected fault"); };
    FakeSdk create(fail);
    const auto create_error = run_bounded([&] { (void)create.mgmt.add_user_without_credentials(loginid::Username("alice")); }, milliseconds(30'000));
    ASSERT_TRUE(create_error) << c.name;
    EXPECT_EQ(create_error->status, 0) << c.name;
    EXPECT_EQ(create_error->code, c.code) << c.name;
    EXPECT_EQ(create.transport->count(), c.create_attempts) << c.name << ": create sent that many times";

    FakeSdk read(fail);
    const auto read_error = run_bounded([&] { (void)read.mgmt.get_user(loginid::Username("alice")); }, milliseconds(30'000));
    ASSERT_TRUE(read_error) << c.name;
    EXPECT_EQ(read_error->code, c.code) << c.name;
    EXPECT_EQ(read.transport->count(), c.read_attempts) << c.name;
  }
}

TEST(FaultsFakeTransport, RetryableStatusesRepeatReadsButNeverCreates) {
  for (int status : {408, 429, 500, 502, 503, 504}) {
    const auto body = R"({"code":"unavailable","message":"injected )" + std::to_string(status) + "\"}";
    FakeSdk create([&](const HttpRequest&) { return json_answer(status, body); });
    const auto error = run_bounded([&] { (void)create.mgmt.add_user_without_credentials(loginid::Username("alice")); }, milliseconds(30'000));
    ASSERT_TRUE(error) << status;
    EXPECT_EQ(error->status, status);
    EXPECT_EQ(error->code, "unavailable");
    EXPECT_EQ(create.transport->count(), 1U) << status << ": a create was sent twice";

    // A read recovers when the third attempt succeeds.
    std::atomic<int> seen{0};
    FakeSdk recovering([&](const HttpRequest&) {
      return ++seen < 3 ? json_answer(status, body) : json_answer(200, kUserJson);
    });
    std::optional<User> user;
    EXPECT_FALSE(run_bounded([&] { user = recovering.mgmt.get_user(loginid::Username("alice")); }, milliseconds(30'000))) << status;
    ASSERT_TRUE(user) << status;
    EXPECT_EQ(user->username, "alice");
    EXPECT_EQ(recovering.transport->count(), 3U) << status;
  }
}

TEST(FaultsFakeTransport, FinalStatusesAreNotRetried) {
  for (int status : {400, 401, 403, 404, 409, 410, 413}) {
    FakeSdk sdk([&](const HttpRequest&) {
      return json_answer(status, R"({"code":"some_code","message":"no"})", {{"X-Request-ID", "req-42"}});
    });
    const auto error = run_bounded([&] { (void)sdk.mgmt.get_user(loginid::Username("alice")); }, milliseconds(30'000));
    ASSERT_TRUE(error) << status;
    EXPECT_EQ(error->status, status);
    EXPECT_EQ(error->code, "some_code");
    EXPECT_EQ(error->message, "no");
    EXPECT_EQ(error->request_id, "req-42");
    EXPECT_EQ(sdk.transport->count(), 1U) << status;
  }
}

TEST(FaultsFakeTransport, BadBodiesBecomeClearErrors) {
  struct BodyCase {
    const char* name;
    int status;
    std::string body;
    const char* code;
    const char* message_names;  // the message must mention this
  };
  const BodyCase cases[] = {
      {"200 invalid JSON", 200, "{\"id\":", "bad_response", ""},
      {"200 empty body", 200, "", "bad_response", ""},
      {"200 JSON array", 200, "[]", "bad_response", ""},
      {"200 user without id", 200, R"({"username":"alice","status":"active","namespace_id":"n","created_at":"","updated_at":""})",
       "bad_response", "id"},
      {"200 user id a number", 200, std::string(kUserJson).replace(6, 38, "12345"), "bad_response", "id"},
      // (A status this SDK does not know is kept, not refused: unit_sdk_types. One of the wrong type or
      // empty is still a bad answer.)
      {"200 status not a string", 200,
       R"({"id":"u","username":"alice","status":7,"namespace_id":"n","created_at":"","updated_at":""})",
       "bad_response", "status"},
      {"200 empty status", 200,
       R"({"id":"u","username":"alice","status":"","namespace_id":"n","created_at":"","updated_at":""})",
       "bad_response", "status"},
      {"500 HTML page", 500, "<html><body>Internal error</body></html>", "unknown_error", "500"},
      {"404 empty body", 404, "", "unknown_error", "404"},
      {"400 JSON without code", 400, R"({"error":"x"})", "unknown_error", "400"},
      {"400 binary body", 400, std::string("\x00\x01\xff\xfe", 4), "unknown_error", "400"},
  };
  for (const auto& c : cases) {
    FakeSdk sdk([&](const HttpRequest&) { return json_answer(c.status, c.body); });
    const auto error = run_bounded([&] { (void)sdk.mgmt.get_user(loginid::Username("alice")); }, milliseconds(30'000));
    ASSERT_TRUE(error) << c.name;
    EXPECT_EQ(error->code, c.code) << c.name << ": " << error->what;
    EXPECT_NE(std::string(error->what).find(c.message_names), std::string::npos) << c.name << ": " << error->what;
    EXPECT_FALSE(std::string(error->what).empty());
  }
}

// ---- 2. a real misbehaving server on loopback ------------------------------------------------

Options real_options(const std::string& url, milliseconds timeout) {
  Options o;
  o.base_url = url;
  o.timeout = timeout;
  o.connect_timeout = milliseconds(1000);
  o.retry.max_attempts = 3;
  o.retry.initial_backoff = milliseconds(10);
  o.retry.max_backoff = milliseconds(50);
  return o;
}

// The call pair every server fault is tried with: a create and a safe read.
struct Calls {
  LoginIdManagement mgmt;
  std::optional<Failure> create() const {
    return run_bounded([this] { (void)mgmt.add_user_without_credentials(loginid::Username("alice")); }, limit);
  }
  std::optional<Failure> read() const {
    return run_bounded([this] { (void)mgmt.get_user(loginid::Username("alice")); }, limit);
  }
  milliseconds limit;
};

Calls calls_to(const BadServer& server, milliseconds timeout = milliseconds(1000)) {
  return Calls{LoginIdManagement("mgmt-client", app_key(), real_options(server.url(), timeout)), timeout * 10};
}

TEST(FaultsRealServer, ConnectionRefused) {
  // A port that was just free: nobody listens there.
  int port = 0;
  {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t size = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size);
    port = ntohs(addr.sin_port);
    ::close(fd);
  }
  LoginIdManagement mgmt("mgmt-client", app_key(), real_options("http://127.0.0.1:" + std::to_string(port), milliseconds(1000)));
  const auto error = run_bounded([&] { (void)mgmt.add_user_without_credentials(loginid::Username("alice")); }, milliseconds(10'000));
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 0);
  EXPECT_EQ(error->code, "connection_failed") << error->what;
  EXPECT_NE(std::string(error->what).find("attempt"), std::string::npos) << error->what;
}

TEST(FaultsRealServer, ResetMidResponse) {
  BadServer server([](int) {
    return Action{Action::Kind::reset, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"id\":"};
  });
  const auto calls = calls_to(server);
  const auto create_error = calls.create();
  ASSERT_TRUE(create_error);
  EXPECT_EQ(create_error->status, 0);
  EXPECT_EQ(create_error->code, "connection_failed") << create_error->what;
  EXPECT_EQ(server.requests(), 1) << "a create that may have reached the server was sent again";

  const auto read_error = calls.read();
  ASSERT_TRUE(read_error);
  EXPECT_EQ(read_error->code, "connection_failed") << read_error->what;
  EXPECT_EQ(server.requests(), 1 + 3) << "a safe read is retried up to max_attempts";
}

TEST(FaultsRealServer, StallLongerThanTheTimeout) {
  BadServer server([](int) { return Action{Action::Kind::stall, "HTTP/1.1 200 OK\r\n"}; });
  const auto calls = calls_to(server, milliseconds(500));
  const auto create_error = calls.create();  // the hang detector is 10x the timeout
  ASSERT_TRUE(create_error);
  EXPECT_EQ(create_error->status, 0);
  EXPECT_EQ(create_error->code, "timeout") << create_error->what;
  EXPECT_EQ(server.requests(), 1);

  const auto read_error = calls.read();
  ASSERT_TRUE(read_error);
  EXPECT_EQ(read_error->code, "timeout") << read_error->what;
  // The timeout covers the whole call, retries included: the first attempt used it all.
  EXPECT_EQ(server.requests(), 2);
}

TEST(FaultsRealServer, TruncatedBody) {
  BadServer server([](int) {
    return Action{Action::Kind::truncate,
                  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n" +
                      std::string(kUserJson).substr(0, 60)};
  });
  const auto calls = calls_to(server);
  const auto create_error = calls.create();
  ASSERT_TRUE(create_error);
  EXPECT_EQ(create_error->status, 0);
  EXPECT_EQ(create_error->code, "connection_failed") << create_error->what;
  EXPECT_EQ(server.requests(), 1);
  const auto read_error = calls.read();
  ASSERT_TRUE(read_error);
  EXPECT_EQ(server.requests(), 1 + 3);
}

std::string http_date(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[64];
  std::strftime(out, sizeof out, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return out;
}

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

TEST(FaultsRealServer, RetryAfterSecondsIsHonouredOnAReadButACreateIsNotRepeated) {
  for (int status : {503, 429}) {
    BadServer server([status](int index) {
      return index == 0 ? respond(status, R"({"code":"too_many_requests","message":"slow down"})", "Retry-After: 1\r\n")
                        : respond(200, kUserJson);
    });
    const auto calls = calls_to(server, milliseconds(5000));
    EXPECT_FALSE(calls.read()) << status;
    ASSERT_EQ(server.requests(), 2) << status;
    const auto at = server.arrivals();
    // Retry-After is a floor on the wait (a correctness property, not a speed limit).
    EXPECT_GE(seconds_between(at[0], at[1]), 0.95) << status << ": Retry-After: 1 not waited";

    BadServer refusing([status](int) {
      return respond(status, R"({"code":"too_many_requests","message":"slow down"})", "Retry-After: 1\r\n");
    });
    const auto create_error = calls_to(refusing, milliseconds(5000)).create();
    ASSERT_TRUE(create_error);
    EXPECT_EQ(create_error->status, status);
    EXPECT_EQ(create_error->code, "too_many_requests");
    EXPECT_EQ(refusing.requests(), 1) << "a create was sent twice";
  }
}

TEST(FaultsRealServer, RetryAfterHttpDateIsHonoured) {
  // The date is built when the answer is written, two seconds ahead (second resolution: >= 1 s wait).
  BadServer server([](int index) {
    if (index > 0) return respond(200, kUserJson);
    return respond(503, R"({"code":"unavailable","message":"maintenance"})",
                   "Retry-After: " + http_date(std::chrono::system_clock::now() + std::chrono::seconds(2)) + "\r\n");
  });
  const auto calls = calls_to(server, milliseconds(6000));
  EXPECT_FALSE(calls.read());
  ASSERT_EQ(server.requests(), 2);
  const auto at = server.arrivals();
  EXPECT_GE(seconds_between(at[0], at[1]), 0.95);
}

TEST(FaultsRealServer, RetryAfterBeyondTheTimeoutFailsAtOnceWithTheServiceError) {
  for (const std::string& retry_after :
       {std::string("3600"), http_date(std::chrono::system_clock::now() + std::chrono::hours(1))}) {
    BadServer server([&](int) {
      return respond(503, R"({"code":"unavailable","message":"come back later"})", "Retry-After: " + retry_after + "\r\n");
    });
    const auto error = calls_to(server, milliseconds(1000)).read();
    ASSERT_TRUE(error) << retry_after;
    EXPECT_EQ(error->status, 503);
    EXPECT_EQ(error->code, "unavailable");
    EXPECT_EQ(server.requests(), 1) << retry_after << ": waiting past the deadline is pointless";
  }
}

TEST(FaultsRealServer, InvalidJsonAndWrongShape) {
  struct ShapeCase {
    const char* name;
    Action action;
    int status;
    const char* code;
  };
  const ShapeCase cases[] = {
      {"200 invalid JSON", respond(200, "{\"id\": \"u\", "), 200, "bad_response"},
      {"200 wrong shape (an array)", respond(200, R"([{"id":"u"}])"), 200, "bad_response"},
      {"200 user with status 7", respond(200, R"({"id":"u","username":"a","status":7,"namespace_id":"n","created_at":"","updated_at":""})"),
       200, "bad_response"},
      {"400 not JSON", respond(400, "Bad Request"), 400, "unknown_error"},
  };
  for (const auto& c : cases) {
    BadServer server([&](int) { return c.action; });
    const auto calls = calls_to(server);
    const auto error = calls.create();
    ASSERT_TRUE(error) << c.name;
    EXPECT_EQ(error->status, c.status) << c.name;
    EXPECT_EQ(error->code, c.code) << c.name << ": " << error->what;
    EXPECT_EQ(server.requests(), 1) << c.name;
  }
}

}  // namespace
}  // namespace loginid::security_test
