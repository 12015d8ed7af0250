// Log a user in with a pre-authorized code and verify the user token a backend receives.
//   code_login <emulator credentials file>

#include <loginid/loginid.hpp>

#include "example_support.hpp"

int main(int argc, char** argv) try {
  const auto creds = example::load_credentials(argc, argv);
  const loginid::LoginIdManagement mgmt = example::management_client(creds);
  const loginid::LoginID web = example::web_client(creds);
  example::Steps steps;

  const loginid::Username username(example::unique_username("code-login"));
  (void)mgmt.add_user_without_credentials(username);
  const loginid::CodeResult code = mgmt.generate_code(username, loginid::CodeType::long_code,
                                                      loginid::CodePurpose::temporary_authentication, {.authorized = true});
  const loginid::AuthResult auth = web.wait_code(username, code);  // the code's text and type come with it
  steps.check(auth.jwt.has_value(), "wait_code gave a user token");

  std::error_code reason;
  const auto claims = web.verify_token_claims(auth.jwt.value_or(""), username, reason);
  steps.check(claims.has_value(), "verify_token_claims: " + (claims ? "sub=" + claims->subject().value_or("")
                                                                     : reason.message()));
  (void)mgmt.verify_token_claims(auth.jwt.value_or(""), std::nullopt, reason);
  steps.check(reason == loginid::TokenErrc::audience_mismatch, "another application gets: " + reason.message());
  mgmt.delete_by_username(username);
  return steps.exit_code();
} catch (const std::exception& e) {
  std::fprintf(stderr, "code_login failed: %s\n", e.what());
  return 1;
}
