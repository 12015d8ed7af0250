// The same handler against a GoogleMock mock of the client: the test decides exactly what each call
// returns or throws, and checks the calls made. (login_handler_test.cpp tests it against the fake
// service instead, where the SDK's own verification and error mapping run.)

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <loginid/loginid.hpp>
#include <loginid/testing/mock_client.hpp>

#include "login_handler.hpp"

namespace {

using ::testing::_;
using ::testing::Return;
using ::testing::Throw;

/// What wait_code returns once it has verified the user's token.
loginid::AuthResult login_of(const std::string& user_id) {
  loginid::AuthResult auth;
  auth.is_authenticated = true;
  auth.jwt = "header.payload.signature";
  auth.claims = loginid::Claims::from_json(R"({"sub":")" + user_id + R"(","udata":"alice"})");
  return auth;
}

TEST(LoginHandlerWithMock, AskForTheCodeOfTheUserAndKeepTheToken) {
  ::testing::StrictMock<loginid::testkit::MockClient> client;  // any call not expected fails the test
  EXPECT_CALL(client, wait_code(loginid::Username("alice"), std::string_view("123456"), loginid::CodeType::short_code, _, _))
      .WillOnce(Return(login_of("user-1")));
  const shop::LoginHandler handler{client};

  const shop::LoginOutcome outcome = handler.login_with_code("alice", "123456");
  EXPECT_TRUE(outcome.logged_in);
  EXPECT_EQ(outcome.user_id, "user-1");
  EXPECT_EQ(outcome.session, "header.payload.signature");
}

TEST(LoginHandlerWithMock, EachRefusalHasItsMessage) {
  loginid::testkit::MockClient client;
  EXPECT_CALL(client, wait_code(_, _, _, _, _))
      .WillOnce(Throw(loginid::ServiceError(408, loginid::ServiceCode::code_timeout, "not authorized in time")))
      .WillOnce(Throw(loginid::ServiceError(403, loginid::ServiceCode::user_inactive, "deactivated")))
      .WillOnce(Throw(loginid::ServiceError(500, loginid::ServiceCode::internal_error, "oops")));
  const shop::LoginHandler handler{client};
  EXPECT_EQ(handler.login_with_code("alice", "1").message, "The code expired. Ask for a new one.");
  EXPECT_EQ(handler.login_with_code("alice", "1").message, "This account is disabled.");
  EXPECT_EQ(handler.login_with_code("alice", "1").message, "Login failed. Try again later.");
}

TEST(LoginHandlerWithMock, SessionsAreCheckedForTheirUser) {
  loginid::testkit::MockClient client;
  EXPECT_CALL(client, verify_token(std::string_view("session"), std::optional(loginid::Username("alice")), _))
      .WillOnce(Return(true));
  const shop::LoginHandler handler{client};
  EXPECT_TRUE(handler.session_is_valid("session", "alice"));
}

}  // namespace
