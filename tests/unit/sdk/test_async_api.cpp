// The public async API (loginid/async.hpp) on the testkit's FakeService (a client's own
// Options::transport, called on the loop thread): the same requests and results as the blocking
// functions, errors and bad arguments through the completion, completions on the loop thread, one
// runtime thread for several clients, a call started after its client is gone.

#include <gtest/gtest.h>

#include <future>
#include <string>

#include "loginid/async.hpp"
#include "loginid/loginid.hpp"
#include "loginid/testing/fake_service.hpp"

namespace loginid {
namespace {

using testkit::FakeService;

class AsyncApi : public ::testing::Test {
 protected:
  FakeService fake_;
  LoginID web_{fake_.client_id(), std::string{}, fake_.client_options()};
  LoginIdManagement mgmt_{fake_.client_id(), PrivateKey::generate().to_pem(), fake_.client_options()};
  AsyncRuntime runtime_;
};

TEST_F(AsyncApi, AResultAndItsRequestAreTheBlockingFunctions) {
  const AsyncLoginID async_web(web_, runtime_);
  const AuthResult blocking = web_.wait_code(Username("alice"), "123456", CodeType::short_code);
  const AuthResult async = async_web.wait_code(Username("alice"), "123456", CodeType::short_code).future().get();
  ASSERT_TRUE(async.jwt.has_value());
  EXPECT_TRUE(web_.verify_token(*async.jwt, Username("alice")));
  EXPECT_EQ(async.user, blocking.user);
  const auto requests = fake_.requests();
  ASSERT_GE(requests.size(), 2U);
  const auto& a = requests[requests.size() - 1];
  const auto& b = requests[requests.size() - 2];
  EXPECT_EQ(a.method, b.method);
  EXPECT_EQ(a.url, b.url);
  EXPECT_EQ(a.body, b.body);
}

TEST_F(AsyncApi, ARefusalIsTheBlockingFunctionsError) {
  fake_.on("POST", "/authenticate/code/wait", FakeService::error(410, "code_expired", "the code expired"));
  const AsyncLoginID async_web(web_, runtime_);
  auto future = async_web.wait_code(Username("alice"), "123456", CodeType::short_code).future();
  try {
    future.get();
    ADD_FAILURE() << "no error";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.code(), ServiceCode::code_expired);
    EXPECT_EQ(e.status(), 410);
  }
}

TEST_F(AsyncApi, ABadArgumentFailsThroughTheCompletionOnTheLoopAndSendsNothing) {
  const AsyncLoginIdManagement async_mgmt(mgmt_, runtime_);
  const auto sent = fake_.requests().size();
  std::promise<bool> on_loop;
  async_mgmt.get_user(Username("")).then([&](Outcome<User> user) {
    on_loop.set_value(runtime_.in_loop_thread() && !user.has_value());
  });
  EXPECT_TRUE(on_loop.get_future().get());
  EXPECT_THROW(async_mgmt.get_user(Username("")).future().get(), InvalidArgument);
  EXPECT_EQ(fake_.requests().size(), sent);
}

TEST_F(AsyncApi, ManagementCallsIncludingOneThatReturnsNothing) {
  const AsyncLoginIdManagement async_mgmt(mgmt_, runtime_);
  const User user = async_mgmt.add_user_without_credentials(Username("bob")).future().get();
  EXPECT_EQ(user.username, "bob");
  const CodeResult code =
      async_mgmt.generate_code(UserRef(UserId(user.id)), CodeType::short_code, CodePurpose::temporary_authentication)
          .future()
          .get();
  EXPECT_FALSE(code.code.empty());
  EXPECT_NO_THROW(async_mgmt.delete_by_user_id(UserId(user.id)).future().get());
}

TEST_F(AsyncApi, ACallStartedAfterItsClientIsGoneCompletesWithCancelled) {
  auto async_web = std::make_unique<AsyncLoginID>(web_, runtime_);
  auto call = async_web->wait_code(Username("alice"), "123456", CodeType::short_code);
  async_web.reset();
  EXPECT_THROW(std::move(call).future().get(), Cancelled);
}

TEST_F(AsyncApi, VerificationsGiveWhatTheBlockingOnesGive) {
  const AsyncLoginID async_web(web_, runtime_);
  const std::string token = fake_.user_token("alice");
  EXPECT_TRUE(async_web.verify_token(token, Username("alice")).future().get());
  EXPECT_FALSE(async_web.verify_token(token, Username("bob")).future().get());
  EXPECT_EQ(web_.verify_token(token, Username("bob")), false);
  EXPECT_EQ(async_web.verify_token_claims(token).future().get().username(), "alice");
  try {
    (void)async_web.verify_token_claims(token, Username("bob")).future().get();
    ADD_FAILURE() << "no error";
  } catch (const TokenError& e) {
    EXPECT_EQ(e.reason(), TokenErrc::username_mismatch);
  }
  EXPECT_THROW((void)async_web.verify_token_claims("not.a.token").future().get(), TokenError);
  EXPECT_EQ(fake_.certs_fetches(), 1U);  // the client's key cache: one fetch for the kid, both APIs
}

TEST_F(AsyncApi, TransactionVerificationsRecomputeTheHash) {
  const AsyncLoginID async_web(web_, runtime_);
  const std::string token = fake_.transaction_token("Pay 10 EUR to Bob", "nonce-1234567890");
  EXPECT_TRUE(async_web.verify_transaction(token, "Pay 10 EUR to Bob").future().get());
  EXPECT_FALSE(async_web.verify_transaction(token, "Pay 1000 EUR to Eve").future().get());
  EXPECT_TRUE(async_web.verify_transaction_claims(token, "Pay 10 EUR to Bob").future().get().contains("tx_hash"));
  try {
    (void)async_web.verify_transaction_claims(token, "Pay 1000 EUR to Eve").future().get();
    ADD_FAILURE() << "no error";
  } catch (const TokenError& e) {
    EXPECT_EQ(e.reason(), TokenErrc::tx_hash_mismatch);
  }
}

TEST_F(AsyncApi, AVerificationCompletesOnTheLoopAndACancelledOneWithCancelled) {
  const AsyncLoginID async_web(web_, runtime_);
  std::promise<bool> on_loop;
  async_web.verify_token(fake_.user_token("alice")).then([&](Outcome<bool> ok) {
    on_loop.set_value(runtime_.in_loop_thread() && ok.has_value() && ok.value());
  });
  EXPECT_TRUE(on_loop.get_future().get());
  CancellationSource cancel;
  cancel.cancel();
  CallOptions call;
  call.cancellation = cancel.token();
  EXPECT_THROW((void)async_web.verify_token(fake_.user_token("alice"), std::nullopt, call).future().get(), Cancelled);
}

TEST_F(AsyncApi, TheManagementTwinHasTheLoginIdTwinsAndGetUserId) {
  const AsyncLoginIdManagement async_mgmt(mgmt_, runtime_);
  EXPECT_EQ(async_mgmt.get_user_id(Username("carol")).future().get(), UserId(FakeService::user_id_of("carol")));
  EXPECT_EQ(mgmt_.get_user_id(Username("carol")), UserId(FakeService::user_id_of("carol")));
  EXPECT_TRUE(async_mgmt.verify_token(fake_.user_token("carol"), Username("carol")).future().get());
  const AuthResult auth = async_mgmt.wait_code(Username("carol"), "123456", CodeType::short_code).future().get();
  EXPECT_TRUE(auth.jwt.has_value());
}

}  // namespace
}  // namespace loginid
