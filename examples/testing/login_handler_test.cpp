// Unit tests of "your code" (login_handler.cpp) against the fake LoginID service: no network, no
// emulator, no LoginID account. Copy this file and its CMakeLists.txt as the start of your own.

#include <gtest/gtest.h>

#include <loginid/loginid.hpp>
#include <loginid/testing/fake_service.hpp>

#include "login_handler.hpp"

namespace {

using loginid::testkit::FakeService;

/// Each test gets a fresh fake and a real client pointed at it.
class LoginHandlerTest : public ::testing::Test {
 protected:
  FakeService fake;
  loginid::LoginID client{fake.client_id(), loginid::PrivateKey::generate(), fake.client_options()};
  shop::LoginHandler handler{client};
};

TEST_F(LoginHandlerTest, AnAuthorizedCodeLogsTheUserIn) {
  // Nothing scripted: the fake answers wait_code with a login for the username sent, and a user
  // token signed with its key, which the client verifies for real against the fake's /certs.
  const shop::LoginOutcome outcome = handler.login_with_code("alice", "123456");

  ASSERT_TRUE(outcome.logged_in) << outcome.message;
  EXPECT_EQ(outcome.user_id, FakeService::user_id_of("alice"));
  EXPECT_TRUE(handler.session_is_valid(outcome.session, "alice"));
  EXPECT_FALSE(handler.session_is_valid(outcome.session, "bob"));

  // What the handler sent.
  const auto sent = fake.requests("POST", "/authenticate/code/wait");
  ASSERT_EQ(sent.size(), 1U);
  const loginid::Claims body = loginid::testkit::json_body(sent[0]);
  EXPECT_EQ(body.get_string("username"), "alice");
  const loginid::Claims code = loginid::Claims::from_json(body.get_json("authentication_code").value_or("{}"));
  EXPECT_EQ(code.get_string("code"), "123456");
  EXPECT_EQ(code.get_string("type"), "short");
}

TEST_F(LoginHandlerTest, AnExpiredCodeAsksForANewOne) {
  fake.on("POST", "/authenticate/code/wait", FakeService::error(410, "code_expired", "the code expired"));
  const shop::LoginOutcome outcome = handler.login_with_code("alice", "123456");
  EXPECT_FALSE(outcome.logged_in);
  EXPECT_EQ(outcome.message, "The code expired. Ask for a new one.");
}

TEST_F(LoginHandlerTest, AWrongCodeSaysSo) {
  fake.on("POST", "/authenticate/code/wait", FakeService::error(400, "code_invalid", "wrong code"));
  EXPECT_EQ(handler.login_with_code("alice", "000000").message, "That code is not right.");
}

TEST_F(LoginHandlerTest, AnUnreachableServiceIsAMessageNotACrash) {
  fake.on_any([](const loginid::HttpRequest&) -> loginid::HttpResponse {
    throw loginid::TransportError(loginid::TransportError::Reason::connect_failed, "connection refused");
  });
  const shop::LoginOutcome outcome = handler.login_with_code("alice", "123456");
  EXPECT_FALSE(outcome.logged_in);
  EXPECT_EQ(outcome.message, "Login is unavailable right now. Try again in a minute.");
}

TEST_F(LoginHandlerTest, ATokenThatLoginIdDidNotSignIsNoSession) {
  FakeService impostor;  // another key: its tokens do not verify against this fake's /certs
  EXPECT_FALSE(handler.session_is_valid(impostor.user_token("alice"), "alice"));
  EXPECT_TRUE(handler.session_is_valid(fake.user_token("alice"), "alice"));
}

TEST_F(LoginHandlerTest, ASessionForAnotherApplicationIsRefused) {
  EXPECT_FALSE(handler.session_is_valid(fake.user_token({.username = "alice", .audience = "another-app"}), "alice"));
}

}  // namespace
