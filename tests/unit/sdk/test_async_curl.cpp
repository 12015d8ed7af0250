// The event loop's libcurl transport (libcurl multi + socket callbacks) against an in-process
// cpp-httplib server on loopback, compared with the blocking transport where both can be asked the
// same thing: requests go out alike, failures are reported alike (refused connection, size cap,
// timeout, an untrusted certificate), connections are reused; and through AsyncCaller: a call in
// flight is cancelled (connection closed, nothing left on the loop), destroying the caller completes
// the calls in flight, Retry-After is honoured end to end.

#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "failure.hpp"
#include "local_server.hpp"
#include "support/open_file_limit.hpp"
#include "loginid/error.hpp"
#include "loginid/transport.hpp"
#include "sdk/async/async_caller.hpp"
#include "sdk/async/curl_multi_transport.hpp"
#include "sdk/service_client.hpp"
#include "support/test_pki.hpp"

namespace loginid::detail {
namespace {

using std::chrono::milliseconds;
using test::closed_port;
using test::LocalServer;
using ::testing::HasSubstr;
using Kind = TransportError::Reason;

constexpr auto kHangGuard = std::chrono::seconds(30);  // only a broken test waits this long

HttpRequest request(std::string method, std::string url, std::string body = {}) {
  HttpRequest r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.body = std::move(body);
  r.headers = {{"X-Client-ID", "client-1"}, {"Content-Type", "application/json"}};
  r.timeout = milliseconds(10'000);
  r.connect_timeout = milliseconds(5'000);
  return r;
}

// A loop with the libcurl multi transport on it, and a way to run one exchange there.
struct Engine {
  explicit Engine(CurlTransportOptions options = {}) {
    engine->run_and_wait([&] { transport = std::make_unique<CurlMultiTransport>(engine->loop(), std::move(options)); });
  }
  ~Engine() {
    if (engine) engine->run_and_wait([&] { transport.reset(); });
  }

  HttpOutcome exchange(HttpRequest r) {
    std::promise<HttpOutcome> got;
    auto future = got.get_future();
    engine->run_and_wait([&] {
      transport->start(std::move(r), [&got](HttpOutcome outcome) { got.set_value(std::move(outcome)); });
    });
    EXPECT_EQ(future.wait_for(kHangGuard), std::future_status::ready);
    return future.get();
  }
  HttpResponse answer(HttpRequest r) {
    auto outcome = exchange(std::move(r));
    if (auto* failure = std::get_if<TransportError>(&outcome)) {
      ADD_FAILURE() << "no answer: " << failure->what();
      return {};
    }
    return std::get<HttpResponse>(std::move(outcome));
  }
  TransportStats stats() {
    TransportStats s;
    engine->run_and_wait([&] { s = transport->stats(); });
    return s;
  }

  std::shared_ptr<AsyncEngine> engine = std::make_shared<AsyncEngine>();
  std::unique_ptr<CurlMultiTransport> transport;  // lives on the loop
};

TransportError blocking_failure(const HttpRequest& r, CurlTransportOptions options = {}) {
  try {
    make_curl_transport(options)->send(r);
  } catch (const TransportError& e) {
    return e;
  }
  ADD_FAILURE() << "the blocking transport did not fail";
  return TransportError(Kind::refused_locally, "none");
}

TransportError async_failure(Engine& engine, HttpRequest r) {
  auto outcome = engine.exchange(std::move(r));
  if (auto* failure = std::get_if<TransportError>(&outcome)) return *failure;
  ADD_FAILURE() << "the async transport did not fail";
  return TransportError(Kind::refused_locally, "none");
}

class AsyncCurl : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* path : {"/echo", "/users"}) {
      server_.server().Post(path, [this](const httplib::Request& req, httplib::Response& res) {
        server_.record(req);
        res.set_header("X-Request-ID", "r-1");
        res.set_content(req.body, "application/json");
      });
    }
    server_.server().Put("/put", [this](const httplib::Request& req, httplib::Response& res) {
      server_.record(req);
      res.status = 204;
    });
    server_.server().Delete("/del", [this](const httplib::Request& req, httplib::Response& res) {
      server_.record(req);
      res.status = 204;
    });
    server_.server().Get("/slow", [this](const httplib::Request& req, httplib::Response& res) {
      server_.record(req);
      server_.hold();
      res.set_content("late", "text/plain");
    });
    server_.server().Get("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(4096, 'b'), "text/plain");
    });
    server_.server().Get("/busy-then-ok", [this](const httplib::Request& req, httplib::Response& res) {
      server_.record(req);
      if (server_.seen().size() == 1) {
        res.status = 503;
        res.set_header("Retry-After", "1");
        return;
      }
      res.set_content("{}", "application/json");
    });
    server_.server().set_keep_alive_max_count(1000);
    server_.start();
  }

