// loginid::AsyncCall's three completion forms (callback, std::future, co_await in a coroutine type
// that knows nothing of the SDK), with completions from another thread and inline, values and
// errors; Outcome; MoveOnlyFunction holding what cannot be copied.

#include <gtest/gtest.h>

#include <coroutine>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "loginid/async_call.hpp"
#include "loginid/error.hpp"

namespace loginid {
namespace {

constexpr auto kHangGuard = std::chrono::seconds(30);

// A call that completes on a thread of its own, later (as the loop does).
AsyncCall<std::string> later(std::string value, std::shared_ptr<std::thread>& thread) {
  return AsyncCall<std::string>([value = std::move(value), &thread](AsyncCall<std::string>::Completion done) mutable {
    thread = std::make_shared<std::thread>([value = std::move(value), done = std::move(done)]() mutable {
      done(Outcome<std::string>(std::move(value)));
    });
  });
}

// A call that fails at once, inside the start (the rule's one exception, e.g. in a forked child).
AsyncCall<std::string> failing_inline() {
  return AsyncCall<std::string>([](AsyncCall<std::string>::Completion done) {
    done(Outcome<std::string>(std::make_exception_ptr(Cancelled("GET /x: cancelled"))));
  });
}

TEST(AsyncCall, ThenRunsTheCompletionOnceWithTheValue) {
  std::shared_ptr<std::thread> thread;
  std::promise<std::string> got;
  later("alice", thread).then([&](Outcome<std::string> outcome) { got.set_value(outcome.value()); });
  auto future = got.get_future();
  ASSERT_EQ(future.wait_for(kHangGuard), std::future_status::ready);
  EXPECT_EQ(future.get(), "alice");
  thread->join();
}

TEST(AsyncCall, FutureHoldsTheValueOrTheError) {
  std::shared_ptr<std::thread> thread;
  auto value = later("bob", thread).future();
  ASSERT_EQ(value.wait_for(kHangGuard), std::future_status::ready);
  EXPECT_EQ(value.get(), "bob");
  thread->join();

  auto error = failing_inline().future();
  EXPECT_THROW(error.get(), Cancelled);
}

TEST(AsyncCall, OutcomeRethrowsTheErrorAsItsOwnType) {
  Outcome<int> failed(std::make_exception_ptr(Cancelled("x")));
  EXPECT_FALSE(failed.has_value());
  EXPECT_TRUE(failed.error() != nullptr);
  EXPECT_THROW(static_cast<void>(failed.value()), Cancelled);
  Outcome<int> ok(7);
  EXPECT_TRUE(ok);
  EXPECT_EQ(ok.value(), 7);
  EXPECT_TRUE(ok.error() == nullptr);
}

// The smallest coroutine type a user might have: starts at once, reports its end through a promise
// of the test. It knows nothing of loginid; co_await on an AsyncCall needs nothing from it.
struct Task {
  struct promise_type {
    Task get_return_object() { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { std::terminate(); }
  };
};

Task await_one(AsyncCall<std::string> call, std::promise<std::string>& result) {
  try {
    result.set_value(co_await std::move(call));
  } catch (const Error& e) {
    result.set_value(std::string("error: ") + e.what());
  }
}

TEST(AsyncCall, CoAwaitResumesWithTheValueWhenItCompletesLater) {
  std::shared_ptr<std::thread> thread;
  std::promise<std::string> result;
  await_one(later("carol", thread), result);
  auto future = result.get_future();
  ASSERT_EQ(future.wait_for(kHangGuard), std::future_status::ready);
  EXPECT_EQ(future.get(), "carol");
  thread->join();
}

TEST(AsyncCall, CoAwaitThrowsTheErrorAlsoWhenTheCallCompletedInsideItsStart) {
  std::promise<std::string> result;
  await_one(failing_inline(), result);  // completed before await_suspend returned: no suspension
  auto future = result.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(future.get(), "error: GET /x: cancelled");
}

TEST(AsyncCall, ACallStartsOnceAndNotAtAllWhenDropped) {
  int starts = 0;
  {
    AsyncCall<int> dropped([&](AsyncCall<int>::Completion) { ++starts; });
  }
  EXPECT_EQ(starts, 0);
  AsyncCall<int> call([&](AsyncCall<int>::Completion done) {
    ++starts;
    done(Outcome<int>(1));
  });
  std::move(call).then([](Outcome<int>) {});
  EXPECT_EQ(starts, 1);
  EXPECT_THROW(std::move(call).then([](Outcome<int>) {}), std::logic_error);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(starts, 1);
}

Task await_void(AsyncCall<void> call, std::promise<std::string>& result) {
  co_await std::move(call);
  result.set_value("done");
}

TEST(AsyncCall, ACallOfNothingCompletesInEachForm) {
  const auto ok = [] { return AsyncCall<void>([](AsyncCall<void>::Completion done) { done(Outcome<void>()); }); };
  auto future = ok().future();
  EXPECT_NO_THROW(future.get());
  std::promise<std::string> awaited;
  await_void(ok(), awaited);
  EXPECT_EQ(awaited.get_future().get(), "done");
  bool called = false;
  ok().then([&](Outcome<void> outcome) { called = outcome.has_value(); });
  EXPECT_TRUE(called);
  auto failed = AsyncCall<void>([](AsyncCall<void>::Completion done) {
                  done(Outcome<void>(std::make_exception_ptr(Cancelled("x"))));
                }).future();
  EXPECT_THROW(failed.get(), Cancelled);
}

TEST(MoveOnlyFunction, HoldsWhatCannotBeCopied) {
  auto owned = std::make_unique<int>(41);
  MoveOnlyFunction<int(int)> add([owned = std::move(owned)](int x) { return *owned + x; });
  MoveOnlyFunction<int(int)> moved = std::move(add);
  EXPECT_FALSE(add);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(moved(1), 42);
}

}  // namespace
}  // namespace loginid
