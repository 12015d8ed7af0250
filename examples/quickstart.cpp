// The LoginID C++ SDK, end to end, against a local loginid-emulator:
//   create a user -> generate + authorize a code -> wait_code gives a user token -> verify_token
//   -> register a credential (as the user would) -> list / rename / revoke it
//   -> create a transaction -> the user confirms it -> verify_transaction
//   -> deactivate / activate the user -> delete it.
// Exits 0 only if every step did what it should.
//
//   loginid-emulator --port 0 --db /tmp/demo.db --credentials-out /tmp/creds.json &
//   quickstart /tmp/creds.json

#include <future>
#include <string>

#include <loginid/loginid.hpp>

#include "example_support.hpp"

int main(int argc, char** argv) try {
  const example::Credentials creds = example::load_credentials(argc, argv);
  const loginid::Options options = example::options_for(creds);
  // The backend's two clients: management functions, and the web application users log into.
  const loginid::LoginIdManagement mgmt(creds.management_client_id, creds.management_key, options);
  const loginid::LoginID web(creds.web_client_id, creds.web_key, options);
  example::Steps steps;
  std::printf("LoginID quickstart against %s\n", web.base_url().c_str());

  // 1. A user.
  // Usernames and user ids are typed: neither can be passed where the other (or a code) belongs.
  const std::string username = example::unique_username("quickstart");
  const loginid::Username name(username);
  const loginid::User user = mgmt.add_user_without_credentials(name);
  const loginid::UserId user_id(user.id);
  steps.check(user.username == username && user.is_active(), "created user " + username + " (id " + user.id + ")");
  steps.check(mgmt.get_user_id(name) == user_id, "get_user_id finds the same id");

  // 2. A login with a code: the code is shown to the user, approved elsewhere, and the waiting
  //    backend receives the user token.
  const auto tmp = loginid::CodePurpose::temporary_authentication;
  const loginid::CodeResult code = mgmt.generate_code(name, loginid::CodeType::short_code, tmp);
  steps.check(code.code.size() == 6 && !code.is_authorized, "generated short code " + code.code);
  // The CodeResult carries its type and purpose: handed on whole, nothing can be mismatched.
  auto waiting = std::async(std::launch::async, [&] { return web.wait_code(name, code); });
  const loginid::AuthorizeResult authorized = mgmt.authorize_code(name, code);
  steps.check(authorized.is_authorized, "authorized the code");
  const loginid::AuthResult auth = waiting.get();
  steps.check(auth.is_authenticated && auth.jwt.has_value(), "wait_code returned a user token (verified by the SDK)");

  // 3. Verify the token as a backend would on each request.
  const std::string jwt = auth.jwt.value_or("");
  steps.check(web.verify_token(jwt, name), "verify_token accepts it for " + username);
  steps.check(!web.verify_token(jwt, loginid::Username("someone-else@example.com")), "verify_token refuses it for another username");
  steps.check(!mgmt.verify_token(jwt), "verify_token refuses it for another application (audience)");

  // 4. Credentials: the user registers a passkey (the emulator acts as the user's device).
  const auto added = example::admin_call(creds, "/emulator/users/" + user.id + "/credentials",
                                         {{"name", "My phone"}, {"type", "fido2"}});
  const std::string cred_id = added.at("uuid");
  const loginid::CredentialList list = mgmt.get_credentials(user_id);
  steps.check(list.credentials.size() == 1 && list.credentials[0].uuid == cred_id,
              "get_credentials lists the new credential '" + list.credentials.at(0).name + "'");
  const loginid::CredentialResult renamed = mgmt.rename_credential(user_id, loginid::CredentialId(cred_id), "Work phone");
  steps.check(renamed.credential.name == "Work phone", "rename_credential -> 'Work phone'");
  const loginid::CredentialResult revoked = mgmt.revoke_credential(user_id, loginid::CredentialId(cred_id));
  steps.check(revoked.credential.status == loginid::CredentialStatus::revoked, "revoke_credential -> status revoked");

  // 5. A transaction the user confirms; the backend checks the confirmation matches its payload.
  const std::string payload = R"({"pay":"10.00 EUR","to":"Bob"})";
  const std::string tx_id = web.create_transaction(payload).id;
  steps.check(!tx_id.empty(), "create_transaction -> " + tx_id);
  const std::string tx_token = example::admin_call(creds, "/emulator/tx/" + tx_id + "/confirm").at("token");
  steps.check(web.verify_transaction(tx_token, payload), "verify_transaction accepts the confirmed payload");
  steps.check(!web.verify_transaction(tx_token, R"({"pay":"9999.00 EUR","to":"Eve"})"),
              "verify_transaction refuses a different payload");

  // 6. Deactivate (no more logins), activate, delete.
  steps.check(!mgmt.deactivate_user(user_id).is_active(), "deactivate_user");
  const loginid::CodeResult blocked = mgmt.generate_code(user_id, loginid::CodeType::short_code, tmp, {.authorized = true});
  steps.expect_error(loginid::ServiceCode::user_inactive, "an inactive user cannot log in",
                     [&] { (void)web.wait_code(name, blocked); });
  steps.check(mgmt.activate_user(user_id).is_active(), "activate_user");
  mgmt.delete_by_user_id(user_id);
  steps.expect_error(loginid::ServiceCode::not_found, "deleted user is gone", [&] { (void)mgmt.get_user(name); });
  return steps.exit_code();
} catch (const std::exception& e) {
  std::fprintf(stderr, "quickstart failed: %s\n", e.what());
  return 1;
}
