// The async SDK against misbehaving servers (tests/unit/sdk/hostile_server.hpp: raw sockets on
// loopback), each attack played twice, once through the blocking LoginIdManagement and once through
// AsyncLoginIdManagement on the same kind of server: the async outcome must be the blocking one
// (same error class and ErrorKind, same status and code, same number of requests the server saw,
// so the same retry decisions). Ordering comes from events (the server saw a request, the SDK logged
// a retry, the kernel shows the socket connecting), never from a measured time; timeouts are hang
// guards only.

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <coroutine>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <typeinfo>
#include <vector>

#include "failure.hpp"
#include "hostile_server.hpp"
#include "loginid/async.hpp"
#include "loginid/loginid.hpp"

namespace loginid {
namespace {

using std::chrono::milliseconds;
using test::HostileConnection;
using test::HostileServer;
using ::testing::HasSubstr;

constexpr auto kHangGuard = std::chrono::seconds(60);  // only a broken SDK (or test) waits this long

constexpr std::string_view kUserJson =
    R"({"id":"u-1","username":"alice","status":"active","namespace_id":"ns-1",)"
    R"("created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})";

std::string answer(int status, std::string_view body, std::string_view extra_headers = "",
                   std::string_view content_type = "application/json") {
  std::string reason = status == 200 ? "OK" : "Status";
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: " + std::string(content_type) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + std::string(extra_headers) + "\r\n" +
         std::string(body);
}
std::string user_answer() { return answer(200, kUserJson); }
std::string error_answer(int status, std::string_view extra_headers = "") {
  return answer(status, R"({"code":"internal_error","message":"try later"})", extra_headers);
}

// An HTTP-date `seconds` from now (RFC 9110 IMF-fixdate).
std::string http_date_in(int seconds) {
  const std::time_t when = std::time(nullptr) + seconds;
  std::tm tm{};
  gmtime_r(&when, &tm);
  char text[64];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return text;
}

// A blocking and an async management client of one server, logging into one list.
struct Clients {
  explicit Clients(const std::string& url, const std::function<void(Options&)>& tweak = {}) {
    Options options;
    options.base_url = url;
    options.retry.initial_backoff = milliseconds(1);
    options.retry.max_backoff = milliseconds(2);
    options.log = [logs = logs](LogLevel level, std::string_view line) {
      const std::lock_guard lock(logs->mutex);
      logs->lines.emplace_back(std::string(level == LogLevel::error ? "ERROR " : "") + std::string(line));
    };
    if (tweak) tweak(options);
    blocking.emplace("client-1", key, options);
    async.emplace(*blocking, runtime);
  }
  struct Logs {
    std::mutex mutex;
    std::vector<std::string> lines;
  };
  bool logged(std::string_view part) const {
    const std::lock_guard lock(logs->mutex);
    for (const auto& line : logs->lines) {
      if (line.find(part) != std::string::npos) return true;
    }
    return false;
  }
  // Waits (event) until a line containing `part` was logged.
  bool wait_logged(std::string_view part) const {
    const auto give_up = std::chrono::steady_clock::now() + kHangGuard;
    while (!logged(part)) {
      if (std::chrono::steady_clock::now() > give_up) return false;
      std::this_thread::sleep_for(milliseconds(1));
    }
    return true;
  }

  std::shared_ptr<Logs> logs = std::make_shared<Logs>();
  PrivateKey key = PrivateKey::generate();
  AsyncRuntime runtime;
  std::optional<LoginIdManagement> blocking;
  std::optional<AsyncLoginIdManagement> async;
};

// A call of one management function, blocking (on a thread of its own) or async.
using Call = std::function<std::future<User>(Clients&, const CallOptions&, bool async)>;

const Call kGetUser = [](Clients& c, const CallOptions& call, bool async) {
  if (async) return c.async->get_user(Username("alice"), call).future();
  return std::async(std::launch::async, [&c, call] { return c.blocking->get_user(Username("alice"), call); });
};
// POST /manage/users creates a user: never sent twice once it may have reached the server.
const Call kCreateUser = [](Clients& c, const CallOptions& call, bool async) {
  if (async) return c.async->add_user_without_credentials(Username("alice"), call).future();
  return std::async(std::launch::async,
                    [&c, call] { return c.blocking->add_user_without_credentials(Username("alice"), call); });
};

// How one run ended.
struct Played {
  bool ok = false;
  std::string error_type;  // the exception's class
  Failure failure;
  std::size_t requests = 0;  // requests the server read
  std::string user_id;
};

struct Attack {
  HostileServer::Script script;
  Call call = kGetUser;
  CallOptions options{};
  std::function<void(Options&)> tweak{};
  // Runs on the test thread once the call started: waits for an event and acts (cancels, ...).
  std::function<void(HostileServer&, Clients&, CancellationSource&)> during{};
  bool start_server = true;  // false: connections wait in the listen queue, never accepted
  int backlog = 64;
  bool cancelled_first = false;  // the call's token is cancelled before the call starts
};

Played play(const Attack& attack, bool async) {
  SCOPED_TRACE(async ? "async" : "blocking");
  HostileServer server(attack.script, attack.backlog);
  if (attack.start_server) server.start();
  Clients clients(server.url(), attack.tweak);
  CancellationSource source;
  CallOptions options = attack.options;
  options.cancellation = source.token();
  if (attack.cancelled_first) source.cancel();
  auto future = attack.call(clients, options, async);
  if (attack.during) attack.during(server, clients, source);
  Played run;
  if (future.wait_for(kHangGuard) != std::future_status::ready) {
    ADD_FAILURE() << "the call did not end";
    server.stop();  // the blocking thread then ends with a failure
    source.cancel();
  }
  try {
    run.user_id = future.get().id;
    run.ok = true;
  } catch (const Error& e) {
    run.error_type = typeid(e).name();
    run.failure = failure_of(e);
  } catch (const std::exception& e) {
    run.error_type = typeid(e).name();
    run.failure.what = e.what();
  }
  run.requests = server.requests();
  if (std::getenv("HOSTILE_DEBUG") != nullptr) {  // HOSTILE_DEBUG=1: what each run logged and ended with
    const std::lock_guard lock(clients.logs->mutex);
    for (const auto& line : clients.logs->lines) std::fprintf(stderr, "  log: %s\n", line.c_str());
    std::fprintf(stderr, "  -> %s\n", run.failure.what.c_str());
  }
  return run;
}

