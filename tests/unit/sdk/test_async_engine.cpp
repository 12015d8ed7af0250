// The async engine (issue 12, step 1) on the scripted async transport: the event loop itself
// (order, timers, descriptors, destruction from its own thread), then calls through AsyncCaller:
// the same requests, answers, errors and retry decisions as the blocking ServiceClient::call (the
// same scripted answers are run through both and compared), completion on the loop thread exactly
// once, cancellation of an exchange and of a wait before a retry, destruction with calls in flight
// (also from inside a completion), and many threads starting calls at once (run under TSan by
// scripts/test.sh).

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "failure.hpp"
#include "loginid/call_options.hpp"
#include "loginid/cancellation.hpp"
#include "loginid/error.hpp"
#include "sdk/async/async_caller.hpp"
#include "sdk/async/event_loop.hpp"
#include "sdk/service_client.hpp"
#include "test_async_fake.hpp"
#include "test_transport_fake.hpp"

namespace loginid::detail {
namespace {

using std::chrono::milliseconds;
using test::answer;
using test::header_of;
using ::testing::HasSubstr;

constexpr auto kHangGuard = std::chrono::seconds(30);  // only a broken test waits this long

// --- the event loop ------------------------------------------------------------------------------

// Runs `task` on the loop and waits for it.
template <typename Task>
void on_loop(EventLoop& loop, Task task) {
  std::promise<void> ran;
  ASSERT_TRUE(loop.post([&] {
    task();
    ran.set_value();
  }));
  ASSERT_EQ(ran.get_future().wait_for(kHangGuard), std::future_status::ready);
}

TEST(EventLoop, PostedTasksRunInOrderOnTheLoopThread) {
  EventLoop loop;
  std::mutex mutex;
  std::vector<int> order;
  std::atomic<bool> all_on_loop{true};
  for (int i = 0; i < 100; ++i) {
    loop.post([&, i] {
      all_on_loop = all_on_loop && loop.in_loop_thread();
      const std::lock_guard lock(mutex);
      order.push_back(i);
    });
  }
  on_loop(loop, [] {});
  EXPECT_FALSE(loop.in_loop_thread());
  EXPECT_TRUE(all_on_loop);
  const std::lock_guard lock(mutex);
  ASSERT_EQ(order.size(), 100U);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
}

TEST(EventLoop, TimersRunByDueTimeAndCancelledOnesNever) {
  EventLoop loop;
  std::vector<int> fired;  // loop thread only, read after a task posted once all have run
  std::promise<void> last;
  on_loop(loop, [&] {
    const auto now = EventLoop::TimePoint::clock::now();
    loop.start_timer(now + milliseconds(30), [&] { fired.push_back(3); });
    loop.start_timer(now + milliseconds(10), [&] { fired.push_back(1); });
    const auto dropped = loop.start_timer(now + milliseconds(20), [&] { fired.push_back(99); });
    loop.start_timer(now + milliseconds(10), [&] { fired.push_back(2); });  // same time: started later, runs later
    loop.start_timer(now + milliseconds(40), [&] { last.set_value(); });
    loop.cancel_timer(dropped);
    loop.cancel_timer(dropped);  // twice: no effect
  });
  ASSERT_EQ(last.get_future().wait_for(kHangGuard), std::future_status::ready);
  on_loop(loop, [&] {
    EXPECT_EQ(fired, (std::vector<int>{1, 2, 3}));
    EXPECT_EQ(loop.timer_count(), 0U);
  });
}

TEST(EventLoop, AWatchedDescriptorCallsItsHandlerWhenReady) {
  EventLoop loop;
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
  std::promise<std::string> got;
  on_loop(loop, [&] {
    loop.watch(fds[0], EPOLLIN, [&, fd = fds[0]](std::uint32_t events) {
      char buffer[16] = {};
      const auto n = ::read(fd, buffer, sizeof buffer);
      EXPECT_NE(events & EPOLLIN, 0U);
      loop.unwatch(fd);  // a handler may unwatch its own descriptor
      got.set_value(std::string(buffer, static_cast<std::size_t>(std::max<ssize_t>(0, n))));
    });
  });
  ASSERT_EQ(::write(fds[1], "ping", 4), 4);
  auto future = got.get_future();
  ASSERT_EQ(future.wait_for(kHangGuard), std::future_status::ready);
  EXPECT_EQ(future.get(), "ping");
  on_loop(loop, [&] { EXPECT_EQ(loop.watch_count(), 0U); });
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(EventLoop, DestroyedFromItsOwnThreadItFinishesTheTaskAndStops) {
  auto loop = std::make_unique<EventLoop>();
  EventLoop* raw = loop.get();
  std::promise<void> done;
  std::atomic<bool> later_ran{false};
  raw->post([&] {
    raw->post([&] { later_ran = true; });  // queued behind: dropped with the loop
    loop.reset();                          // the owner lets go inside a task
    done.set_value();                      // the task still finishes
  });
  ASSERT_EQ(done.get_future().wait_for(kHangGuard), std::future_status::ready);
  EXPECT_FALSE(later_ran);
}

// --- calls through the engine on the scripted transport -----------------------------------------

constexpr const char* kBase = "http://127.0.0.1:9";

struct Harness {
  std::shared_ptr<test::Script> script = std::make_shared<test::Script>();
  std::shared_ptr<AsyncEngine> engine = std::make_shared<AsyncEngine>();
  std::shared_ptr<const ServiceClient> service;
  std::unique_ptr<AsyncCaller> caller;
  std::mutex log_mutex;
  std::vector<std::string> logs;

  explicit Harness(const std::function<void(Options&)>& tweak = {}) {
    Options options;
    options.base_url = kBase;
    options.transport = std::make_shared<test::ScriptedTransport>();  // the blocking path's, unused here
    options.retry.initial_backoff = milliseconds(1);
    options.retry.max_backoff = milliseconds(2);
    options.log = [this](LogLevel, std::string_view line) {
      const std::lock_guard lock(log_mutex);
      logs.emplace_back(line);
    };
    if (tweak) tweak(options);
    service = std::make_shared<const ServiceClient>(options, "client-1");
    caller = std::make_unique<AsyncCaller>(service, engine, test::scripted_transport(script));
  }

  [[nodiscard]] bool logged(std::string_view part) {
    const std::lock_guard lock(log_mutex);
    return std::any_of(logs.begin(), logs.end(), [&](const std::string& l) { return l.find(part) != std::string::npos; });
  }
};

// A completion that records how often and on which thread it ran, and what it got.
struct Completed {
  std::mutex mutex;
  int times = 0;
  bool on_loop = false;
  std::optional<CallOutcome> outcome;
  std::promise<void> first;
  std::shared_future<void> ready = first.get_future().share();

  AsyncCaller::Completion callback(const EventLoop& loop) {
    return [this, &loop](CallOutcome o) {
      const std::lock_guard lock(mutex);
      if (++times == 1) {
        on_loop = loop.in_loop_thread();
        outcome = std::move(o);
        first.set_value();
      }
    };
  }
  void wait() { ASSERT_EQ(ready.wait_for(kHangGuard), std::future_status::ready); }
  ApiResponse answer() {
    wait();
    const std::lock_guard lock(mutex);
    if (auto* error = std::get_if<std::exception_ptr>(&*outcome)) {
      try {
        std::rethrow_exception(*error);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "the call failed: " << e.what();
      }
      return {};
    }
    return std::get<ApiResponse>(*outcome);
  }
  Failure failure() {
    wait();
    const std::lock_guard lock(mutex);
    return failure_of_call([&] {
      if (auto* error = std::get_if<std::exception_ptr>(&*outcome)) std::rethrow_exception(*error);
    });
  }
  int count() {
    const std::lock_guard lock(mutex);
    return times;
  }
};

ApiCall post(std::string path, Idempotency idempotency = Idempotency::safe) {
  ApiCall call;
  call.method = "POST";
  call.path = std::move(path);
  call.body = nlohmann::json{{"username", "alice"}};
  call.bearer = "header.payload.signature";
  call.idempotency = idempotency;
  return call;
}

TEST(AsyncCaller, AnAnswerCompletesOnTheLoopThreadWithTheSameRequestAsTheBlockingPath) {
  Harness h;
  h.script->handler = [](const HttpRequest&, int) {
    return answer(200, R"({"ok":true})", {{"X-Request-ID", "req-7"}});
  };
  Completed done;
  h.caller->start(post("/codes/short/generate"), done.callback(h.engine->loop()));
  const ApiResponse response = done.answer();
  EXPECT_TRUE(done.on_loop);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.json, nlohmann::json({{"ok", true}}));
  EXPECT_EQ(response.request_id, "req-7");

  // The blocking path, given the same call, sends the same request.
  auto blocking = std::make_shared<test::ScriptedTransport>();
  ServiceClient sync(Options{.base_url = kBase, .transport = blocking}, "client-1");
  sync.call(post("/codes/short/generate"));
  const HttpRequest a = h.script->requests().at(0);
  const HttpRequest b = blocking->requests().at(0);
  EXPECT_EQ(a.method, b.method);
  EXPECT_EQ(a.url, b.url);
  EXPECT_EQ(a.headers, b.headers);
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(header_of(a, "X-Client-ID"), "client-1");
  EXPECT_EQ(header_of(a, "Authorization"), "Bearer header.payload.signature");
}

// Every error answer (and failure) turns into the same exception, with the same message, as on the
// blocking path: both run the same CallRun.
TEST(AsyncCaller, ErrorsAreTheBlockingPathsErrors) {
  const std::vector<std::function<HttpResponse()>> answers = {
      [] { return answer(404, R"({"code":"not_found","message":"no such user"})", {{"X-Request-ID", "r-1"}}); },
      [] { return answer(400, "<html>bad</html>"); },
      [] { return answer(409, R"({"code":"user_already_exists","message":"taken"})"); },
      [] { return answer(503, ""); },
      [] { return answer(200, std::string(200, '[') + std::string(200, ']')); },  // nested too deep
      []() -> HttpResponse { throw TransportError(TransportError::Reason::connect_failed, "refused"); },
  };
  for (std::size_t i = 0; i < answers.size(); ++i) {
    SCOPED_TRACE("answer " + std::to_string(i));
    Harness h([](Options& o) { o.retry.max_attempts = 2; });
    h.script->handler = [&](const HttpRequest&, int) { return std::optional<HttpResponse>(answers[i]()); };
    Completed done;
    h.caller->start(post("/users", Idempotency::creates), done.callback(h.engine->loop()));
    const Failure async_failure = done.failure();

    auto blocking = std::make_shared<test::ScriptedTransport>([&](const HttpRequest&, int) { return answers[i](); });
    ServiceClient sync(Options{.base_url = kBase, .retry = {.max_attempts = 2}, .transport = blocking}, "client-1",
                       [](milliseconds, const CancellationToken&) {});
    const Failure sync_failure = failure_of_call([&] { sync.call(post("/users", Idempotency::creates)); });
    EXPECT_EQ(async_failure.kind, sync_failure.kind);
    EXPECT_EQ(async_failure.status, sync_failure.status);
    EXPECT_EQ(async_failure.code, sync_failure.code);
    EXPECT_EQ(async_failure.what, sync_failure.what);
    EXPECT_EQ(async_failure.request_id, sync_failure.request_id);
    EXPECT_EQ(h.script->requests().size(), blocking->requests().size());
  }
}

TEST(AsyncCaller, ASafeCallIsRetriedOnTheLoopWithAFreshBearerEachTime) {
  Harness h;
  h.script->handler = [](const HttpRequest&, int index) {
    return index < 2 ? answer(503, "", {{"Retry-After", "0"}}) : answer(200, "{}");
  };
  std::atomic<int> tokens{0};
  ApiCall call = post("/manage/users/retrieve");
  call.bearer.reset();
  call.make_bearer = [&tokens] { return "token-" + std::to_string(++tokens); };
  Completed done;
  h.caller->start(std::move(call), done.callback(h.engine->loop()));
  EXPECT_EQ(done.answer().status, 200);
  const auto requests = h.script->requests();
  ASSERT_EQ(requests.size(), 3U);
  EXPECT_EQ(header_of(requests[0], "Authorization"), "Bearer token-1");
  EXPECT_EQ(header_of(requests[2], "Authorization"), "Bearer token-3");
  EXPECT_TRUE(h.logged("retrying in 0 ms (Retry-After)"));
}

TEST(AsyncCaller, ACreatingCallIsNotRepeatedOnceTheServerAnswered) {
  Harness h;
  h.script->handler = [](const HttpRequest&, int) { return answer(503, R"({"code":"internal_error","message":"x"})"); };
  Completed done;
  h.caller->start(post("/users", Idempotency::creates), done.callback(h.engine->loop()));
  EXPECT_EQ(done.failure().status, 503);
  EXPECT_EQ(h.script->requests().size(), 1U);
}

TEST(AsyncCaller, ARetryAfterBeyondTheDeadlineEndsTheCallAtOnce) {
  test::ManualClock clock;
  Harness h([&](Options& o) {
    o.clock = clock.as_clock();
    o.timeout = milliseconds(2'000);
  });
  h.script->handler = [](const HttpRequest&, int) { return answer(429, "", {{"Retry-After", "5"}}); };
  Completed done;
  h.caller->start(post("/codes/short/generate"), done.callback(h.engine->loop()));
  EXPECT_EQ(done.failure().status, 429);
  EXPECT_EQ(h.script->requests().size(), 1U);
  EXPECT_TRUE(h.logged("giving up: deadline"));
}

TEST(AsyncCaller, ABadCallFailsThroughItsCompletionAndSendsNothing) {
  Harness h;
  ApiCall call = post("no-slash");
  Completed done;
  h.caller->start(std::move(call), done.callback(h.engine->loop()));
  const Failure failure = done.failure();
  EXPECT_EQ(failure.kind, ErrorKind::invalid_argument);
  EXPECT_THAT(failure.what, HasSubstr("ApiCall::path"));
  EXPECT_TRUE(h.script->requests().empty());
}

// Waits until the transport holds `count` parked exchanges.
void wait_parked(const test::Script& script, std::size_t count) {
  const auto give_up = std::chrono::steady_clock::now() + kHangGuard;
  while (script.parked_count() < count && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_EQ(script.parked_count(), count);
}

TEST(AsyncCaller, CancellingAnExchangeAbortsItAndCompletesOnceWithCancelled) {
  Harness h;
  h.script->handler = [](const HttpRequest&, int) { return std::optional<HttpResponse>(); };  // parks
  Completed done;
  const auto id = h.caller->start(post("/codes/wait"), done.callback(h.engine->loop()));
  wait_parked(*h.script, 1);
  h.caller->cancel(id);
  const Failure failure = done.failure();
  EXPECT_EQ(failure.kind, ErrorKind::cancelled);
  EXPECT_THAT(failure.what, HasSubstr("POST /codes/wait: cancelled during the exchange"));
  EXPECT_EQ(h.script->cancelled_count(), 1);
  h.caller->cancel(id);  // again, after completion: nothing happens
  h.engine->run_and_wait([] {});
  EXPECT_EQ(done.count(), 1);
  EXPECT_EQ(h.caller->in_flight(), 0U);
}

TEST(AsyncCaller, CancellingTheWaitBeforeARetryDropsItsTimer) {
  Harness h([](Options& o) { o.timeout = milliseconds(600'000); });
  h.script->handler = [](const HttpRequest&, int) { return answer(503, "", {{"Retry-After", "300"}}); };
  Completed done;
  const auto id = h.caller->start(post("/codes/short/generate"), done.callback(h.engine->loop()));
  const auto give_up = std::chrono::steady_clock::now() + kHangGuard;
  while (!h.logged("retrying in 300000 ms") && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  h.caller->cancel(id);
  EXPECT_THAT(done.failure().what, HasSubstr("cancelled while waiting to retry"));
  std::size_t timers = 1;
  h.engine->run_and_wait([&] { timers = h.engine->loop().timer_count(); });
  EXPECT_EQ(timers, 0U);
  EXPECT_EQ(h.script->requests().size(), 1U);
}

// --- CallOptions on the async path: the same CallContext the blocking path resolves ------------

TEST(AsyncCaller, CancellingTheCallsTokenAbortsItsExchange) {
  Harness h;
  h.script->handler = [](const HttpRequest&, int) { return std::optional<HttpResponse>(); };
  CancellationSource source;
  Completed done;
  h.caller->start(post("/codes/wait"), h.service->context({.cancellation = source.token()}),
                  done.callback(h.engine->loop()));
  wait_parked(*h.script, 1);
  source.cancel();
  const Failure failure = done.failure();
  EXPECT_EQ(failure.kind, ErrorKind::cancelled);
  EXPECT_THAT(failure.what, HasSubstr("POST /codes/wait: cancelled during the exchange"));
  EXPECT_EQ(h.script->cancelled_count(), 1);
}

TEST(AsyncCaller, ATokenCancelledBeforeTheStartSendsNothing) {
  Harness h;
  CancellationSource source;
  source.cancel();
  Completed done;
  h.caller->start(post("/codes/wait"), h.service->context({.cancellation = source.token()}),
                  done.callback(h.engine->loop()));
  EXPECT_EQ(done.failure().kind, ErrorKind::cancelled);
  EXPECT_TRUE(h.script->requests().empty());
}

TEST(AsyncCaller, ADeadlineAlreadyPassedSendsNothingAndTimesOut) {
  Harness h;
  Completed done;
  const CallOptions options{.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1)};
  h.caller->start(post("/codes/wait"), h.service->context(options), done.callback(h.engine->loop()));
  const Failure failure = done.failure();
  EXPECT_EQ(failure.code, "timeout");
  EXPECT_TRUE(h.script->requests().empty());
}

TEST(AsyncCaller, TheCallsRetryOptionsReplaceTheClients) {
  Harness h;
  h.script->handler = [](const HttpRequest&, int) { return answer(503, "", {{"Retry-After", "0"}}); };
  Completed done;
  h.caller->start(post("/manage/users/retrieve"), h.service->context({.retry = RetryOptions{.max_attempts = 1}}),
                  done.callback(h.engine->loop()));
  EXPECT_EQ(done.failure().status, 503);
  EXPECT_EQ(h.script->requests().size(), 1U);
}

TEST(AsyncCaller, DestroyingTheCallerCompletesEveryCallInFlightExactlyOnceBeforeItReturns) {
  Harness h;
  h.script->handler = [](const HttpRequest&, int) { return std::optional<HttpResponse>(); };
  constexpr int kCalls = 20;
  std::vector<std::unique_ptr<Completed>> done;
  for (int i = 0; i < kCalls; ++i) {
    done.push_back(std::make_unique<Completed>());
    h.caller->start(post("/codes/wait"), done.back()->callback(h.engine->loop()));
  }
  wait_parked(*h.script, kCalls);
  h.caller.reset();
  for (auto& d : done) {
    EXPECT_EQ(d->count(), 1);  // already: the destructor waited for the completions
    EXPECT_EQ(d->failure().kind, ErrorKind::cancelled);
    EXPECT_THAT(d->failure().what, HasSubstr("because the client was destroyed"));
  }
  EXPECT_EQ(h.script->cancelled_count(), kCalls);
  EXPECT_EQ(h.script->parked_count(), 0U);
}

TEST(AsyncCaller, ACompletionMayDestroyItsCallerWhileOtherCallsAreInFlight) {
  Harness h;
  h.script->handler = [](const HttpRequest& request, int) {
    return request.url.ends_with("/fast") ? answer(200, "{}") : std::optional<HttpResponse>();
  };
  Completed slow_a;
  Completed slow_b;
  h.caller->start(post("/slow"), slow_a.callback(h.engine->loop()));
  h.caller->start(post("/slow"), slow_b.callback(h.engine->loop()));
  wait_parked(*h.script, 2);
  std::promise<void> destroyed;
  h.caller->start(post("/fast"), [&](CallOutcome) {
    h.caller.reset();  // on the loop thread, inside a completion
    destroyed.set_value();
  });
  ASSERT_EQ(destroyed.get_future().wait_for(kHangGuard), std::future_status::ready);
  EXPECT_EQ(slow_a.count(), 1);
  EXPECT_EQ(slow_b.count(), 1);
  EXPECT_EQ(slow_a.failure().kind, ErrorKind::cancelled);
}

TEST(AsyncCaller, ACompletionMayStartTheNextCall) {
  Harness h;
  Completed second;
  h.caller->start(post("/first"), [&](CallOutcome) {
    h.caller->start(post("/second"), second.callback(h.engine->loop()));
  });
  EXPECT_EQ(second.answer().status, 200);
  EXPECT_EQ(h.script->requests().size(), 2U);
}

TEST(AsyncCaller, TheLastOwnerOfTheEngineMayLetGoInsideACompletion) {
  auto script = std::make_shared<test::Script>();
  auto engine = std::make_shared<AsyncEngine>();
  auto service = std::make_shared<const ServiceClient>(
      Options{.base_url = kBase, .transport = std::make_shared<test::ScriptedTransport>()}, "client-1");
  auto caller = std::make_unique<AsyncCaller>(service, engine, test::scripted_transport(script));
  engine.reset();  // the caller holds the engine now
  std::promise<void> done;
  caller->start(post("/x"), [&](CallOutcome) {
    caller.reset();  // the caller, and with it the engine and its loop, go away on the loop thread
    done.set_value();
  });
  ASSERT_EQ(done.get_future().wait_for(kHangGuard), std::future_status::ready);
}

TEST(AsyncCaller, ManyThreadsStartAndCancelCallsAtOnceAndEachCompletesOnce) {
  Harness h;
  h.script->handler = [](const HttpRequest&, int index) {
    return index % 3 == 0 ? std::optional<HttpResponse>() : answer(200, "{}");
  };
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::vector<std::unique_ptr<Completed>> done(kThreads * kPerThread);
  for (auto& d : done) d = std::make_unique<Completed>();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto& d = *done[static_cast<std::size_t>(t * kPerThread + i)];
        const auto id = h.caller->start(post("/x"), d.callback(h.engine->loop()));
        if (i % 2 == 0) h.caller->cancel(id);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  // Parked calls that were not cancelled stay in flight until the caller goes.
  h.caller.reset();
  for (auto& d : done) EXPECT_EQ(d->count(), 1);
}

}  // namespace
}  // namespace loginid::detail
