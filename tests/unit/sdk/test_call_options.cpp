// Per-call limits (issue 16, finding 3): CancellationSource/Token, and the request pipeline, the
// CallRun steps and the key cache honouring CallOptions (deadline, timeout, cancellation, retry
// override). A cancellation from another thread is shown to end a call that would otherwise wait
// an hour (in the backoff) or forever (in a blocked transport, waiting for another thread's key
// fetch): the assertions are on what happened and in which order, never on how long it took (the
// ctest timeout is only a hang guard).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stop_token>
#include <thread>

#include "failure.hpp"
#include "jose/jwt_json.hpp"
#include "loginid/call_options.hpp"
#include "loginid/cancellation.hpp"
#include "loginid/keys.hpp"
#include "loginid/management.hpp"
#include "sdk/key_cache.hpp"
#include "sdk/service_client.hpp"
#include "sdk/token_verifier.hpp"
#include "test_transport_fake.hpp"

namespace loginid::detail {
namespace {

using std::chrono::milliseconds;
using test::answer;
using Kind = TransportError::Reason;
using ::testing::HasSubstr;

constexpr auto kHour = std::chrono::hours(1);

// A one-shot signal between threads.
class Latch {
 public:
  void open() {
    const std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  // Waits for open(); false after a generous hang guard.
  bool wait() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(60), [this] { return open_; });
  }
  [[nodiscard]] bool is_open() {
    const std::lock_guard lock(mutex_);
    return open_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
};

// An exchange that blocks in the transport until the call is cancelled, and a thread that cancels
// the call as soon as the exchange has begun. The transport then reports the abort as a transport
// watching HttpRequest::cancellation does (Cancelled), or as one that ignores it sees its torn-down
// connection (io_failed).
class CancelledInTransport {
 public:
  enum class Report { cancelled, io_failed };
  explicit CancelledInTransport(Report report = Report::cancelled)
      : report_(report), canceller_([this] {
          EXPECT_TRUE(entered_.wait()) << "the exchange never began";
          source_.cancel();
        }) {}
  ~CancelledInTransport() { join(); }
  CancelledInTransport(const CancelledInTransport&) = delete;
  CancelledInTransport& operator=(const CancelledInTransport&) = delete;

  [[nodiscard]] CancellationToken token() const { return source_.token(); }
  void join() {
    if (canceller_.joinable()) canceller_.join();
  }

  [[noreturn]] void hold(const HttpRequest& request) {
    Latch cancelled;
    const auto registration = request.cancellation.on_cancel([&cancelled] { cancelled.open(); });
    entered_.open();
    EXPECT_TRUE(cancelled.wait()) << "the call's cancellation never reached the transport";
    if (report_ == Report::cancelled) throw Cancelled("scripted transport: aborted");
    throw TransportError(TransportError::Reason::io_failed, "connection reset");
  }