// Plays the attack blocking, then async, and checks that both ended alike. Returns the async run.
Played same_as_blocking(const Attack& attack) {
  const Played blocking = play(attack, false);
  const Played async = play(attack, true);
  EXPECT_EQ(async.ok, blocking.ok) << "async: " << async.failure.what << "\nblocking: " << blocking.failure.what;
  EXPECT_EQ(async.error_type, blocking.error_type);
  EXPECT_EQ(async.failure.kind, blocking.failure.kind);
  EXPECT_EQ(async.failure.status, blocking.failure.status);
  EXPECT_EQ(async.failure.code, blocking.failure.code);
  EXPECT_EQ(async.requests, blocking.requests) << "the retry decisions differ";
  EXPECT_EQ(async.user_id, blocking.user_id);
  return async;
}

HostileServer::Script answers_script() {
  return [](HostileConnection& c) { c.send(user_answer()); };
}

// ---- servers that never finish --------------------------------------------------------------

TEST(AsyncHostile, AServerThatAcceptsAndNeverAnswersEndsAtTheDeadline) {
  const Played run = same_as_blocking({.script = [](HostileConnection& c) { c.stall(); },
                                    .options = {.timeout = milliseconds(800)}});
  EXPECT_EQ(run.failure.kind, ErrorKind::transport);
  EXPECT_EQ(run.failure.code, "timeout");
  EXPECT_EQ(run.requests, 1U);
}

TEST(AsyncHostile, AConnectionTheServerNeverAcceptsEndsAtTheDeadline) {
  // The kernel completes the handshake and queues the connection; nobody ever reads the request.
  const Played run = same_as_blocking({.script = {}, .options = {.timeout = milliseconds(800)}, .start_server = false});
  EXPECT_EQ(run.failure.code, "timeout");
  EXPECT_EQ(run.requests, 0U);
}

TEST(AsyncHostile, HeadersThenAStalledBodyEndsAtTheDeadline) {
  const Played run = same_as_blocking({.script =
                                        [](HostileConnection& c) {
                                          c.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                                 "Content-Length: 500\r\n\r\n{\"id\":");
                                          c.stall();
                                        },
                                    .options = {.timeout = milliseconds(800)}});
  EXPECT_EQ(run.failure.code, "timeout");
}

TEST(AsyncHostile, AnAnswerDrippedOneByteAtATimeIsReadWhole) {
  const Played run = same_as_blocking({.script = [](HostileConnection& c) { c.drip(user_answer(), milliseconds(0)); }});
  EXPECT_TRUE(run.ok);
  EXPECT_EQ(run.user_id, "u-1");
}

TEST(AsyncHostile, AnAnswerDrippedSlowerThanTheDeadlineEndsAtTheDeadline) {
  // ~300 bytes, 20 ms apart: six seconds of answer against a deadline of one.
  const Played run = same_as_blocking({.script = [](HostileConnection& c) { c.drip(user_answer(), milliseconds(20)); },
                                    .options = {.timeout = milliseconds(1000)}});
  EXPECT_EQ(run.failure.code, "timeout");
}

// ---- oversized and endless answers ------------------------------------------------------------
// A server that sends more than the SDK accepts would send it again: the call fails at once, a safe
// read included (one request seen), with TransportError response_too_large naming the bound.

// Checks what every oversized answer ends with, on both paths (same_as_blocking compared them).
void expect_refused_at_once(const Played& run, std::string_view bound) {
  EXPECT_EQ(run.failure.kind, ErrorKind::transport);
  EXPECT_EQ(run.failure.code, "response_too_large") << run.failure.what;
  EXPECT_EQ(run.failure.status, 0);
  EXPECT_THAT(run.failure.what, HasSubstr(bound));
  EXPECT_THAT(run.failure.what, HasSubstr("not retried"));
  EXPECT_EQ(run.requests, 1U) << "an oversized answer was asked for again";
}

