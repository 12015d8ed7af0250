// The mockable client interfaces (issue 16, finding 6): LoginID and LoginIdManagement implement
// ClientInterface and ManagementInterface, the gmock mocks of <loginid/testing/mock_client.hpp>
// stand in for them, and code written against an interface runs with either.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <type_traits>

#include "loginid/loginid.hpp"
#include "loginid/testing/fake_service.hpp"
#include "loginid/testing/mock_client.hpp"

namespace {

using ::testing::_;
using ::testing::Return;
using ::testing::Throw;

static_assert(std::is_abstract_v<loginid::ClientInterface> && std::is_abstract_v<loginid::ManagementInterface>);
static_assert(std::is_base_of_v<loginid::ClientInterface, loginid::LoginID>);
static_assert(std::is_base_of_v<loginid::ManagementInterface, loginid::LoginIdManagement>);
static_assert(std::is_base_of_v<loginid::ClientInterface, loginid::ManagementInterface>);
static_assert(std::has_virtual_destructor_v<loginid::ClientInterface>);
static_assert(!std::is_copy_constructible_v<loginid::ClientInterface> && !std::is_copy_assignable_v<loginid::ClientInterface>,
              "copying through the interface would slice");
static_assert(std::is_copy_constructible_v<loginid::LoginIdManagement> && std::is_nothrow_move_constructible_v<loginid::LoginID>,
              "the clients stay cheap value types");

/// "User code" written against the interfaces.
bool session_ok(const loginid::ClientInterface& client, const std::string& token) {
  return client.verify_token(token, loginid::Username("alice"));
}
std::string deactivate(const loginid::ManagementInterface& mgmt, const std::string& username) {
  const loginid::User user = mgmt.get_user(loginid::Username(username));
  return mgmt.deactivate_user(loginid::UserId(user.id)).status.to_string();
}

TEST(MockClient, StandsInForLoginId) {
  loginid::testkit::MockClient client;
  EXPECT_CALL(client, verify_token(std::string_view("good"), std::optional(loginid::Username("alice")), _))
      .WillOnce(Return(true));
  EXPECT_CALL(client, verify_token(std::string_view("bad"), _, _)).WillOnce(Return(false));
  EXPECT_TRUE(session_ok(client, "good"));
  EXPECT_FALSE(session_ok(client, "bad"));
}

TEST(MockManagement, StandsInForLoginIdManagementAndForTheClient) {
  loginid::testkit::MockManagement mgmt;
  loginid::User alice;
  alice.id = "8d3c6a64-8a3f-4d55-9d6e-3b1a0c0f0e01";
  loginid::User inactive = alice;
  inactive.status = loginid::UserStatus::inactive;
  EXPECT_CALL(mgmt, get_user(loginid::Username("alice"), _)).WillOnce(Return(alice));
  EXPECT_CALL(mgmt, deactivate_user(loginid::UserId(alice.id), _)).WillOnce(Return(inactive));
  EXPECT_EQ(deactivate(mgmt, "alice"), "inactive");

  EXPECT_CALL(mgmt, get_user(loginid::Username("ghost"), _))
      .WillOnce(Throw(loginid::ServiceError(404, loginid::ServiceCode::not_found, "no such user")));
  EXPECT_THROW((void)deactivate(mgmt, "ghost"), loginid::ServiceError);

  EXPECT_CALL(mgmt, verify_token(_, _, _)).WillOnce(Return(true));
  EXPECT_TRUE(session_ok(mgmt, "any")) << "a ManagementInterface is a ClientInterface";
}

TEST(ClientInterfaces, TheRealClientsRunTheSameUserCode) {
  loginid::testkit::FakeService fake;
  const loginid::LoginIdManagement mgmt(fake.client_id(), loginid::PrivateKey::generate(), fake.client_options());
  EXPECT_TRUE(session_ok(mgmt, fake.user_token("alice")));
  EXPECT_FALSE(session_ok(mgmt, fake.user_token("bob")));
  EXPECT_EQ(deactivate(mgmt, "alice"), "inactive");
  EXPECT_EQ(fake.requests().size(), 2U) << "get_user and deactivate_user went to the service";
  const loginid::LoginID copy = mgmt;  // a copy of the concrete class keeps working through the interface
  EXPECT_TRUE(session_ok(copy, fake.user_token("alice")));
}

}  // namespace