 private:
  Report report_;
  Latch entered_;
  CancellationSource source_;
  std::thread canceller_;  // last: started once the members it uses exist
};

// ---- CancellationSource / CancellationToken -------------------------------------------------------

TEST(Cancellation, ADefaultTokenIsNeverCancelled) {
  const CancellationToken token;
  EXPECT_FALSE(token.is_cancelled());
  EXPECT_FALSE(token.can_be_cancelled());
  bool ran = false;
  const auto registration = token.on_cancel([&ran] { ran = true; });
  EXPECT_FALSE(ran);
}

TEST(Cancellation, CancelReachesEveryCopyOfTheTokenOnce) {
  CancellationSource source;
  const CancellationToken token = source.token();
  const CancellationToken copy = token;  // NOLINT(performance-unnecessary-copy-initialization): copies share state
  EXPECT_TRUE(token.can_be_cancelled());
  EXPECT_FALSE(copy.is_cancelled());
  int runs = 0;
  const auto registration = copy.on_cancel([&runs] { ++runs; });
  EXPECT_TRUE(source.cancel());
  EXPECT_FALSE(source.cancel());  // later calls do nothing
  EXPECT_TRUE(token.is_cancelled());
  EXPECT_TRUE(copy.is_cancelled());
  EXPECT_TRUE(source.is_cancelled());
  EXPECT_EQ(runs, 1);
}

TEST(Cancellation, ACallbackRegisteredAfterTheCancelRunsAtOnce) {
  CancellationSource source;
  source.cancel();
  bool ran = false;
  const auto registration = source.token().on_cancel([&ran] { ran = true; });
  EXPECT_TRUE(ran);
}

TEST(Cancellation, AnUnregisteredCallbackNeverRuns) {
  CancellationSource source;
  bool ran = false;
  auto registration = source.token().on_cancel([&ran] { ran = true; });
  registration.reset();
  source.cancel();
  EXPECT_FALSE(ran);
}

TEST(Cancellation, AThrowingCallbackIsIgnoredAndTheOthersStillRun) {
  CancellationSource source;
  bool ran = false;
  const auto throwing = source.token().on_cancel([] { throw std::runtime_error("callback"); });
  const auto other = source.token().on_cancel([&ran] { ran = true; });
  EXPECT_TRUE(source.cancel());
  EXPECT_TRUE(ran);
}

// Unregistering waits for a callback running on another thread: after reset() returns, whatever
// the callback uses may be destroyed.
TEST(Cancellation, UnregisteringWaitsForACallbackRunningElsewhere) {
  CancellationSource source;
  Latch started;
  Latch go;
  std::atomic<bool> finished{false};
  auto registration = source.token().on_cancel([&] {
    started.open();
    go.wait();
    finished = true;
  });
  std::thread canceller([&] { source.cancel(); });
  ASSERT_TRUE(started.wait());
  std::thread unregisterer([&] {
    registration.reset();
    EXPECT_TRUE(finished.load());  // reset() returned only after the callback had
  });
  go.open();
  unregisterer.join();
  canceller.join();
}

TEST(Cancellation, AStdStopTokenCanBeUsed) {
  std::stop_source stop;
  const CancellationToken token(stop.get_token());
  EXPECT_FALSE(token.is_cancelled());
  stop.request_stop();
  EXPECT_TRUE(token.is_cancelled());
}

// ---- the request pipeline -------------------------------------------------------------------------

constexpr const char* kBase = "http://127.0.0.1:9";

// `real_sleeps`: the default sleeper (real, cancellable waits) instead of one that advances the clock.
struct Harness {
  test::ManualClock clock;
  std::shared_ptr<test::ScriptedTransport> transport = std::make_shared<test::ScriptedTransport>();
  std::vector<milliseconds> sleeps;
  std::mutex log_mutex;
  std::vector<std::string> logs;
  Latch backing_off;  // opened by the log line that announces a retry
  std::shared_ptr<ServiceClient> client;

  explicit Harness(const std::function<void(Options&)>& tweak = {}, bool real_sleeps = false) {
    Options options;
    options.base_url = kBase;
    options.transport = transport;
    options.clock = clock.as_clock();
    options.retry.initial_backoff = milliseconds(100);
    options.retry.max_backoff = milliseconds(400);
    options.log = [this](LogLevel, std::string_view line) {
      const std::lock_guard lock(log_mutex);
      logs.emplace_back(line);
      if (line.find("retrying in") != std::string_view::npos) backing_off.open();
    };
    if (tweak) tweak(options);
    if (real_sleeps) {
      client = std::make_shared<ServiceClient>(options, "client-1");
    } else {
      client = std::make_shared<ServiceClient>(options, "client-1", [this](milliseconds delay, const CancellationToken&) {
        sleeps.push_back(delay);
        clock.advance(delay);
      });
    }
  }