TEST(AsyncHostile, AnEndlessChunkedBodyIsCutAtTheResponseSizeBoundAndNotAskedForAgain) {
  const Played run = same_as_blocking({.script = [](HostileConnection& c) {
    if (!c.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")) return;
    const std::string chunk = "4000\r\n" + std::string(0x4000, 'x') + "\r\n";
    while (c.send(chunk)) {
    }
  }});
  expect_refused_at_once(run,
                         "response body larger than 1048576 bytes (the bound CurlTransportOptions::max_response_bytes");
}

TEST(AsyncHostile, ABodyOverTheBoundWithItsContentLengthIsNotAskedForAgain) {
  // The body is sent whole; a 5xx status (retryable for a read) does not make it retried either.
  for (int status : {200, 503}) {
    SCOPED_TRACE(status);
    const std::string body(1024 * 1024 + 1, 'x');
    const Played run = same_as_blocking({.script = [&](HostileConnection& c) { c.send(answer(status, body)); }});
    expect_refused_at_once(run, "response body larger than 1048576 bytes");
  }
}

TEST(AsyncHostile, AHugeContentLengthIsRefusedBeforeTheBodyArrives) {
  const Played run = same_as_blocking({.script = [](HostileConnection& c) {
    c.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000000000\r\n\r\n{");
    c.stall();
  }});
  expect_refused_at_once(run, "response body larger than 1048576 bytes");
}

TEST(AsyncHostile, EndlessHeadersAreCutAtTheHeaderBoundAndNotAskedForAgain) {
  const Played run = same_as_blocking({.script = [](HostileConnection& c) {
    if (!c.send("HTTP/1.1 200 OK\r\n")) return;
    const std::string header = "X-Junk: " + std::string(1000, 'j') + "\r\n";
    while (c.send(header)) {
    }
  }});
  expect_refused_at_once(run, "response headers larger than 65536 bytes (the SDK's bound");
}

TEST(AsyncHostile, OneHeaderLineOverLibcurlsOwnLineBoundIsTheHeaderBoundToo) {
  // libcurl refuses a line over 100 KiB itself, before the SDK's header callback sees it.
  const Played run = same_as_blocking({.script = [](HostileConnection& c) {
    if (!c.send("HTTP/1.1 200 OK\r\nX-Junk: ")) return;
    const std::string part(16 * 1024, 'j');
    while (c.send(part)) {
    }
  }});
  expect_refused_at_once(run, "response headers larger than 65536 bytes");
}

TEST(AsyncHostile, EndlessInterimAnswersAreCutAtTheHeaderBoundAndNotAskedForAgain) {
  const Played run = same_as_blocking({.script = [](HostileConnection& c) {
    while (c.send("HTTP/1.1 100 Continue\r\nX-Pad: " + std::string(500, 'p') + "\r\n\r\n")) {
    }
  }});
  expect_refused_at_once(run, "response headers larger than 65536 bytes");
}

TEST(AsyncHostile, AnOversizedAnswerToACreateIsNotSentAgainEither) {
  const std::string body(1024 * 1024 + 1, 'x');
  const Played run =
      same_as_blocking({.script = [&](HostileConnection& c) { c.send(answer(200, body)); }, .call = kCreateUser});
  expect_refused_at_once(run, "response body larger than 1048576 bytes");
}

// ---- broken answers -----------------------------------------------------------------------------

TEST(AsyncHostile, AConnectionResetMidAnswerIsAFailure) {
  const Played run = same_as_blocking({.script = [](HostileConnection& c) {
    c.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 300\r\n\r\n{\"id\":\"u");
    c.reset();
  }});
  EXPECT_FALSE(run.ok);
  EXPECT_EQ(run.failure.kind, ErrorKind::transport);
}

TEST(AsyncHostile, AResetMidAnswerToACreateIsNeverSentAgain) {
  const Played run = same_as_blocking({.script =
                                        [](HostileConnection& c) {
                                          c.send("HTTP/1.1 201 Created\r\nContent-Length: 300\r\n\r\n{");
                                          c.reset();
                                        },
                                    .call = kCreateUser});
  EXPECT_FALSE(run.ok);
  EXPECT_EQ(run.requests, 1U);
}

TEST(AsyncHostile, AServerErrorToACreateIsRetriedOnlyAsTheBlockingPathRetriesIt) {
  for (const int status : {500, 503}) {
    SCOPED_TRACE(status);
    same_as_blocking({.script = [status](HostileConnection& c) { c.send(error_answer(status)); }, .call = kCreateUser});
  }
}

TEST(AsyncHostile, GarbageInsteadOfHttpIsAFailure) {
  const Played run = same_as_blocking({.script = [](HostileConnection& c) {
    c.send("\x16\x03\x01 this is not HTTP at all\r\n\r\n");
    c.close();
  }});
  EXPECT_FALSE(run.ok);
}

TEST(AsyncHostile, ANonJsonAnswerIsABadResponse) {
  const Played run = same_as_blocking({.script = [](HostileConnection& c) {
    c.send(answer(200, "<html>hello</html>", "", "text/html"));
  }});
  EXPECT_FALSE(run.ok);
  EXPECT_EQ(run.failure.kind, ErrorKind::bad_response);
}

TEST(AsyncHostile, AJsonAnswerWithTheWrongContentTypeIsReadAsTheBlockingPathReadsIt) {
  same_as_blocking({.script = [](HostileConnection& c) { c.send(answer(200, kUserJson, "", "text/plain")); }});
}

TEST(AsyncHostile, AnErrorStatusWithAGarbageBodyIsAServiceError) {
  const Played run = same_as_blocking({.script = [](HostileConnection& c) { c.send(answer(400, "}{", "", "text/html")); }});
  EXPECT_EQ(run.failure.kind, ErrorKind::service);
  EXPECT_EQ(run.failure.status, 400);
}

TEST(AsyncHostile, ATruncatedChunkedBodyIsAFailure) {
  const Played run = same_as_blocking({.script = [](HostileConnection& c) {
    c.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
           "10\r\n{\"id\":\"u-1\",\"use\r\n");
    c.close();  // no terminating 0-chunk
  }});
  EXPECT_FALSE(run.ok);
  EXPECT_EQ(run.failure.kind, ErrorKind::transport);
}

TEST(AsyncHostile, AMalformedChunkSizeIsAFailure) {
  const Played run = same_as_blocking({.script = [](HostileConnection& c) {
    c.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
    c.close();
  }});
  EXPECT_FALSE(run.ok);
}

TEST(AsyncHostile, AServerThatClosesEachConnectionAtOnceIsAConnectionFailure) {
  for (const Call& call : {kGetUser, kCreateUser}) {
    const Played run = same_as_blocking({.script = [](HostileConnection& c) { c.close(); }, .call = call});
    EXPECT_EQ(run.failure.kind, ErrorKind::transport);
  }
}

// A body longer than its Content-Length carries a second answer: the next call on that connection
// must not take it for its own (response smuggling).
TEST(AsyncHostile, BytesBeyondContentLengthAreNotTheNextCallsAnswer) {
  const std::string smuggled = answer(200, R"({"id":"u-evil","username":"alice","status":"active","namespace_id":"ns-1",)"
                                           R"("created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"})");
  for (const bool async : {false, true}) {
    SCOPED_TRACE(async ? "async" : "blocking");
    HostileServer server([&smuggled](HostileConnection& c) { c.send(user_answer() + smuggled); });
    server.start();
    Clients clients(server.url());
    for (int i = 0; i < 3; ++i) {
      auto user = kGetUser(clients, {}, async);
      ASSERT_EQ(user.wait_for(kHangGuard), std::future_status::ready);
      EXPECT_EQ(user.get().id, "u-1");
    }
    EXPECT_EQ(server.requests(), 3U);
  }
}

TEST(AsyncHostile, ACallCancelledOrPastItsDeadlineBeforeItStartsSendsNothing) {
  const Played cancelled = same_as_blocking({.script = answers_script(), .cancelled_first = true});
  EXPECT_EQ(cancelled.failure.kind, ErrorKind::cancelled);
  EXPECT_EQ(cancelled.requests, 0U);
  const Played late =
      same_as_blocking({.script = answers_script(), .options = {.deadline = std::chrono::steady_clock::now()}});
  EXPECT_EQ(late.failure.code, "timeout");
  EXPECT_EQ(late.requests, 0U);
}

// ---- retries --------------------------------------------------------------------------------------

TEST(AsyncHostile, AServerErrorThenAnAnswerIsRetriedOnTheLoop) {
  const Played run = same_as_blocking({.script = [](HostileConnection& c) {
    c.send(c.index == 0 ? error_answer(500) : user_answer());
  }});
  EXPECT_TRUE(run.ok);
  EXPECT_EQ(run.requests, 2U);
}

TEST(AsyncHostile, RetryAfterInSecondsIsHonoured) {
  for (const int status : {429, 503}) {
    SCOPED_TRACE(status);
    const Attack attack{.script = [status](HostileConnection& c) {
      c.send(c.index == 0 ? error_answer(status, "Retry-After: 1\r\n") : user_answer());
    }};
    const Played run = same_as_blocking(attack);
    EXPECT_TRUE(run.ok);
    EXPECT_EQ(run.requests, 2U);
  }
}

TEST(AsyncHostile, RetryAfterAsAnHttpDateIsHonoured) {
  for (const int status : {429, 503}) {
    SCOPED_TRACE(status);
    for (const bool async : {false, true}) {
      HostileServer server([status](HostileConnection& c) {
        c.send(c.index == 0 ? error_answer(status, "Retry-After: " + http_date_in(2) + "\r\n") : user_answer());
      });
      server.start();
      Clients clients(server.url());
      auto user = kGetUser(clients, {}, async);
      ASSERT_EQ(user.wait_for(kHangGuard), std::future_status::ready);
      EXPECT_NO_THROW(user.get());  // the wait is logged as the header's
      EXPECT_EQ(server.requests(), 2U);
      EXPECT_TRUE(clients.logged("(Retry-After)")) << (async ? "async" : "blocking");
    }
  }
}

TEST(AsyncHostile, AHugeRetryAfterEndsTheCallAtOnceInsteadOfWaitingPastTheDeadline) {
  for (const std::string& value : {std::string("999999999999"), http_date_in(86400 * 365)}) {
    SCOPED_TRACE(value);
    const Played run = same_as_blocking({.script = [value](HostileConnection& c) {
      c.send(error_answer(503, "Retry-After: " + value + "\r\n"));
    }});
    EXPECT_EQ(run.failure.kind, ErrorKind::service);
    EXPECT_EQ(run.failure.status, 503);
    EXPECT_EQ(run.requests, 1U);
  }
}

TEST(AsyncHostile, AGarbageRetryAfterFallsBackToTheBackoff) {
  const Played run = same_as_blocking({.script = [](HostileConnection& c) {
    c.send(c.index == 0 ? error_answer(503, "Retry-After: soon, maybe\r\n") : user_answer());
  }});
  EXPECT_TRUE(run.ok);
  EXPECT_EQ(run.requests, 2U);
}

TEST(AsyncHostile, ARedirectIsNotFollowedSoCredentialsStayWithTheService) {
  HostileServer elsewhere([](HostileConnection& c) { c.send(user_answer()); });
  elsewhere.start();
  for (const int status : {301, 302, 307, 308}) {
    SCOPED_TRACE(status);
    const Played run = same_as_blocking({.script = [&, status](HostileConnection& c) {
      c.send(answer(status, "", "Location: " + elsewhere.url("/manage/users/retrieve") + "\r\n"));
    }});
    EXPECT_EQ(run.failure.kind, ErrorKind::service);
    EXPECT_EQ(run.failure.status, status);
    EXPECT_EQ(run.requests, 1U);
  }
  EXPECT_EQ(elsewhere.requests(), 0U);
}

// ---- deadlines and cancellation in every phase ---------------------------------------------------

// The kernel's view of this process's TCP sockets to `port`: a state (/proc/net/tcp's hex: 01
// established, 02 SYN sent) and a send queue.
bool socket_to_port(int port, std::string_view state, bool with_unsent_bytes) {
  std::ifstream tcp("/proc/net/tcp");
  std::string line;
  std::getline(tcp, line);  // header
  char port_hex[8];
  std::snprintf(port_hex, sizeof port_hex, "%04X", port);
  while (std::getline(tcp, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, st, queues;
    fields >> slot >> local >> remote >> st >> queues;
    if (remote.size() < 5 || remote.substr(remote.size() - 4) != port_hex || st != state) continue;
    if (!with_unsent_bytes || queues.substr(0, queues.find(':')) != "00000000") return true;
  }
  return false;
}

bool wait_socket(int port, std::string_view state, bool with_unsent_bytes = false) {
  const auto give_up = std::chrono::steady_clock::now() + kHangGuard;
  while (!socket_to_port(port, state, with_unsent_bytes)) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

// A listening socket whose accept queue is full: a new connection stays in SYN-SENT.
struct FullBacklog {
  explicit FullBacklog(int port) {
    for (int i = 0; i < 4; ++i) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<std::uint16_t>(port));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      static_cast<void>(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
      fds.push_back(fd);
    }
  }
  ~FullBacklog() {
    for (const int fd : fds) ::close(fd);
  }
  std::vector<int> fds;
};

// A timeout before the request went out is reported as connection_failed (the service cannot
// have seen the request), with the deadline's figure in the message.
// The N of "(timeout N ms)" in a transport timeout's message, -1 when it has none.
long attempt_timeout_ms(const std::string& what) {
  const std::string prefix = "(timeout ";
  const auto at = what.find(prefix);
  if (at == std::string::npos) return -1;
  return std::strtol(what.c_str() + at + prefix.size(), nullptr, 10);
}

TEST(AsyncHostile, TheDeadlineEndsACallStillConnecting) {
  std::vector<Failure> failures;
  for (const bool async : {false, true}) {
    SCOPED_TRACE(async ? "async" : "blocking");
    HostileServer server({}, 0);  // never accepts; its queue holds one connection
    FullBacklog fill(server.port());
    Clients clients(server.url());
    auto user = kGetUser(clients, {.timeout = milliseconds(800)}, async);
    ASSERT_EQ(user.wait_for(kHangGuard), std::future_status::ready);
    failures.push_back(failure_of_call([&] { user.get(); }));
    EXPECT_EQ(failures.back().code, "connection_failed") << failures.back().what;
    // The message names the attempt's budget: what was left of the call's 800 ms when it started (a loaded
    // machine, e.g. under TSan, spends a few of them before the attempt).
    EXPECT_LE(attempt_timeout_ms(failures.back().what), 800) << failures.back().what;
    EXPECT_GT(attempt_timeout_ms(failures.back().what), 0) << failures.back().what;
  }
  ASSERT_EQ(failures.size(), 2U);
  EXPECT_EQ(failures[0].kind, failures[1].kind);
}

TEST(AsyncHostile, CancellationEndsACallStillConnecting) {
  for (const bool async : {false, true}) {
    SCOPED_TRACE(async ? "async" : "blocking");
    HostileServer server({}, 0);
    FullBacklog fill(server.port());
    Clients clients(server.url());
    CancellationSource source;
    auto user = kGetUser(clients, {.cancellation = source.token()}, async);
    ASSERT_TRUE(wait_socket(server.port(), "02"));  // our SYN is out, unanswered
    source.cancel();
    ASSERT_EQ(user.wait_for(kHangGuard), std::future_status::ready);
    EXPECT_THROW(user.get(), Cancelled);
  }
}

// One call with a request body larger than the socket buffers to a server that never reads it.
TEST(AsyncHostile, CancellationAndTheDeadlineEndACallStillSending) {
  const std::string big(8 * 1024 * 1024, 'a');
  const Call create_big = [&big](Clients& c, const CallOptions& call, bool async) {
    if (async) return c.async->add_user_without_credentials(Username(big), call).future();
    return std::async(std::launch::async,
                      [&c, &big, call] { return c.blocking->add_user_without_credentials(Username(big), call); });
  };
  const Played cancelled = same_as_blocking({.script = {}, .call = create_big,
                                          .during =
                                              [](HostileServer& s, Clients&, CancellationSource& source) {
                                                ASSERT_TRUE(wait_socket(s.port(), "01", true));
                                                source.cancel();
                                              },
                                          .start_server = false});
  EXPECT_EQ(cancelled.failure.kind, ErrorKind::cancelled);
  const Played late = same_as_blocking({.script = {}, .call = create_big, .options = {.timeout = milliseconds(800)}, .start_server = false});
  EXPECT_EQ(late.failure.code, "timeout");
}

TEST(AsyncHostile, CancellationEndsACallWaitingForHeadersAndForTheBody) {
  for (const bool headers_sent : {false, true}) {
    SCOPED_TRACE(headers_sent ? "waiting for the body" : "waiting for the headers");
    const Played run = same_as_blocking(
        {.script =
             [headers_sent](HostileConnection& c) {
               if (headers_sent) c.send("HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n{");
               c.stall();
             },
         .during = [](HostileServer& s, Clients&, CancellationSource& source) {
           ASSERT_TRUE(s.wait_requests(1));
           source.cancel();
         }});
    EXPECT_EQ(run.failure.kind, ErrorKind::cancelled);
    EXPECT_EQ(run.requests, 1U);
  }
}

TEST(AsyncHostile, CancellationEndsTheWaitForRetryAfter) {
  const Played run = same_as_blocking({.script = [](HostileConnection& c) { c.send(error_answer(503, "Retry-After: 3600\r\n")); },
                                    .options = {.timeout = std::chrono::hours(3)},
                                    .during = [](HostileServer&, Clients& c, CancellationSource& source) {
                                      ASSERT_TRUE(c.wait_logged("retrying in 3600000 ms (Retry-After)"));
                                      source.cancel();
                                    }});
  EXPECT_EQ(run.failure.kind, ErrorKind::cancelled);
  EXPECT_EQ(run.requests, 1U);
}

TEST(AsyncHostile, DestroyingTheClientEndsTheWaitForRetryAfter) {
  HostileServer server([](HostileConnection& c) { c.send(error_answer(503, "Retry-After: 3600\r\n")); });
  server.start();
  Clients clients(server.url());
  auto user = clients.async->get_user(Username("alice"), {.timeout = std::chrono::hours(3)}).future();
  ASSERT_TRUE(clients.wait_logged("retrying in 3600000 ms (Retry-After)"));
  clients.async.reset();
  ASSERT_EQ(user.wait_for(std::chrono::seconds(0)), std::future_status::ready);  // before reset() returned
  EXPECT_THROW(user.get(), Cancelled);
}

TEST(AsyncHostile, ACancelAfterCompletionIsANoOpAndEachCallCompletesOnce) {
  HostileServer server([](HostileConnection& c) { c.send(user_answer()); });
  server.start();
  Clients clients(server.url());
  CancellationSource source;
  std::atomic<int> completions{0};
  std::promise<void> first;
  clients.async->get_user(Username("alice"), {.cancellation = source.token()}).then([&](Outcome<User> user) {
    EXPECT_TRUE(user.has_value());
    if (completions.fetch_add(1) == 0) first.set_value();
  });
  first.get_future().get();
  source.cancel();
  // A later call on the same loop completes after anything the cancel could have caused.
  EXPECT_NO_THROW(clients.async->get_user(Username("alice")).future().get());
  EXPECT_EQ(completions.load(), 1);
  EXPECT_EQ(clients.async->in_flight(), 0U);
}

// ---- what completions do -------------------------------------------------------------------------

// Waits (event) until `done` holds `count`.
bool wait_count(const std::atomic<int>& done, int count) {
  const auto give_up = std::chrono::steady_clock::now() + kHangGuard;
  while (done.load() < count) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

HostileServer::Script answers() {
  return [](HostileConnection& c) { c.send(user_answer()); };
}

// A coroutine type whose body's exception leaves resume() (some frameworks' tasks do that). The
// frame then stays at its final suspend point: the owner destroys it.
struct Rethrowing {
  struct promise_type;
  std::coroutine_handle<promise_type> frame;
  struct promise_type {
    Rethrowing get_return_object() noexcept { return {std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() { throw; }
  };
};

Rethrowing throw_after(const AsyncLoginIdManagement& async, std::atomic<int>& resumed) {
  static_cast<void>(co_await async.get_user(Username("alice")));
  ++resumed;
  throw std::runtime_error("coroutine body failed");
}

TEST(AsyncHostileCompletions, ACompletionThatThrowsIsLoggedAndTheLoopGoesOn) {
  HostileServer server(answers());
  server.start();
  Clients clients(server.url());
  std::atomic<int> completed{0};
  // Several calls ended in one round: the throw of one must not lose the others.
  for (int i = 0; i < 8; ++i) {
    clients.async->get_user(Username("alice")).then([&completed, i](Outcome<User> user) {
      ++completed;
      if (i % 2 == 0) throw std::runtime_error("callback " + std::to_string(i) + " failed");
      EXPECT_TRUE(user.has_value());
    });
  }
  // A refused call (bad argument, nothing sent) and an exception that is no std::exception.
  clients.async->get_user(Username("")).then([&completed](Outcome<User>) {
    ++completed;
    throw 42;
  });
  ASSERT_TRUE(wait_count(completed, 9));
  // The coroutine form: the body's exception leaves resume(), inside the completion. The answer is
  // held back until the coroutine is suspended, so it resumes on the loop thread.
  HostileServer gated([](HostileConnection& c) {
    c.stall();
    c.send(user_answer());
  });
  gated.start();
  Clients gated_clients(gated.url());
  std::atomic<int> resumed{0};
  const Rethrowing coroutine = throw_after(*gated_clients.async, resumed);  // returns at the co_await
  gated.release();
  ASSERT_TRUE(wait_count(resumed, 1));
  ASSERT_TRUE(gated_clients.wait_logged("the completion threw (ignored; a completion must not throw): coroutine body failed"));
  coroutine.frame.destroy();
  EXPECT_EQ(gated_clients.async->get_user(Username("alice")).future().get().id, "u-1");
  // The loop is alive and the client usable.
  EXPECT_EQ(clients.async->get_user(Username("alice")).future().get().id, "u-1");
  EXPECT_TRUE(clients.wait_logged("the completion threw (ignored; a completion must not throw): callback 0 failed"));
  EXPECT_TRUE(clients.logged("not a std::exception"));
  EXPECT_EQ(completed.load(), 9);
}

TEST(AsyncHostileCompletions, ACompletionThatThrowsWhileItsClientIsDestroyedIsContained) {
  HostileServer server([](HostileConnection& c) { c.stall(); });
  server.start();
  Clients clients(server.url());
  std::atomic<int> completed{0};
  for (int i = 0; i < 3; ++i) {
    clients.async->get_user(Username("alice")).then([&completed](Outcome<User> user) {
      ++completed;
      EXPECT_THROW(user.value(), Cancelled);
      throw std::runtime_error("not now");
    });
  }
  ASSERT_TRUE(server.wait_requests(3));
  clients.async.reset();  // runs the three completions; each throws
  EXPECT_EQ(completed.load(), 3);
  EXPECT_TRUE(clients.logged("the completion threw"));
}

TEST(AsyncHostileCompletions, ACompletionMayStartTheNextCall) {
  HostileServer server(answers());
  server.start();
  Clients clients(server.url());
  std::atomic<int> done{0};
  constexpr int kChain = 20;
  std::function<void()> next = [&] {
    clients.async->get_user(Username("alice")).then([&](Outcome<User> user) {
      EXPECT_TRUE(clients.runtime.in_loop_thread());
      EXPECT_EQ(user.value().id, "u-1");
      if (++done < kChain) next();
    });
  };
  next();
  ASSERT_TRUE(wait_count(done, kChain));
  EXPECT_EQ(server.requests(), static_cast<std::size_t>(kChain));
}

TEST(AsyncHostileCompletions, ACompletionMayDestroyItsOwnClientAndTheOthersCompleteOnceInside) {
  // The first three requests wait for ever; the fourth is answered.
  HostileServer server([](HostileConnection& c) {
    if (c.index < 3) {
      c.stall();
    } else {
      c.send(user_answer());
    }
  });
  server.start();
  Clients clients(server.url());
  std::atomic<int> cancelled{0};
  std::atomic<int> completions{0};
  for (int i = 0; i < 3; ++i) {
    clients.async->get_user(Username("alice")).then([&](Outcome<User> user) {
      ++completions;
      try {
        user.value();
      } catch (const Cancelled&) {
        ++cancelled;
      }
    });
  }
  ASSERT_TRUE(server.wait_requests(3));
  std::promise<int> cancelled_inside;
  clients.async->get_user(Username("alice")).then([&](Outcome<User> user) {
    EXPECT_TRUE(user.has_value());
    clients.async.reset();  // this completion's own client, on the loop thread
    cancelled_inside.set_value(cancelled.load());
  });
  auto inside = cancelled_inside.get_future();
  ASSERT_EQ(inside.wait_for(kHangGuard), std::future_status::ready) << "deadlock";
  EXPECT_EQ(inside.get(), 3);  // before the destructor returned
  // Once each, even after the loop has run on.
  AsyncLoginIdManagement another(*clients.blocking, clients.runtime);
  EXPECT_EQ(another.get_user(Username("alice")).future().get().id, "u-1");
  EXPECT_EQ(completions.load(), 3);
}

// The loop thread's tid, read on the loop thread.
pid_t loop_tid(const AsyncLoginIdManagement& async) {
  std::promise<pid_t> tid;
  // A bad argument completes on the loop without the network.
  async.get_user(Username("")).then([&tid](Outcome<User>) { tid.set_value(::gettid()); });
  return tid.get_future().get();
}

bool thread_exists(pid_t tid) { return ::access(("/proc/self/task/" + std::to_string(tid)).c_str(), F_OK) == 0; }

TEST(AsyncHostileCompletions, ACompletionMayDestroyTheLastClientAndTheRuntimeAndTheLoopThreadThenEnds) {
  HostileServer server([](HostileConnection& c) {
    if (c.index == 0) {
      c.send(user_answer());
    } else {
      c.stall();
    }
  });
  server.start();
  Options options;
  options.base_url = server.url();
  const LoginIdManagement blocking("client-1", PrivateKey::generate(), options);
  auto runtime = std::make_unique<AsyncRuntime>();
  auto async = std::make_unique<AsyncLoginIdManagement>(blocking, *runtime);
  const pid_t tid = loop_tid(*async);
  std::promise<void> parked_cancelled;
  std::promise<void> destroyed;
  async->get_user(Username("alice")).then([&](Outcome<User> user) {
    EXPECT_TRUE(user.has_value());
    async->get_user(Username("alice")).then([&](Outcome<User> parked) {
      EXPECT_THROW(parked.value(), Cancelled);
      parked_cancelled.set_value();
    });
    runtime.reset();
    async.reset();  // the last owner of the loop, on the loop thread: its thread ends after this
    destroyed.set_value();
  });
  auto done = destroyed.get_future();
  ASSERT_EQ(done.wait_for(kHangGuard), std::future_status::ready) << "deadlock";
  EXPECT_EQ(parked_cancelled.get_future().wait_for(std::chrono::seconds(0)), std::future_status::ready);
  const auto give_up = std::chrono::steady_clock::now() + kHangGuard;
  while (thread_exists(tid) && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(milliseconds(1));
  EXPECT_FALSE(thread_exists(tid)) << "the loop thread did not end";
}

TEST(AsyncHostileCompletions, ManyClientsShareOneRuntimeAndDestroyingOneLeavesTheOthersAlone) {
  HostileServer answering(answers());
  answering.start();
  HostileServer parking([](HostileConnection& c) { c.stall(); });
  parking.start();
  Options options;
  options.base_url = answering.url();
  options.retry.initial_backoff = milliseconds(1);
  const LoginIdManagement blocking("client-1", PrivateKey::generate(), options);
  options.base_url = parking.url();
  const LoginIdManagement parked_blocking("client-1", PrivateKey::generate(), options);
  AsyncRuntime runtime;
  std::vector<std::unique_ptr<AsyncLoginIdManagement>> clients;
  for (int i = 0; i < 20; ++i) clients.push_back(std::make_unique<AsyncLoginIdManagement>(blocking, runtime));
  auto parked_client = std::make_unique<AsyncLoginIdManagement>(parked_blocking, runtime);
  auto parked = parked_client->get_user(Username("alice")).future();
  ASSERT_TRUE(parking.wait_requests(1));
  std::vector<std::future<User>> users;
  for (auto& client : clients) {
    for (int i = 0; i < 3; ++i) users.push_back(client->get_user(Username("alice")).future());
  }
  parked_client.reset();
  EXPECT_THROW(parked.get(), Cancelled);
  for (auto& user : users) {
    ASSERT_EQ(user.wait_for(kHangGuard), std::future_status::ready);
    EXPECT_EQ(user.get().id, "u-1");
  }
}

// Destroying the runtime and every client from another thread while completions run: each call
// completes exactly once, the parked ones with Cancelled. Run under ASan and TSan by scripts/test.sh.
TEST(AsyncHostileCompletions, DestroyingEverythingWithAThousandCallsInFlightCompletesEachOnce) {
  constexpr int kParked = 1000;
  constexpr int kClients = 4;
  // Never accepted: a thousand connections wait in the kernel's queue, costing the test no thread.
  HostileServer parking({}, 4096);
  HostileServer answering(answers());
  answering.start();
  Options options;
  options.base_url = parking.url();
  const LoginIdManagement parked_blocking("client-1", PrivateKey::generate(), options);
  options.base_url = answering.url();
  const LoginIdManagement busy_blocking("client-1", PrivateKey::generate(), options);

  auto runtime = std::make_unique<AsyncRuntime>();
  std::vector<std::unique_ptr<AsyncLoginIdManagement>> parked_clients;
  for (int i = 0; i < kClients; ++i) {
    parked_clients.push_back(std::make_unique<AsyncLoginIdManagement>(parked_blocking, *runtime));
  }
  auto busy = std::make_unique<AsyncLoginIdManagement>(busy_blocking, *runtime);

  std::vector<std::atomic<int>> completions(kParked);
  std::atomic<int> cancelled{0};
  for (int i = 0; i < kParked; ++i) {
    parked_clients[static_cast<std::size_t>(i % kClients)]->get_user(Username("alice")).then(
        [&, i](Outcome<User> user) {
          ++completions[static_cast<std::size_t>(i)];
          try {
            user.value();
          } catch (const Cancelled&) {
            ++cancelled;
          }
        });
  }
  // Chains of answered calls, each started by the last one's completion: completions are running
  // on the loop while the other thread destroys everything.
  std::atomic<int> chained_started{0};
  std::atomic<int> chained_completed{0};
  std::atomic<int> chained_answered{0};
  // A client object is a C++ object: the completions use `busy` under a lock the destroying thread
  // takes to let go of it (destroying it while a completion calls it would be the caller's race).
  std::mutex busy_mutex;
  std::function<void()> chain = [&] {
    const std::lock_guard lock(busy_mutex);
    if (!busy) return;
    ++chained_started;
    busy->get_user(Username("alice")).then([&](Outcome<User> user) {
      ++chained_completed;
      if (user.has_value()) {
        ++chained_answered;
        chain();
      }
    });
  };
  for (int i = 0; i < 4; ++i) chain();
  ASSERT_TRUE(wait_count(chained_answered, 20));  // completions are running now

  std::thread destroyer([&] {
    runtime.reset();
    for (auto& client : parked_clients) client.reset();
    std::unique_ptr<AsyncLoginIdManagement> last;
    {
      const std::lock_guard lock(busy_mutex);
      last = std::move(busy);
    }
    last.reset();
  });
  destroyer.join();
  for (int i = 0; i < kParked; ++i) {
    EXPECT_EQ(completions[static_cast<std::size_t>(i)].load(), 1) << "call " << i;
  }
  EXPECT_EQ(cancelled.load(), kParked);
  EXPECT_EQ(chained_completed.load(), chained_started.load());
}

#if defined(__SANITIZE_THREAD__)
#define LOGINID_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LOGINID_UNDER_TSAN 1
#endif
#endif

TEST(AsyncHostileCompletions, AfterForkTheChildsCallsFailAtOnceAndItsClientGoesWithoutTheLoop) {
#ifdef LOGINID_UNDER_TSAN
  GTEST_SKIP() << "ThreadSanitizer does not support work in a child forked from a threaded process";
#else
  HostileServer server(answers());
  server.start();
  Clients clients(server.url());
  EXPECT_EQ(clients.async->get_user(Username("alice")).future().get().id, "u-1");  // the runtime runs
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int verdict = 0;
    std::optional<Outcome<User>> got;
    clients.async->get_user(Username("alice")).then([&got](Outcome<User> user) { got.emplace(std::move(user)); });
    if (!got) verdict = 2;  // not completed at once: it would wait for a loop thread that is not here
    try {
      if (got) got->value();
      verdict = verdict != 0 ? verdict : 3;
    } catch (const TransportError& e) {
      if (e.reason() != TransportError::Reason::refused_locally) verdict = 4;
    } catch (...) {
      verdict = 5;
    }
    clients.async.reset();  // must return without the parent's loop thread
    ::_exit(verdict);
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
  EXPECT_EQ(clients.async->get_user(Username("alice")).future().get().id, "u-1");  // the parent's goes on
#endif
}

// Cancels racing answers from another thread: whichever comes first, each call completes once.
TEST(AsyncHostileCompletions, CancelsRacingAnswersCompleteEachCallOnce) {
  HostileServer server(answers_script());
  server.start();
  Clients clients(server.url());
  constexpr int kCalls = 200;
  std::vector<CancellationSource> sources(kCalls);
  std::vector<std::atomic<int>> completions(kCalls);
  std::atomic<int> done{0};
  for (int i = 0; i < kCalls; ++i) {
    clients.async->get_user(Username("alice"), {.cancellation = sources[static_cast<std::size_t>(i)].token()})
        .then([&, i](Outcome<User> user) {
          ++completions[static_cast<std::size_t>(i)];
          if (!user.has_value()) {
            EXPECT_THROW(user.value(), Cancelled);
          }
          ++done;
        });
  }
  std::thread canceller([&] {
    for (auto& source : sources) source.cancel();
  });
  canceller.join();
  ASSERT_TRUE(wait_count(done, kCalls));
  clients.async.reset();  // anything still pending would complete here, a second time
  for (int i = 0; i < kCalls; ++i) EXPECT_EQ(completions[static_cast<std::size_t>(i)].load(), 1) << i;
}

}  // namespace
}  // namespace loginid
