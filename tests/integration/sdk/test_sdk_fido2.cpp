// The tokens the emulator issues at the end of its FIDO2 flows are the ones the SDK accepts: a
// passkey login's user token passes verify_token, and a transaction confirmed by signing its hash
// with a passkey passes verify_transaction (API.md: the WebAuthn challenge is the tx hash). The
// page's side is played over HTTP with the tests' software authenticator.
//
// Then the backend-relayed flows through the SDK's own FIDO2 functions: register, log in, add a
// passkey with a code, force-add one from the management application, each JWT verified by the SDK,
// and the service's refusals surfacing as loginid::Error.

#include <gtest/gtest.h>

#include "emulator_process.hpp"
#include "integration/emulator/soft_authenticator.hpp"
#include "loginid/loginid.hpp"
#include "loginid/management.hpp"

namespace loginid::test {
namespace {

using testing::SoftAuthenticator;

class SdkFido2 : public ::testing::Test {
 protected:
  EmulatorProcess emulator;
  LoginID web{emulator.client_id("web"), emulator.private_key("web"), emulator.options()};

  /// A page's call (client_id in the body, no token: the default web application's public init).
  nlohmann::json page(const std::string& path, nlohmann::json body) {
    body["client_id"] = emulator.client_id("web");
    return emulator.admin("POST", path, body);
  }

  nlohmann::json register_passkey(const std::string& username, SoftAuthenticator& authenticator) {
    auto init = page("/register/fido2/init", {{"username", username}});
    return page("/register/fido2/complete",
                {{"username", username}, {"attestation_payload", authenticator.create(init.at("attestation_payload"))}});
  }
};

TEST_F(SdkFido2, APasskeyLoginTokenPassesVerifyToken) {
  SoftAuthenticator authenticator;
  auto registration = register_passkey("pat@example.com", authenticator);
  EXPECT_TRUE(web.verify_token(registration.at("jwt").get<std::string>(), loginid::Username("pat@example.com")));
  auto init = page("/authenticate/fido2/init", {{"username", "pat@example.com"}});
  auto login = page("/authenticate/fido2/complete", {{"username", "pat@example.com"},
                                                     {"assertion_payload", authenticator.get(init.at("assertion_payload"))}});
  const auto jwt = login.at("jwt").get<std::string>();
  EXPECT_TRUE(web.verify_token(jwt, loginid::Username("pat@example.com")));
  EXPECT_FALSE(web.verify_token(jwt, loginid::Username("someone-else@example.com")));
}

TEST_F(SdkFido2, ATransactionConfirmedWithAPasskeyPassesVerifyTransaction) {
  SoftAuthenticator authenticator;
  register_passkey("payer@example.com", authenticator);
  const std::string payload = R"({"amount":"10.00","currency":"EUR","to":"Bob"})";
  const std::string tx_id = web.create_transaction(payload).id;  // the backend, through the SDK
  auto init = page("/api/tx/init", {{"username", "payer@example.com"}, {"tx_id", tx_id}});
  const auto& options = init.at("assertion_options");
  auto signed_payload = authenticator.get(options);
  auto confirmed = page("/api/tx/complete", {{"username", "payer@example.com"},
                                             {"tx_id", tx_id},
                                             {"challenge", options.at("challenge")},
                                             {"key_handle", signed_payload.at("credential_id")},
                                             {"client_data", signed_payload.at("client_data")},
                                             {"auth_data", signed_payload.at("authenticator_data")},
                                             {"sign_data", signed_payload.at("signature")}});
  EXPECT_EQ(confirmed.at("success"), true);
  const auto jwt = confirmed.at("jwt").get<std::string>();
  EXPECT_TRUE(web.verify_transaction(jwt, payload));
  const Claims claims = web.verify_transaction_claims(jwt, payload);
  EXPECT_EQ(claims.get_string("tx_hash"), options.at("challenge").get<std::string>()) << "the authenticator signed the hash the SDK recomputes";
  EXPECT_FALSE(web.verify_transaction(jwt, R"({"amount":"1000.00","currency":"EUR","to":"Eve"})"));
}

// ---- the SDK's FIDO2 functions, the page played by the software authenticator ---------------------

class SdkFido2Relay : public SdkFido2 {
 protected:
  LoginIdManagement mgmt{emulator.client_id("management"), emulator.private_key("management"), emulator.options()};