  ApiResponse call(const ApiCall& call, const CallOptions& options = {}) const {
    return client->call(call, client->context(options));
  }
};

ApiCall get(std::string path = "/manage/users/retrieve") {
  ApiCall call;
  call.method = "GET";
  call.path = std::move(path);
  return call;
}

HttpResponse unavailable(HttpHeaders headers = {}) {
  return answer(503, R"({"code":"unavailable","message":"busy"})", std::move(headers));
}

TEST(CallOptions, TheCancellationTokenTravelsWithTheRequest) {
  Harness h;
  CancellationSource source;
  h.call(get(), {.cancellation = source.token()});
  const auto sent = h.transport->requests().at(0);
  EXPECT_TRUE(sent.cancellation.can_be_cancelled());
  source.cancel();
  EXPECT_TRUE(sent.cancellation.is_cancelled());  // the same cancellation state
}

TEST(CallOptions, AlreadyCancelledSendsNothing) {
  Harness h;
  CancellationSource source;
  source.cancel();
  const auto e = failure_of_call([&] { h.call(get(), {.cancellation = source.token()}); });
  EXPECT_EQ(e.kind, ErrorKind::cancelled);
  EXPECT_EQ(e.status, 0);
  EXPECT_THAT(e.what, HasSubstr("GET /manage/users/retrieve: cancelled before anything was sent"));
  EXPECT_EQ(h.transport->count(), 0U);
}

TEST(CallOptions, ADeadlineAlreadyPassedSendsNothing) {
  Harness h;
  const auto e = failure_of_call(
      [&] { h.call(get(), {.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1)}); });
  EXPECT_EQ(e.kind, ErrorKind::transport);
  EXPECT_EQ(e.code, "timeout");
  EXPECT_THAT(e.what, HasSubstr("deadline had passed before anything was sent"));
  EXPECT_EQ(h.transport->count(), 0U);
}

TEST(CallOptions, TheTimeoutReplacesOptionsTimeoutForTheCall) {
  Harness h;
  h.call(get(), {.timeout = milliseconds(1'500)});
  h.call(get(), {.timeout = std::chrono::minutes(5)});  // longer than Options::timeout too
  const auto sent = h.transport->requests();
  EXPECT_EQ(sent.at(0).timeout, milliseconds(1'500));
  EXPECT_EQ(sent.at(0).connect_timeout, milliseconds(1'500));
  EXPECT_EQ(sent.at(1).timeout, std::chrono::minutes(5));
}

TEST(CallOptions, TheEarlierOfDeadlineAndTimeoutHolds) {
  Harness h;
  const auto deadline = std::chrono::steady_clock::now() + kHour;
  h.call(get(), {.deadline = deadline, .timeout = milliseconds(2'000)});
  h.call(get(), {.deadline = deadline});  // a deadline alone replaces Options::timeout
  const auto sent = h.transport->requests();
  EXPECT_EQ(sent.at(0).timeout, milliseconds(2'000));
  EXPECT_GT(sent.at(1).timeout, std::chrono::minutes(59));
  EXPECT_LE(sent.at(1).timeout, kHour);
}

// The deadline caps the waits between retries: a Retry-After that passes it ends the call.
TEST(CallOptions, TheCallsDeadlineCapsTheWaitBeforeARetry) {
  Harness h;
  h.transport->set_handler([](const HttpRequest&, int) { return unavailable({{"Retry-After", "2"}}); });
  EXPECT_EQ(failure_of_call([&] { h.call(get(), {.timeout = milliseconds(1'000)}); }).status, 503);
  EXPECT_EQ(h.transport->count(), 1U);
  EXPECT_TRUE(h.sleeps.empty());
  // The same answer within the default 10 s: waited for, as asked, and repeated.
  h.transport->set_handler([](const HttpRequest&, int i) {
    return i == 1 ? unavailable({{"Retry-After", "2"}}) : answer(200, "{}");
  });
  EXPECT_EQ(h.call(get()).status, 200);
  EXPECT_EQ(h.sleeps, std::vector<milliseconds>{milliseconds(2'000)});
}

TEST(CallOptions, TheRetryOverrideReplacesOptionsRetry) {
  Harness h;
  h.transport->set_handler([](const HttpRequest&, int) { return unavailable(); });
  EXPECT_EQ(failure_of_call([&] { h.call(get(), {.retry = RetryOptions{.max_attempts = 1}}); }).status, 503);
  EXPECT_EQ(h.transport->count(), 1U);
  EXPECT_EQ(failure_of_call([&] { h.call(get(), {.retry = RetryOptions{.max_attempts = 5}}); }).status, 503);
  EXPECT_EQ(h.transport->count(), 6U);
  EXPECT_EQ(failure_of_call([&] { h.call(get()); }).status, 503);
  EXPECT_EQ(h.transport->count(), 9U);  // Options::retry (3 attempts) again
}

TEST(CallOptions, BadOptionsAreRefusedNamingTheMember) {
  Harness h;
  const auto zero = failure_of_call([&] { h.call(get(), {.timeout = milliseconds(0)}); });
  EXPECT_EQ(zero.kind, ErrorKind::invalid_argument);
  EXPECT_THAT(zero.what, HasSubstr("CallOptions::timeout"));
  const auto attempts = failure_of_call([&] { h.call(get(), {.retry = RetryOptions{.max_attempts = 0}}); });
  EXPECT_THAT(attempts.what, HasSubstr("CallOptions::retry.max_attempts"));
  const auto multiplier = failure_of_call([&] { h.call(get(), {.retry = RetryOptions{.multiplier = 0.5}}); });
  EXPECT_THAT(multiplier.what, HasSubstr("CallOptions::retry.multiplier"));
  EXPECT_EQ(h.transport->count(), 0U);
}

// In the wait before a retry (Retry-After: one hour, within a two-hour budget), with the real
// sleeper: only the cancellation can end the call before the hour is over.
TEST(CallOptions, ACancelDuringTheWaitBeforeARetryEndsTheCallAtOnce) {
  Harness h([](Options& o) { o.timeout = 2 * kHour; }, /*real_sleeps=*/true);
  h.transport->set_handler([](const HttpRequest&, int) { return unavailable({{"Retry-After", "3600"}}); });
  CancellationSource source;
  std::thread canceller([&] {
    ASSERT_TRUE(h.backing_off.wait());
    source.cancel();
  });
  const auto e = failure_of_call([&] { h.call(get(), {.cancellation = source.token()}); });
  canceller.join();
  EXPECT_EQ(e.kind, ErrorKind::cancelled);
  EXPECT_THAT(e.what, HasSubstr("cancelled after 1 attempt(s)"));
  EXPECT_EQ(h.transport->count(), 1U);  // never retried
}

// A transport that watches HttpRequest::cancellation aborts and throws Cancelled: not retried,
// although the call is safe to repeat and has attempts left.
TEST(CallOptions, ACancelDuringABlockedExchangeEndsTheCallAtOnce) {
  Harness h;
  CancelledInTransport blocked;
  h.transport->set_handler([&](const HttpRequest& request, int) -> HttpResponse { blocked.hold(request); });
  const auto e = failure_of_call([&] { h.call(get(), {.cancellation = blocked.token()}); });
  EXPECT_EQ(e.kind, ErrorKind::cancelled);
  EXPECT_THAT(e.what, HasSubstr("cancelled during attempt 1"));
  EXPECT_EQ(h.transport->count(), 1U);
  EXPECT_TRUE(h.sleeps.empty());
}

// A transport that ignores the token and fails once the exchange is torn down: still Cancelled,
// not a retried io_failed.
TEST(CallOptions, ACancelIsNeverRetriedWhateverTheTransportReports) {
  Harness h;
  CancelledInTransport blocked(CancelledInTransport::Report::io_failed);
  h.transport->set_handler([&](const HttpRequest& request, int) -> HttpResponse { blocked.hold(request); });
  const auto e = failure_of_call([&] { h.call(get(), {.cancellation = blocked.token()}); });
  EXPECT_EQ(e.kind, ErrorKind::cancelled);
  EXPECT_EQ(h.transport->count(), 1U);
}

TEST(CallOptions, AnAnswerThatArrivedIsKeptEvenIfTheCancelFollows) {
  Harness h;
  CancellationSource source;
  h.transport->set_handler([&](const HttpRequest&, int) {
    source.cancel();  // too late: the answer is here
    return answer(200, R"({"id":"u1"})");
  });
  EXPECT_EQ(h.call(get(), {.cancellation = source.token()}).json["id"], "u1");
}

// ---- CallRun: the steps the async engine drives ---------------------------------------------------

TEST(CallRun, StepsOfARetriedCallWithoutIo) {
  Harness h;
  ApiCall call = get();
  int minted = 0;
  call.make_bearer = [&minted] { return "token-" + std::to_string(++minted); };
  CallRun run(*h.client, call, h.client->context({.timeout = milliseconds(5'000)}));

  const HttpRequest& first = run.next_request();
  EXPECT_EQ(first.url, std::string(kBase) + "/manage/users/retrieve");
  EXPECT_EQ(test::header_of(first, "Authorization"), "Bearer token-1");
  EXPECT_EQ(first.timeout, milliseconds(5'000));
  auto step = run.on_answer(unavailable({{"Retry-After", "1"}}));
  ASSERT_TRUE(std::holds_alternative<milliseconds>(step));
  EXPECT_EQ(std::get<milliseconds>(step), milliseconds(1'000));

  h.clock.advance(milliseconds(1'000));  // the engine's timer
  const HttpRequest& second = run.next_request();
  EXPECT_EQ(test::header_of(second, "Authorization"), "Bearer token-2");
  EXPECT_EQ(second.timeout, milliseconds(4'000));  // what is left
  step = run.on_answer(answer(200, R"({"id":"u1"})"));
  ASSERT_TRUE(std::holds_alternative<ApiResponse>(step));
  EXPECT_EQ(std::get<ApiResponse>(step).json["id"], "u1");
  EXPECT_EQ(h.transport->count(), 0U);  // the run itself never touches the transport
}

TEST(CallRun, ACancelSeenBetweenStepsStopsTheNextAttempt) {
  Harness h;
  CancellationSource source;
  CallRun run(*h.client, get(), h.client->context({.cancellation = source.token()}));
  (void)run.next_request();
  ASSERT_TRUE(std::holds_alternative<milliseconds>(run.on_failure(TransportError(Kind::connect_failed, "refused"))));
  source.cancel();
  EXPECT_THROW((void)run.next_request(), Cancelled);
}

// ---- the key cache --------------------------------------------------------------------------------

struct KeyHarness {
  test::ManualClock clock;
  std::shared_ptr<test::ScriptedTransport> transport = std::make_shared<test::ScriptedTransport>();
  PublicKey key = PrivateKey::generate().public_key();
  std::shared_ptr<const ServiceClient> service;
  std::unique_ptr<KeyCache> cache;

  KeyHarness() {
    Options options;
    options.base_url = kBase;
    options.transport = transport;
    options.clock = clock.as_clock();
    options.retry.max_attempts = 1;
    service = std::make_shared<const ServiceClient>(options, "client",
                                                    [](milliseconds, const CancellationToken&) {});
    cache = std::make_unique<KeyCache>(service);
  }
  [[nodiscard]] HttpResponse key_answer() const {
    return answer(200, key.to_pem(), {{"Cache-Control", "max-age=300"}});
  }
  [[nodiscard]] CallContext context(const CallOptions& options = {}) const { return service->context(options); }
};

TEST(KeyCacheCallOptions, ACancelledCallerFetchesNothing) {
  KeyHarness h;
  CancellationSource source;
  source.cancel();
  const auto lookup = h.cache->find("kid-1", h.clock.now(), h.context({.cancellation = source.token()}));
  EXPECT_FALSE(lookup.key);
  EXPECT_EQ(lookup.error, std::errc::operation_canceled);
  EXPECT_EQ(h.transport->count(), 0U);
}

// The fetching thread is cancelled while blocked in the transport: it gets operation_canceled, and
// the cache is left as if nothing happened (no failure remembered), so the next caller fetches.
TEST(KeyCacheCallOptions, ACancelledFetchLeavesNoTrace) {
  KeyHarness h;
  CancelledInTransport blocked;
  h.transport->set_handler([&](const HttpRequest& request, int i) -> HttpResponse {
    if (i > 0) return h.key_answer();
    blocked.hold(request);
  });
  const auto cancelled = h.cache->find("kid-1", h.clock.now(), h.context({.cancellation = blocked.token()}));
  EXPECT_EQ(cancelled.error, std::errc::operation_canceled);
  const auto next = h.cache->find("kid-1");
  ASSERT_TRUE(next.key);
  EXPECT_EQ(*next.key, h.key);
  EXPECT_EQ(h.transport->count(), 2U);
}

// Another thread is fetching the key (held in the transport): a caller waiting for that fetch
// leaves at once when cancelled, or at its deadline; the fetch itself goes on and fills the cache.
TEST(KeyCacheCallOptions, AWaiterForAnotherThreadsFetchLeavesOnCancelOrDeadline) {
  KeyHarness h;
  Latch in_transport;
  Latch release;
  h.transport->set_handler([&](const HttpRequest&, int) {
    in_transport.open();
    EXPECT_TRUE(release.wait());
    return h.key_answer();
  });
  std::thread fetcher([&] { EXPECT_TRUE(h.cache->find("kid-1").key); });
  ASSERT_TRUE(in_transport.wait());

  CancellationSource source;
  std::promise<KeyLookup> waited;
  std::thread waiter([&] { waited.set_value(h.cache->find("kid-1", h.clock.now(), h.context({.cancellation = source.token()}))); });
  source.cancel();
  const auto cancelled = waited.get_future().get();
  waiter.join();
  EXPECT_EQ(cancelled.error, std::errc::operation_canceled);

  const auto late = h.cache->find("kid-1", h.clock.now(), h.context({.timeout = milliseconds(1)}));
  EXPECT_EQ(late.error, TokenErrc::key_unavailable);
  EXPECT_FALSE(release.is_open());  // both left while the fetch was still held

  release.open();
  fetcher.join();
  EXPECT_TRUE(h.cache->find("kid-1").key);
  EXPECT_EQ(h.transport->count(), 1U);  // one fetch for everybody
}

// A verification whose key fetch is cancelled reports operation_canceled, never a token fault; the
// throwing form turns it into Cancelled. The same token verifies once the key can be fetched.
TEST(KeyCacheCallOptions, AVerificationCancelledWhileFetchingTheKey) {
  KeyHarness h;
  const auto signer = PrivateKey::generate();
  h.key = signer.public_key();
  const TokenVerifier verifier(h.service);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(h.clock.now().time_since_epoch()).count();
  const std::string token = sign_jwt_json(
      Json{{"iss", "loginid.io"}, {"sub", "user-1"}, {"aud", "client"}, {"iat", now}, {"udata", "alice"}}, signer,
      "kid-1");
  CancelledInTransport blocked;
  h.transport->set_handler([&](const HttpRequest& request, int i) -> HttpResponse {
    if (i > 0) return h.key_answer();
    blocked.hold(request);
  });
  std::error_code ec;
  const auto claims = verifier.verify(token, TokenExpectations{"client", "alice"}, ec,
                                      h.context({.cancellation = blocked.token()}));
  EXPECT_FALSE(claims);
  EXPECT_EQ(ec, std::errc::operation_canceled);
  EXPECT_THROW(throw_token_error(ec), Cancelled);
  EXPECT_TRUE(verifier.verify(token, TokenExpectations{"client", "alice"}, ec)) << ec.message();
}

// ---- the public functions: one call path -------------------------------------------------------

struct ClientHarness {
  std::shared_ptr<test::ScriptedTransport> transport = std::make_shared<test::ScriptedTransport>();
  LoginIdManagement mgmt{"client", PrivateKey::generate(), [this] {
                           Options options;
                           options.base_url = kBase;
                           options.transport = transport;
                           options.presign.enabled = false;
                           options.retry.initial_backoff = milliseconds(0);
                           options.retry.max_backoff = milliseconds(0);
                           return options;
                         }()};
};

TEST(PublicCallOptions, EveryNetworkFunctionTakesThemAndTheyReachThePipeline) {
  ClientHarness h;
  h.transport->set_handler([](const HttpRequest&, int) { return unavailable(); });
  const Username alice("alice");
  EXPECT_THROW((void)h.mgmt.get_user(alice, {.retry = RetryOptions{.max_attempts = 1}}), ServiceError);
  EXPECT_EQ(h.transport->count(), 1U);
  EXPECT_THROW((void)h.mgmt.get_user(alice), ServiceError);
  EXPECT_EQ(h.transport->count(), 4U);  // Options::retry: 3 attempts
  CancellationSource source;
  source.cancel();
  EXPECT_THROW(h.mgmt.delete_by_username(alice, {.cancellation = source.token()}), Cancelled);
  EXPECT_THROW((void)h.mgmt.wait_code(alice, "123456", CodeType::short_code, {}, {.cancellation = source.token()}),
               Cancelled);
  EXPECT_EQ(h.transport->count(), 4U);  // nothing sent once cancelled
  h.transport->set_handler([](const HttpRequest& request, int) {
    EXPECT_EQ(request.timeout, milliseconds(1'234));
    return answer(200, R"({"code":"123456","expires_at":"2026-12-01T00:00:00Z","is_authorized":false})");
  });
  (void)h.mgmt.generate_code(UserRef::by_username("alice"), CodeType::short_code,
                             CodePurpose::temporary_authentication, {}, {.timeout = milliseconds(1'234)});
}

// verify_token stays noexcept: a cancelled or refused CallOptions is a `false` / an error code,
// never an exception, and a cancelled key fetch is not mistaken for a bad token.
TEST(PublicCallOptions, VerifyTokenBoundsItsKeyFetchAndStaysNoexcept) {
  ClientHarness h;
  const auto signer = PrivateKey::generate();
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string token =
      sign_jwt_json(Json{{"iss", "loginid.io"}, {"sub", "u"}, {"aud", "client"}, {"iat", now}}, signer, "kid-1");
  CancellationSource source;
  source.cancel();
  std::error_code ec;
  EXPECT_FALSE(h.mgmt.verify_token(token, std::nullopt, {.cancellation = source.token()}));
  EXPECT_FALSE(h.mgmt.verify_token_claims(token, std::nullopt, ec, {.cancellation = source.token()}));
  EXPECT_EQ(ec, std::errc::operation_canceled);
  EXPECT_THROW((void)h.mgmt.verify_token_claims(token, std::nullopt, {.cancellation = source.token()}), Cancelled);
  EXPECT_FALSE(h.mgmt.verify_token_claims(token, std::nullopt, ec, {.timeout = milliseconds(0)}));
  EXPECT_EQ(ec, std::errc::invalid_argument);
  EXPECT_EQ(h.transport->count(), 0U);
  h.transport->set_handler([&](const HttpRequest&, int) {
    return answer(200, signer.public_key().to_pem(), {{"Cache-Control", "max-age=300"}});
  });
  EXPECT_TRUE(h.mgmt.verify_token(token, std::nullopt, {.timeout = milliseconds(500)}));
  EXPECT_EQ(h.transport->count(), 1U);
}

}  // namespace
}  // namespace loginid::detail
