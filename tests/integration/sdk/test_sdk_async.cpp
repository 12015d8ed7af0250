// The public async API (loginid/async.hpp) against a real emulator: wait_code in each completion
// form (callback, future, co_await) answered with the right user's verified JWT; 1,000 concurrent
// wait_code calls parked on the one loop thread while the process's thread count stays where it
// was, each answered with its own user's JWT; errors as the blocking functions throw them; a
// parked wait cancelled through CallOptions; destroying the client with waits parked completes each
// once (Cancelled) before the destructor returns.

#include <sys/resource.h>

#include <gtest/gtest.h>

#include <atomic>
#include <coroutine>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "emulator_process.hpp"
#include "loginid/async.hpp"
#include "loginid/loginid.hpp"
#include "support/thread_count.hpp"

namespace loginid::test {
namespace {

constexpr auto kHangGuard = std::chrono::seconds(120);  // only a broken test waits this long

// 1,000 sockets and then some: the soft limit up to the hard one (a test never lowers it).
void allow_open_files(rlim_t wanted) {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < wanted) {
    limit.rlim_cur = std::min(wanted, limit.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

class AsyncSdk : public ::testing::Test {
 protected:
  AsyncSdk()
      : mgmt_(emulator_.client_id("management"), emulator_.private_key("management"), options()),
        web_(emulator_.client_id("web"), std::string{}, options()),
        async_mgmt_(mgmt_, runtime_),
        async_web_(std::make_unique<AsyncLoginID>(web_, runtime_)) {}

  Options options() const {
    Options o = emulator_.options();
    o.wait_timeout = std::chrono::seconds(60);
    return o;
  }

  // A user and a code for it, not yet authorized (through the async management client).
  CodeResult user_with_code(const std::string& name) {
    const User user = async_mgmt_.add_user_without_credentials(Username(name)).future().get();
    return async_mgmt_
        .generate_code(UserRef(UserId(user.id)), CodeType::short_code, CodePurpose::temporary_authentication)
        .future()
        .get();
  }

  void authorize(const std::string& name, const CodeResult& code) {
    async_mgmt_.authorize_code(UserRef(Username(name)), code).future().get();
  }

  void expect_jwt_of(const AuthResult& auth, const std::string& name) {
    ASSERT_TRUE(auth.jwt.has_value()) << name;
    EXPECT_TRUE(web_.verify_token(*auth.jwt, Username(name))) << name;
  }

  EmulatorProcess emulator_;
  LoginIdManagement mgmt_;
  LoginID web_;
  AsyncRuntime runtime_;
  AsyncLoginIdManagement async_mgmt_;
  std::unique_ptr<AsyncLoginID> async_web_;
};

// A coroutine type of the test's own: the SDK's awaitable needs nothing from it.
struct Detached {
  struct promise_type {
    Detached get_return_object() { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { std::terminate(); }
  };
};

Detached wait_in_coroutine(const AsyncLoginID& web, std::string name, CodeResult code, std::promise<AuthResult>& out) {
  try {
    out.set_value(co_await web.wait_code(Username(name), code));
  } catch (...) {
    out.set_exception(std::current_exception());
  }
}

TEST_F(AsyncSdk, WaitCodeInEachFormGetsTheUsersVerifiedJwt) {
  const auto a = user_with_code("callback@example.com");
  const auto b = user_with_code("future@example.com");
  const auto c = user_with_code("coroutine@example.com");

  std::promise<AuthResult> by_callback;
  async_web_->wait_code(Username("callback@example.com"), a).then([&](Outcome<AuthResult> auth) {
    if (auth) {
      by_callback.set_value(std::move(auth).value());
    } else {
      by_callback.set_exception(auth.error());
    }
  });
  auto by_future = async_web_->wait_code(Username("future@example.com"), b).future();
  std::promise<AuthResult> by_coroutine;
  wait_in_coroutine(*async_web_, "coroutine@example.com", c, by_coroutine);

  authorize("callback@example.com", a);
  authorize("future@example.com", b);
  authorize("coroutine@example.com", c);
  auto first = by_callback.get_future();
  auto third = by_coroutine.get_future();
  ASSERT_EQ(first.wait_for(kHangGuard), std::future_status::ready);
  ASSERT_EQ(by_future.wait_for(kHangGuard), std::future_status::ready);
  ASSERT_EQ(third.wait_for(kHangGuard), std::future_status::ready);
  expect_jwt_of(first.get(), "callback@example.com");
  expect_jwt_of(by_future.get(), "future@example.com");
  expect_jwt_of(third.get(), "coroutine@example.com");
}

TEST_F(AsyncSdk, AThousandConcurrentWaitsCostNoThreadAndEachGetsItsOwnJwt) {
  constexpr int kWaits = 1000;
  allow_open_files(4 * kWaits);
  std::vector<std::string> names;
  std::vector<CodeResult> codes;
  for (int i = 0; i < kWaits; ++i) {
    names.push_back("many-" + std::to_string(i) + "@example.com");
    codes.push_back(user_with_code(names.back()));
  }
  const std::size_t threads_before = thread_count();
  std::vector<std::future<AuthResult>> waits;
  for (int i = 0; i < kWaits; ++i) {
    const auto n = static_cast<std::size_t>(i);
    waits.push_back(async_web_->wait_code(Username(names[n]), codes[n]).future());
  }
  // No code is authorized yet: all 1,000 are in flight on the loop, and no thread was added.
  EXPECT_EQ(async_web_->in_flight(), static_cast<std::size_t>(kWaits));
  EXPECT_EQ(thread_count(), threads_before);

  for (int i = kWaits - 1; i >= 0; --i) {  // in the reverse order: answers must not cross
    const auto n = static_cast<std::size_t>(i);
    authorize(names[n], codes[n]);
  }
  int answered = 0;
  for (int i = 0; i < kWaits; ++i) {
    const auto n = static_cast<std::size_t>(i);
    ASSERT_EQ(waits[n].wait_for(kHangGuard), std::future_status::ready);
    const AuthResult auth = waits[n].get();
    if (auth.jwt && web_.verify_token(*auth.jwt, Username(names[n]))) ++answered;
  }
  EXPECT_EQ(answered, kWaits);
  EXPECT_LE(thread_count(), threads_before);
}

TEST_F(AsyncSdk, ErrorsAreTheBlockingFunctionsErrors) {
  auto missing = async_mgmt_.get_user(Username("nobody@example.com")).future();
  std::string async_what;
  try {
    missing.get();
  } catch (const ServiceError& e) {
    async_what = e.what();
    EXPECT_EQ(e.code(), ServiceCode::not_found);
  }
  std::string sync_what;
  try {
    static_cast<void>(mgmt_.get_user(Username("nobody@example.com")));
  } catch (const ServiceError& e) {
    sync_what = e.what();
  }
  EXPECT_FALSE(async_what.empty());
  EXPECT_EQ(async_what, sync_what);

  // A bad argument: InvalidArgument through the completion, nothing sent.
  auto bad = async_web_->wait_code(Username("x@example.com"), "", CodeType::short_code).future();
  EXPECT_THROW(bad.get(), InvalidArgument);
}

TEST_F(AsyncSdk, AParkedWaitIsCancelledThroughItsCallOptions) {
  const auto code = user_with_code("cancelled@example.com");
  CancellationSource cancel;
  auto wait = async_web_->wait_code(Username("cancelled@example.com"), code, {}, {.cancellation = cancel.token()})
                  .future();
  cancel.cancel();
  ASSERT_EQ(wait.wait_for(kHangGuard), std::future_status::ready);
  EXPECT_THROW(wait.get(), Cancelled);
  EXPECT_EQ(async_web_->in_flight(), 0U);
}

TEST_F(AsyncSdk, DestroyingTheClientCompletesItsParkedWaitsBeforeItReturns) {
  constexpr int kWaits = 5;
  std::vector<std::future<AuthResult>> waits;
  for (int i = 0; i < kWaits; ++i) {
    const std::string name = "dropped-" + std::to_string(i) + "@example.com";
    waits.push_back(async_web_->wait_code(Username(name), user_with_code(name)).future());
  }
  async_web_.reset();
  for (auto& wait : waits) {
    ASSERT_EQ(wait.wait_for(std::chrono::seconds(0)), std::future_status::ready);
    EXPECT_THROW(wait.get(), Cancelled);
  }
}

}  // namespace
}  // namespace loginid::test