  LocalServer server_;
};

TEST_F(AsyncCurl, MethodsHeadersAndBodiesGoOutAsTheBlockingTransportSendsThem) {
  Engine engine;
  const auto posted = engine.answer(request("POST", server_.url("/echo"), R"({"a":1})"));
  EXPECT_EQ(posted.status, 200);
  EXPECT_EQ(posted.body, R"({"a":1})");
  EXPECT_EQ(posted.header("X-Request-ID").value_or(""), "r-1");
  EXPECT_EQ(engine.answer(request("PUT", server_.url("/put"))).status, 204);
  EXPECT_EQ(engine.answer(request("DELETE", server_.url("/del"))).status, 204);

  const auto blocking = make_curl_transport();
  blocking->send(request("POST", server_.url("/echo"), R"({"a":1})"));
  blocking->send(request("PUT", server_.url("/put")));
  blocking->send(request("DELETE", server_.url("/del")));

  const auto seen = server_.seen();
  ASSERT_EQ(seen.size(), 6U);
  for (std::size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(seen[i].method);
    const auto& a = seen[i];
    const auto& b = seen[i + 3];
    EXPECT_EQ(a.method, b.method);
    EXPECT_EQ(a.body, b.body);
    for (const char* name : {"X-Client-ID", "Content-Type", "User-Agent", "Content-Length", "Accept"}) {
      EXPECT_EQ(a.headers.count(name), b.headers.count(name)) << name;
      if (a.headers.count(name) == 1) {
        EXPECT_EQ(a.headers.find(name)->second, b.headers.find(name)->second) << name;
      }
    }
  }
}

TEST_F(AsyncCurl, ConsecutiveExchangesReuseOneConnection) {
  Engine engine;
  for (int i = 0; i < 3; ++i) engine.answer(request("POST", server_.url("/echo"), "{}"));
  EXPECT_EQ(engine.stats().requests, 3U);
  EXPECT_EQ(engine.stats().connections_opened, 1U);
  const auto seen = server_.seen();
  EXPECT_EQ(seen[0].remote_port, seen[2].remote_port);
}

TEST_F(AsyncCurl, ManyExchangesAtOnceAllComplete) {
  Engine engine;
  constexpr int kExchanges = 40;
  std::vector<std::promise<HttpOutcome>> got(kExchanges);
  engine.engine->run_and_wait([&] {
    for (int i = 0; i < kExchanges; ++i) {
      engine.transport->start(request("POST", server_.url("/echo"), std::to_string(i)),
                                       [&got, i](HttpOutcome o) { got[static_cast<std::size_t>(i)].set_value(std::move(o)); });
    }
  });
  for (int i = 0; i < kExchanges; ++i) {
    auto future = got[static_cast<std::size_t>(i)].get_future();
    ASSERT_EQ(future.wait_for(kHangGuard), std::future_status::ready);
    auto outcome = future.get();
    ASSERT_TRUE(std::holds_alternative<HttpResponse>(outcome));
    EXPECT_EQ(std::get<HttpResponse>(outcome).body, std::to_string(i));
  }
  std::size_t left = 1;
  engine.engine->run_and_wait([&] { left = engine.transport->in_flight(); });
  EXPECT_EQ(left, 0U);
}

TEST_F(AsyncCurl, FailuresAreReportedAsTheBlockingTransportReportsThem) {
  {
    SCOPED_TRACE("refused connection");
    Engine engine;
    const auto r = request("GET", "http://127.0.0.1:" + std::to_string(closed_port()) + "/x");
    const auto async = async_failure(engine, r);
    EXPECT_EQ(async.reason(), Kind::connect_failed);
    EXPECT_EQ(blocking_failure(r).reason(), Kind::connect_failed);
    EXPECT_THAT(async.what(), HasSubstr("GET " + r.url + ": "));  // libcurl's words then say "after N ms"
  }
  {
    SCOPED_TRACE("body over the size cap");
    Engine engine({.max_response_bytes = 1024});
    const auto r = request("GET", server_.url("/big"));
    const auto async = async_failure(engine, r);
    EXPECT_EQ(async.reason(), Kind::response_too_large);
    EXPECT_THAT(async.what(), HasSubstr("response body larger than 1024 bytes"));
    EXPECT_EQ(std::string(async.what()), blocking_failure(r, {.max_response_bytes = 1024}).what());
  }
  {
    SCOPED_TRACE("out of open files");
    Engine engine;
    const auto r = request("GET", server_.url("/x"));
    const test::OutOfOpenFiles out;
    const auto async = async_failure(engine, r);
    EXPECT_EQ(async.reason(), Kind::refused_locally);
    EXPECT_THAT(async.what(), HasSubstr("GET " + r.url + ": not sent: this process is out of open files (EMFILE"));
    EXPECT_EQ(std::string(async.what()), blocking_failure(r).what());
  }
  {
    SCOPED_TRACE("refused before sending");
    Engine engine;
    auto r = request("GET", server_.url("/x"));
    r.headers.emplace_back("X-Evil", "a\r\nInjected: 1");
    const auto async = async_failure(engine, r);
    EXPECT_EQ(async.reason(), Kind::refused_locally);
    EXPECT_EQ(std::string(async.what()), blocking_failure(r).what());
  }
}

