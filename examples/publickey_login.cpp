// Public-key credentials: register a user's P-256 key, log in by signing a challenge, revoke.
//   publickey_login <emulator credentials file>

#include <loginid/loginid.hpp>

#include "example_support.hpp"

int main(int argc, char** argv) try {
  const auto creds = example::load_credentials(argc, argv);
  const loginid::LoginIdManagement mgmt = example::management_client(creds);
  const loginid::LoginID web = example::web_client(creds);
  example::Steps steps;

  const loginid::Username username(example::unique_username("pubkey"));
  const loginid::User user = mgmt.add_user_without_credentials(username);
  const loginid::UserId user_id(user.id);
  const loginid::PrivateKey device_key = loginid::PrivateKey::generate();  // lives on the user's device
  const std::string device_pem = device_key.public_key().to_pem();

  const loginid::AuthResult added = mgmt.add_publickey_credential(user_id, device_pem, "Build server");
  const std::string cred_id = added.credential ? added.credential->uuid : std::string();
  steps.check(!cred_id.empty(), "add_publickey_credential -> credential " + cred_id);

  const loginid::PublicKeyChallenge challenge = web.authenticate_publickey_init(username, device_pem);
  const std::string assertion = loginid::LoginID::make_publickey_assertion(device_key, challenge.server_nonce);
  const loginid::AuthResult auth = web.authenticate_publickey_complete(username, challenge, assertion);
  steps.check(auth.jwt.has_value() && web.verify_token(*auth.jwt, username), "logged in with the signed challenge");

  (void)mgmt.revoke_credential(user_id, loginid::CredentialId(cred_id));
  steps.expect_error(loginid::ServiceCode::not_found, "a revoked key cannot start a login",
                     [&] { (void)web.authenticate_publickey_init(username, device_pem); });
  mgmt.delete_by_user_id(user_id);
  return steps.exit_code();
} catch (const std::exception& e) {
  std::fprintf(stderr, "publickey_login failed: %s\n", e.what());
  return 1;
}
