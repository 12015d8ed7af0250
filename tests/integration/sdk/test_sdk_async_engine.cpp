// The async engine (issue 12, step 1) against a real emulator: users, codes and authorizations
// through AsyncCaller with service tokens made per attempt; wait_code long polls parked on the one
// loop thread (the process gains no thread for them), each answered, after its code is authorized,
// with a JWT that verifies for the right user; a parked long poll cancelled. The emulator parks at
// most --max-waiters (32 by default) waits: the 1,000-wait test comes with the public async API.


#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "emulator_process.hpp"
#include "loginid/error.hpp"
#include "loginid/keys.hpp"
#include "sdk/async/async_caller.hpp"
#include "sdk/client_state.hpp"
#include "support/thread_count.hpp"

namespace loginid::test {
namespace {

using detail::ApiCall;
using detail::ApiResponse;
using detail::AsyncCaller;
using detail::CallOutcome;

constexpr auto kHangGuard = std::chrono::seconds(60);  // only a broken test waits this long

std::future<CallOutcome> start(AsyncCaller& caller, ApiCall call) {
  auto promise = std::make_shared<std::promise<CallOutcome>>();
  auto future = promise->get_future();
  caller.start(std::move(call), [promise](CallOutcome outcome) { promise->set_value(std::move(outcome)); });
  return future;
}

ApiResponse answer_of(std::future<CallOutcome>& future) {
  EXPECT_EQ(future.wait_for(kHangGuard), std::future_status::ready);
  auto outcome = future.get();
  if (auto* error = std::get_if<std::exception_ptr>(&outcome)) std::rethrow_exception(*error);
  return std::get<ApiResponse>(std::move(outcome));
}

// A management call authorized by a fresh service token for `scope` per attempt, as
// ClientState::call_scoped makes it.
ApiCall scoped(const detail::ClientState& state, std::string path, nlohmann::json body, std::string scope) {
  ApiCall call;
  call.method = "POST";
  call.path = std::move(path);
  call.body = std::move(body);
  call.idempotency = detail::Idempotency::creates;
  call.make_bearer = [&state, scope = std::move(scope)] { return state.request_token(scope); };
  return call;
}

ApiCall wait_call(const std::string& client_id, const std::string& username, const std::string& code) {
  ApiCall call;
  call.method = "POST";
  call.path = "/authenticate/code/wait";
  call.body = nlohmann::json{{"client_id", client_id},
                             {"username", username},
                             {"authentication_code", {{"code", code}, {"type", "short"}}}};
  call.idempotency = detail::Idempotency::creates;
  call.timeout = std::chrono::seconds(25);  // inside the emulator's 30 s hold: the answer is the authorization
  return call;
}

class AsyncEngineAgainstEmulator : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto options = emulator_.options();
    mgmt_ = detail::make_client_state(emulator_.client_id("management"),
                                      PrivateKey::from_pem(emulator_.private_key("management")), options);
    web_ = detail::make_client_state(emulator_.client_id("web"), std::nullopt, options);
    engine_ = std::make_shared<detail::AsyncEngine>();
    mgmt_calls_ = std::make_unique<AsyncCaller>(mgmt_->service, engine_, AsyncCaller::curl({}));
    web_calls_ = std::make_unique<AsyncCaller>(web_->service, engine_, AsyncCaller::curl({}));
  }

  // Creates a user and a short code for it (not yet authorized), through the engine.
  std::string user_with_code(const std::string& username) {
    auto user = start(*mgmt_calls_, scoped(*mgmt_, "/manage/users", {{"username", username}}, "users.create"));
    const std::string user_id = answer_of(user).json.at("id");
    auto code = start(*mgmt_calls_, scoped(*mgmt_, "/codes/short/generate",
                                           {{"client_id", mgmt_->client_id},
                                            {"purpose", "temporary_authentication"},
                                            {"authorize", false},
                                            {"user_id", user_id}},
                                           "codes.generate"));
    return answer_of(code).json.at("code");
  }

  std::future<CallOutcome> authorize(const std::string& username, const std::string& code) {
    return start(*mgmt_calls_, scoped(*mgmt_, "/codes/short/authorize",
                                      {{"client_id", mgmt_->client_id},
                                       {"purpose", "temporary_authentication"},
                                       {"code", code},
                                       {"username", username}},
                                      "codes.authorize"));
  }

  EmulatorProcess emulator_;
  std::shared_ptr<const detail::ClientState> mgmt_;
  std::shared_ptr<const detail::ClientState> web_;
  std::shared_ptr<detail::AsyncEngine> engine_;
  std::unique_ptr<AsyncCaller> mgmt_calls_;
  std::unique_ptr<AsyncCaller> web_calls_;
};

TEST_F(AsyncEngineAgainstEmulator, ParkedWaitsCostNoThreadAndEachGetsItsOwnUsersJwt) {
  constexpr int kWaits = 20;  // under the emulator's default --max-waiters (32)
  std::vector<std::string> names;
  std::vector<std::string> codes;
  for (int i = 0; i < kWaits; ++i) {
    names.push_back("async-" + std::to_string(i) + "@example.com");
    codes.push_back(user_with_code(names.back()));
  }
  const std::size_t threads_before = thread_count();
  std::vector<std::future<CallOutcome>> waits;
  for (int i = 0; i < kWaits; ++i) {
    const auto n = static_cast<std::size_t>(i);
    waits.push_back(start(*web_calls_, wait_call(web_->client_id, names[n], codes[n])));
  }
  // None can be answered before its code is authorized: all are in flight on the loop now.
  EXPECT_EQ(web_calls_->in_flight(), static_cast<std::size_t>(kWaits));
  EXPECT_EQ(thread_count(), threads_before);

  std::vector<std::future<CallOutcome>> authorizations;
  for (int i = kWaits - 1; i >= 0; --i) {  // in the reverse order: answers must not cross
    const auto n = static_cast<std::size_t>(i);
    authorizations.push_back(authorize(names[n], codes[n]));
  }
  for (auto& a : authorizations) answer_of(a);
  for (int i = 0; i < kWaits; ++i) {
    const auto n = static_cast<std::size_t>(i);
    const ApiResponse answer = answer_of(waits[n]);
    const std::string jwt = answer.json.at("jwt");
    std::error_code ec;
    const auto claims = web_->verifier->verify(jwt, {web_->client_id, names[n]}, ec);
    EXPECT_TRUE(claims.has_value()) << names[n] << ": " << ec.message();
  }
}

TEST_F(AsyncEngineAgainstEmulator, AParkedWaitIsCancelled) {
  const std::string code = user_with_code("cancel-me@example.com");
  auto promise = std::make_shared<std::promise<CallOutcome>>();
  auto future = promise->get_future();
  const auto id = web_calls_->start(wait_call(web_->client_id, "cancel-me@example.com", code),
                                    [promise](CallOutcome o) { promise->set_value(std::move(o)); });
  web_calls_->cancel(id);
  ASSERT_EQ(future.wait_for(kHangGuard), std::future_status::ready);
  auto outcome = future.get();
  ASSERT_TRUE(std::holds_alternative<std::exception_ptr>(outcome));
  EXPECT_THROW(std::rethrow_exception(std::get<std::exception_ptr>(outcome)), Cancelled);
  EXPECT_EQ(web_calls_->in_flight(), 0U);
}

}  // namespace
}  // namespace loginid::test