TEST_F(AsyncCurl, AnAnswerLaterThanTheTimeoutIsATimeout) {
  Engine engine;
  auto r = request("GET", server_.url("/slow"));
  r.timeout = milliseconds(200);
  const auto failure = async_failure(engine, r);
  EXPECT_EQ(failure.reason(), Kind::timeout);
  EXPECT_THAT(failure.what(), HasSubstr("(timeout 200 ms)"));
  server_.release();
}

TEST(AsyncCurlTls, AnUntrustedCertificateFailsAsTlsAndTheRightCaWorks) {
  test::TestCa ca;
  LocalServer server(test::tls_server(ca.issue()));
  server.start();
  const auto r = request("GET", server.url("https", "127.0.0.1", "/hello"));
  {
    Engine untrusting;  // the system store does not know the test CA
    const auto failure = async_failure(untrusting, r);
    EXPECT_EQ(failure.reason(), Kind::tls_failed);
    EXPECT_EQ(std::string(failure.what()), blocking_failure(r).what());
  }
  Engine trusting({.ca_bundle = ca.cert_pem()});
  EXPECT_EQ(trusting.answer(r).body, "tls");
}

// --- through AsyncCaller ------------------------------------------------------------------------

struct Caller {
  explicit Caller(const std::string& base_url, std::function<void(Options&)> tweak = {}) {
    Options options;
    options.base_url = base_url;
    options.retry.initial_backoff = milliseconds(1);
    options.log = [this](LogLevel, std::string_view line) {
      const std::lock_guard lock(mutex);
      logs.emplace_back(line);
    };
    if (tweak) tweak(options);
    service = std::make_shared<const ServiceClient>(options, "client-1");
    caller = std::make_unique<AsyncCaller>(service, engine, AsyncCaller::curl({}));
  }
  std::future<CallOutcome> start(ApiCall call, AsyncCaller::CallId* id = nullptr) {
    auto promise = std::make_shared<std::promise<CallOutcome>>();
    auto future = promise->get_future();
    const auto started = caller->start(std::move(call), [promise](CallOutcome o) { promise->set_value(std::move(o)); });
    if (id != nullptr) *id = started;
    return future;
  }
  bool logged(std::string_view part) {
    const std::lock_guard lock(mutex);
    return std::any_of(logs.begin(), logs.end(), [&](const std::string& l) { return l.find(part) != std::string::npos; });
  }

  // What is left on the loop: the caller's exchanges, watched sockets.
  std::pair<std::size_t, std::size_t> leftovers() {
    std::pair<std::size_t, std::size_t> left;
    engine->run_and_wait([&] { left = {caller ? caller->transport().in_flight() : 0, engine->loop().watch_count()}; });
    return left;
  }
  TransportStats stats() {
    TransportStats s;
    engine->run_and_wait([&] { s = dynamic_cast<CurlMultiTransport&>(caller->transport()).stats(); });
    return s;
  }

  std::mutex mutex;               // first: the log sink is used until the caller is gone
  std::vector<std::string> logs;
  std::shared_ptr<AsyncEngine> engine = std::make_shared<AsyncEngine>();
  std::shared_ptr<const ServiceClient> service;
  std::unique_ptr<AsyncCaller> caller;
};

ApiCall get_call(std::string path) {
  ApiCall call;
  call.method = "GET";
  call.path = std::move(path);
  return call;
}

Failure failure_in(std::future<CallOutcome>& future) {
  EXPECT_EQ(future.wait_for(kHangGuard), std::future_status::ready);
  auto outcome = future.get();
  return failure_of_call([&] {
    if (auto* error = std::get_if<std::exception_ptr>(&outcome)) std::rethrow_exception(*error);
  });
}