  /// What the page does with an init's payload (JSON text in, the browser's answer as JSON text out).
  static std::string page_creates(SoftAuthenticator& authenticator, const std::string& attestation_payload) {
    return authenticator.create(nlohmann::json::parse(attestation_payload)).dump();
  }
  static std::string page_gets(SoftAuthenticator& authenticator, const std::string& assertion_payload,
                               const testing::Act& act = {}) {
    return authenticator.get(nlohmann::json::parse(assertion_payload), act).dump();
  }

  AuthResult login(const std::string& username, SoftAuthenticator& authenticator) {
    const Fido2AssertionInit init = web.authenticate_fido2_init(loginid::Username(username));
    return web.authenticate_fido2_complete(loginid::Username(username), page_gets(authenticator, init.assertion_payload));
  }

  void expect_user_token(const AuthResult& auth, const std::string& username, const std::string& action) {
    ASSERT_TRUE(auth.jwt.has_value());
    ASSERT_TRUE(auth.claims.has_value());
    EXPECT_EQ(auth.claims->username(), username);
    EXPECT_EQ(auth.claims->audience(), std::vector<std::string>{web.client_id()});
    EXPECT_EQ(auth.claims->action(), action);
    EXPECT_TRUE(web.verify_token(*auth.jwt, loginid::Username(username))) << "the token passes verify_token too";
  }
};

TEST_F(SdkFido2Relay, RegisterLogInAddWithACodeAndForceAddThroughTheSdk) {
  const std::string user = "relay@example.com";

  // Register: the init's payload goes to the page as is, the page's answer comes back as is.
  SoftAuthenticator first;
  const Fido2AttestationInit reg = web.register_fido2_init(loginid::Username(user), {.display_name = "Relay User"});
  EXPECT_TRUE(reg.register_session.has_value());
  const auto reg_payload = nlohmann::json::parse(reg.attestation_payload);
  EXPECT_EQ(reg_payload.at("user").at("displayName"), "Relay User");
  EXPECT_EQ(reg_payload.at("challenge"), reg.challenge);
  const AuthResult registered =
      web.register_fido2_complete(loginid::Username(user), page_creates(first, reg.attestation_payload), {.credential_name = "Laptop"});
  expect_user_token(registered, user, "register");
  ASSERT_TRUE(registered.credential.has_value());
  EXPECT_EQ(registered.credential->uuid, reg.credential_uuid);
  EXPECT_EQ(registered.credential->type, "fido2");
  EXPECT_EQ(registered.credential->name, "Laptop");

  // Log in with it.
  const AuthResult logged_in = login(user, first);
  expect_user_token(logged_in, user, "login");
  EXPECT_EQ(logged_in.user.id, registered.user.id);

  // Add a second passkey with an authorized code of purpose add_credential.
  const CodeResult code = mgmt.generate_code(UserRef::by_username(user), CodeType::short_code, CodePurpose::add_credential, {.authorized = /*is_authorized=*/true});
  SoftAuthenticator second("packed-self");
  const Fido2AttestationInit add = web.init_add_fido2_credential_with_code(loginid::Username(user), code.code, CodeType::short_code);
  const AuthResult added =
      web.complete_add_fido2_credential(loginid::Username(user), page_creates(second, add.attestation_payload), {.credential_name = "Phone"});
  expect_user_token(added, user, "credential_add");
  EXPECT_THROW((void)web.init_add_fido2_credential_with_code(loginid::Username(user), code.code, CodeType::short_code), Error)
      << "the code was used up";

  // Force-add a third from the management application; the web application's client completes it.
  SoftAuthenticator third("packed-x5c");
  const Fido2AttestationInit forced = mgmt.force_fido2_credential_init(loginid::UserId(registered.user.id));
  const AuthResult force_added = web.complete_add_fido2_credential(loginid::Username(user), page_creates(third, forced.attestation_payload));
  expect_user_token(force_added, user, "credential_add");
  ASSERT_TRUE(force_added.credential.has_value());
  EXPECT_EQ(force_added.credential->uuid, forced.credential_uuid);

  // Every passkey logs in; the list shows the three as fido2 credentials.
  expect_user_token(login(user, second), user, "login");
  expect_user_token(login(user, third), user, "login");
  const CredentialList list = mgmt.get_credentials(UserRef::by_username(user));
  ASSERT_EQ(list.credentials.size(), 3U);
  for (const Credential& credential : list.credentials) EXPECT_EQ(credential.type, "fido2");
}

TEST_F(SdkFido2Relay, AClientWithoutAPrivateKeyCompletesWhatTheBackendStarted) {
  const std::string user = "keyless@example.com";
  const LoginID keyless(emulator.client_id("web"), std::string{}, emulator.options());
  SoftAuthenticator authenticator;
  const Fido2AttestationInit init = web.register_fido2_init(loginid::Username(user));
  expect_user_token(keyless.register_fido2_complete(loginid::Username(user), page_creates(authenticator, init.attestation_payload)), user,
                    "register");
  const Fido2AssertionInit login_init = web.authenticate_fido2_init(loginid::Username(user));
  const AuthResult no_jwt = keyless.authenticate_fido2_complete(loginid::Username(user), page_gets(authenticator, login_init.assertion_payload),
                                                                {.no_jwt = true});
  EXPECT_TRUE(no_jwt.is_authenticated);
  EXPECT_FALSE(no_jwt.jwt.has_value());
}

TEST_F(SdkFido2Relay, TheServicesRefusalsSurfaceAsErrors) {
  const std::string user = "refused@example.com";
  SoftAuthenticator authenticator;
  const Fido2AttestationInit init = web.register_fido2_init(loginid::Username(user));
  (void)web.register_fido2_complete(loginid::Username(user), page_creates(authenticator, init.attestation_payload));

  // A replayed answer: its challenge was used up by the first complete.
  const Fido2AssertionInit login_init = web.authenticate_fido2_init(loginid::Username(user));
  const std::string answer = page_gets(authenticator, login_init.assertion_payload);
  (void)web.authenticate_fido2_complete(loginid::Username(user), answer);
  try {
    (void)web.authenticate_fido2_complete(loginid::Username(user), answer);
    FAIL() << "a replayed assertion was accepted";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.code(), ServiceCode::challenge_invalid);
  }

  // A page on an origin the application does not allow: the check the service names.
  const Fido2AssertionInit other_init = web.authenticate_fido2_init(loginid::Username(user));
  testing::Act foreign_page;
  foreign_page.origin = "https://evil.example";
  try {
    (void)web.authenticate_fido2_complete(loginid::Username(user), page_gets(authenticator, other_init.assertion_payload, foreign_page));
    FAIL() << "a foreign origin was accepted";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.status(), 401);
    EXPECT_EQ(e.code(), ServiceCode::credential_invalid);
    EXPECT_NE(e.message().find("origin"), std::string::npos) << e.message();
  }

  // Registering the same username again, and logging in a user without a passkey.
  try {
    (void)web.register_fido2_init(loginid::Username(user));
    FAIL() << "a taken username was accepted";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.code(), ServiceCode::user_already_exists);
  }
  (void)mgmt.add_user_without_credentials(loginid::Username("nopasskey@example.com"));
  try {
    (void)web.authenticate_fido2_init(loginid::Username("nopasskey@example.com"));
    FAIL() << "a login without a passkey was started";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.code(), ServiceCode::not_found);
  }
}

}  // namespace
}  // namespace loginid::test
