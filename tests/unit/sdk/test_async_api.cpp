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

}  // namespace
}  // namespace loginid