// Waits until the server has seen `count` requests.
void wait_seen(LocalServer& server, std::size_t count) {
  const auto give_up = std::chrono::steady_clock::now() + kHangGuard;
  while (server.seen().size() < count && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_EQ(server.seen().size(), count);
}

TEST_F(AsyncCurl, ACancelledCallClosesItsConnectionAndLeavesNothingOnTheLoop) {
  Caller c(server_.url(""));
  AsyncCaller::CallId id = 0;
  auto future = c.start(get_call("/slow"), &id);
  wait_seen(server_, 1);
  c.caller->cancel(id);
  const Failure failure = failure_in(future);
  EXPECT_EQ(failure.kind, ErrorKind::cancelled);
  EXPECT_THAT(failure.what, HasSubstr("GET /slow: cancelled during the exchange"));
  EXPECT_EQ(c.leftovers(), std::make_pair(std::size_t{0}, std::size_t{0}));
  server_.release();
}

TEST_F(AsyncCurl, DestroyingTheCallerCompletesItsCallsInFlight) {
  Caller c(server_.url(""));
  std::vector<std::future<CallOutcome>> futures;
  for (int i = 0; i < 3; ++i) futures.push_back(c.start(get_call("/slow")));
  wait_seen(server_, 3);
  c.caller.reset();
  for (auto& future : futures) {
    ASSERT_EQ(future.wait_for(std::chrono::seconds(0)), std::future_status::ready);  // before reset() returned
    EXPECT_EQ(failure_in(future).kind, ErrorKind::cancelled);
  }
  EXPECT_EQ(c.leftovers(), std::make_pair(std::size_t{0}, std::size_t{0}));
  server_.release();
}

TEST_F(AsyncCurl, RetryAfterIsHonouredOnTheLoop) {
  Caller c(server_.url(""));
  auto future = c.start(get_call("/busy-then-ok"));
  ASSERT_EQ(future.wait_for(kHangGuard), std::future_status::ready);
  const auto outcome = future.get();
  ASSERT_TRUE(std::holds_alternative<ApiResponse>(outcome));
  EXPECT_EQ(std::get<ApiResponse>(outcome).status, 200);
  EXPECT_EQ(server_.seen().size(), 2U);
  EXPECT_TRUE(c.logged("retrying in 1000 ms (Retry-After)"));
}

#if defined(__SANITIZE_THREAD__)
#define LOGINID_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LOGINID_UNDER_TSAN 1
#endif
#endif

#ifndef LOGINID_UNDER_TSAN
// The child's verdict: 0 when it could neither hang nor use the parent's loop, else a code saying
// what went wrong. Only async-signal-safe-ish work that needs no other thread.
int child_of_fork(Caller& c, std::future<CallOutcome>& parked) {
  auto refused = c.start(get_call("/echo"));  // completes at once: no loop thread here
  if (refused.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return 2;
  const Failure failure = failure_in(refused);
  if (failure.kind != ErrorKind::transport || failure.what.find("made before fork()") == std::string::npos) return 3;
  c.caller.reset();  // completes the call inherited in flight, here, without the loop
  if (parked.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return 4;
  c.engine.reset();  // returns: the loop thread is not joined, the inherited handles not touched
  return 0;
}
#endif

TEST_F(AsyncCurl, AForkedChildNeitherHangsNorTouchesTheParentsConnections) {
#ifdef LOGINID_UNDER_TSAN
  GTEST_SKIP() << "ThreadSanitizer does not support work in a child forked from a threaded process";
#else
  Caller c(server_.url(""));
  auto first = c.start(get_call("/big"));  // a keep-alive connection now in the multi handle's cache
  ASSERT_EQ(first.wait_for(kHangGuard), std::future_status::ready);
  ASSERT_TRUE(std::holds_alternative<ApiResponse>(first.get()));
  auto parked = c.start(get_call("/slow"));  // in flight at the fork
  wait_seen(server_, 1);

  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::_exit(child_of_fork(c, parked));
  }
  int status = 0;
  const auto give_up = std::chrono::steady_clock::now() + kHangGuard;
  while (::waitpid(child, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > give_up) {
      ::kill(child, SIGKILL);
      ::waitpid(child, &status, 0);
      FAIL() << "the forked child hung";
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);

  // The parent's loop and connection are untouched: the parked call is answered, and the next call
  // reuses the connection the child closed its copy of.
  server_.release();
  ASSERT_EQ(parked.wait_for(kHangGuard), std::future_status::ready);
  EXPECT_TRUE(std::holds_alternative<ApiResponse>(parked.get()));
  const auto opened = c.stats().connections_opened;
  auto again = c.start(get_call("/big"));
  ASSERT_EQ(again.wait_for(kHangGuard), std::future_status::ready);
  EXPECT_TRUE(std::holds_alternative<ApiResponse>(again.get()));
  EXPECT_EQ(c.stats().connections_opened, opened);
#endif
}

}  // namespace
}  // namespace loginid::detail
