// User management: create, look up, deactivate, activate, delete; and what errors look like.
//   manage_users <emulator credentials file>

#include <loginid/loginid.hpp>

#include "example_support.hpp"

int main(int argc, char** argv) try {
  const auto creds = example::load_credentials(argc, argv);
  const loginid::LoginIdManagement mgmt = example::management_client(creds);
  example::Steps steps;

  const loginid::Username username(example::unique_username("manage"));
  const loginid::User user = mgmt.add_user_without_credentials(username);
  const loginid::UserId user_id(user.id);  // results hold text; calls take typed values
  steps.check(mgmt.get_user(username).id == user.id, "get_user(" + username.str() + ") -> " + user.id);
  steps.expect_error(loginid::ServiceCode::user_already_exists, "usernames are unique",
                     [&] { (void)mgmt.add_user_without_credentials(username); });
  steps.check(mgmt.deactivate_user(user_id).status == loginid::UserStatus::inactive, "deactivate_user");
  steps.check(mgmt.activate_user(user_id).status == loginid::UserStatus::active, "activate_user");
  mgmt.delete_by_username(username);
  steps.expect_error(loginid::ServiceCode::not_found, "deleted", [&] { (void)mgmt.get_user(username); });
  try {
    (void)mgmt.get_user(loginid::Username(""));
    steps.check(false, "an empty username is refused locally");
  } catch (const loginid::InvalidArgument& e) {
    steps.check(true, std::string("refused locally: ") + e.what());
  }
  return steps.exit_code();
} catch (const std::exception& e) {
  std::fprintf(stderr, "manage_users failed: %s\n", e.what());
  return 1;
}
