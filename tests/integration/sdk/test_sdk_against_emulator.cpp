// Every SDK function against a real loginid-emulator process: the successful flow and the
// service's error paths (unknown user, inactive user, wrong code, expired code, revoked
// credential), and verify_token / verify_transaction with tokens the emulator issued, tampered
// ones, and ones issued for another audience.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <string>
#include <thread>

#include "emulator_process.hpp"
#include "failure.hpp"
#include "loginid/loginid.hpp"

namespace loginid::test {
namespace {

using namespace std::chrono_literals;

// The status and code of the loginid::Error `call` throws (fails the test when it throws none).
template <typename Call>
std::pair<int, std::string> error_of(Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    return {e.status(), failure_of(e).code};
  }
  ADD_FAILURE() << "no loginid::Error thrown";
  return {0, ""};
}

// Flips one character of the given segment (0 header, 1 payload, 2 signature) of a compact JWT.
std::string tamper(std::string token, int segment) {
  std::size_t start = 0;
  for (int i = 0; i < segment; ++i) start = token.find('.', start) + 1;
  const std::size_t pos = start + 5;
  token[pos] = token[pos] == 'A' ? 'B' : 'A';
  return token;
}

class SdkAgainstEmulator : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { emulator_ = new EmulatorProcess(); }
  static void TearDownTestSuite() {
    delete emulator_;
    emulator_ = nullptr;
  }

  static EmulatorProcess& emulator() { return *emulator_; }
  LoginIdManagement mgmt{emulator().client_id("management"), emulator().private_key("management"),
                         emulator().options()};
  LoginID web{emulator().client_id("web"), emulator().private_key("web"), emulator().options()};

  // A fresh user per test, so tests do not depend on each other.
  User new_user(const std::string& stem) {
    static std::atomic<int> counter{0};
    return mgmt.add_user_without_credentials(loginid::Username(stem + "-" + std::to_string(++counter) + "@example.com"));
  }

  // generate (not authorized) -> wait_code in a thread -> authorize -> the wait's result.
  AuthResult log_in_with_code(const LoginID& waiter, const std::string& username) {
    const CodeResult code = mgmt.generate_code(UserRef::by_username(username), CodeType::short_code, CodePurpose::temporary_authentication);
    auto waiting = std::async(std::launch::async,
                              [&] { return waiter.wait_code(loginid::Username(username), code.code, CodeType::short_code); });
    // The wait may start before or after the authorize; both must work.
    (void)mgmt.authorize_code(UserRef::by_username(username), code.code, CodeType::short_code, CodePurpose::temporary_authentication);
    return waiting.get();
  }

 private:
  static EmulatorProcess* emulator_;
};

EmulatorProcess* SdkAgainstEmulator::emulator_ = nullptr;

TEST_F(SdkAgainstEmulator, UsersCreateRetrieveDeactivateActivateDelete) {
  const User user = new_user("users");
  EXPECT_TRUE(user.is_active());
  EXPECT_FALSE(user.id.empty());
  EXPECT_EQ(nlohmann::json::parse(user.raw_json)["id"], user.id);

  const User fetched = mgmt.get_user(loginid::Username(user.username));
  EXPECT_EQ(fetched.id, user.id);
  EXPECT_EQ(mgmt.get_user_id(loginid::Username(user.username)), loginid::UserId(user.id));

  EXPECT_EQ(error_of([&] { (void)mgmt.add_user_without_credentials(loginid::Username(user.username)); }),
            std::make_pair(409, std::string("user_already_exists")));
  EXPECT_EQ(error_of([&] { (void)mgmt.get_user(loginid::Username("nobody-at-all@example.com")); }),
            std::make_pair(404, std::string("not_found")));

  EXPECT_FALSE(mgmt.deactivate_user(loginid::UserId(user.id)).is_active());
  EXPECT_FALSE(mgmt.get_user(loginid::Username(user.username)).is_active());
  EXPECT_TRUE(mgmt.activate_user(loginid::UserId(user.id)).is_active());

  mgmt.delete_by_user_id(loginid::UserId(user.id));
  EXPECT_EQ(error_of([&] { (void)mgmt.get_user(loginid::Username(user.username)); }).second, "not_found");
  EXPECT_EQ(error_of([&] { mgmt.delete_by_user_id(loginid::UserId(user.id)); }).second, "not_found");
  // A path parameter that is no UUID is the service's bad_request, percent-encoded, not a broken URL.
  EXPECT_EQ(error_of([&] { (void)mgmt.activate_user(loginid::UserId("not a/uuid?x")); }).first / 100, 4);

  const User second = new_user("delete-by-name");
  mgmt.delete_by_username(loginid::Username(second.username));
  EXPECT_EQ(error_of([&] { (void)mgmt.get_user(loginid::Username(second.username)); }).second, "not_found");
  EXPECT_EQ(error_of([&] { mgmt.delete_by_username(loginid::Username(second.username)); }).second, "not_found");
}

TEST_F(SdkAgainstEmulator, CodeLoginGivesAUserTokenThatVerifies) {
  const User user = new_user("code");
  const AuthResult auth = log_in_with_code(web, user.username);
  EXPECT_TRUE(auth.is_authenticated);
  ASSERT_TRUE(auth.jwt.has_value());
  ASSERT_TRUE(auth.claims.has_value());
  EXPECT_EQ(auth.claims->subject(), user.id);
  EXPECT_EQ(auth.user.id, user.id);
  EXPECT_EQ(auth.client.id, web.client_id());

  const std::string& jwt = *auth.jwt;
  EXPECT_TRUE(web.verify_token(jwt));
  EXPECT_TRUE(web.verify_token(jwt, loginid::Username(user.username)));
  EXPECT_EQ(web.verify_token_claims(jwt, loginid::Username(user.username)).username(), user.username);

  std::error_code ec;
  EXPECT_FALSE(web.verify_token_claims(jwt, loginid::Username("someone-else@example.com"), ec));
  EXPECT_EQ(ec, TokenErrc::username_mismatch);
  // Issued for the web application: another application (another audience) must refuse it.
  EXPECT_FALSE(mgmt.verify_token(jwt));
  EXPECT_FALSE(mgmt.verify_token_claims(jwt, std::nullopt, ec));
  EXPECT_EQ(ec, TokenErrc::audience_mismatch);
  // Tampered anywhere: refused.
  EXPECT_FALSE(web.verify_token(tamper(jwt, 1)));
  EXPECT_FALSE(web.verify_token(tamper(jwt, 2)));
  EXPECT_FALSE(web.verify_token(tamper(jwt, 0)));
  try {
    (void)web.verify_token_claims(tamper(jwt, 2));
    FAIL();
  } catch (const TokenError& e) {
    EXPECT_NE(e.reason(), TokenErrc::ok);
  }
}

TEST_F(SdkAgainstEmulator, PreAuthorizedCodesNoJwtAndEveryCodeType) {
  const User user = new_user("preauth");
  for (CodeType type : {CodeType::short_code, CodeType::long_code, CodeType::phrase}) {
    SCOPED_TRACE(std::string(to_string(type)));
    const CodeResult code = mgmt.generate_code(UserRef::by_id(user.id), type, CodePurpose::temporary_authentication, {.authorized = true});
    EXPECT_TRUE(code.is_authorized);
    EXPECT_NE(code.expires_at, std::chrono::system_clock::time_point{});
    const AuthResult auth = web.wait_code(loginid::Username(user.username), code.code, type, {.no_jwt = /*no_jwt=*/type == CodeType::phrase});
    EXPECT_TRUE(auth.is_authenticated);
    EXPECT_EQ(auth.jwt.has_value(), type != CodeType::phrase);
  }
}

TEST_F(SdkAgainstEmulator, WrongUsedInvalidatedAndExpiringCodes) {
  const User user = new_user("codes");
  const UserRef ref = UserRef::by_username(user.username);
  const auto tmp = CodePurpose::temporary_authentication;
  const CodeResult code = mgmt.generate_code(ref, CodeType::short_code, tmp);
  const std::string wrong = code.code == "000000" ? "111111" : "000000";
  EXPECT_EQ(error_of([&] { (void)mgmt.authorize_code(ref, wrong, CodeType::short_code, tmp); }),
            std::make_pair(400, std::string("code_invalid")));
  EXPECT_EQ(error_of([&] { (void)web.wait_code(loginid::Username(user.username), wrong, CodeType::short_code); }).second, "code_invalid");

  // Invalidated codes cannot be authorized any more.
  const InvalidateResult invalidated = mgmt.invalidate_all_codes(ref, CodeType::short_code, tmp);
  EXPECT_NE(invalidated.deleted_at, std::chrono::system_clock::time_point{});
  EXPECT_EQ(error_of([&] { (void)mgmt.authorize_code(ref, code.code, CodeType::short_code, tmp); }).second,
            "code_invalid");

  // Authorized once and used by a wait: a second wait for it is refused.
  const CodeResult used = mgmt.generate_code(ref, CodeType::long_code, tmp, {.authorized = true});
  (void)web.wait_code(loginid::Username(user.username), used.code, CodeType::long_code);
  EXPECT_EQ(error_of([&] { (void)web.wait_code(loginid::Username(user.username), used.code, CodeType::long_code); }).second,
            "code_invalid");

  // A wait for a code nobody authorizes ends with code_timeout within the SDK's budget.
  Options short_wait = emulator().options();
  short_wait.wait_timeout = 1500ms;
  const LoginID impatient(web.client_id(), emulator().private_key("web"), short_wait);
  const CodeResult pending = mgmt.generate_code(ref, CodeType::short_code, tmp);
  const auto [status, err] = error_of([&] { (void)impatient.wait_code(loginid::Username(user.username), pending.code, CodeType::short_code); });
  EXPECT_EQ(err, "code_timeout") << status << ": whichever deadline fires first, the caller sees code_timeout";
}

TEST_F(SdkAgainstEmulator, InactiveAndUnknownUsersCannotAuthenticate) {
  const User user = new_user("inactive");
  const CodeResult code = mgmt.generate_code(UserRef::by_id(user.id), CodeType::short_code, CodePurpose::temporary_authentication, {.authorized = true});
  (void)mgmt.deactivate_user(loginid::UserId(user.id));
  EXPECT_EQ(error_of([&] { (void)web.wait_code(loginid::Username(user.username), code.code, CodeType::short_code); }),
            std::make_pair(403, std::string("user_inactive")));
  (void)mgmt.activate_user(loginid::UserId(user.id));
  EXPECT_TRUE(log_in_with_code(web, user.username).is_authenticated);

  EXPECT_EQ(error_of([&] {
              (void)mgmt.generate_code(UserRef::by_username("ghost@example.com"), CodeType::short_code, CodePurpose::temporary_authentication);
            }).second,
            "not_found");
  EXPECT_EQ(error_of([&] { (void)web.wait_code(loginid::Username("ghost@example.com"), "123456", CodeType::short_code); }).first / 100, 4);
}

TEST_F(SdkAgainstEmulator, CredentialsListRenameRevoke) {
  const User user = new_user("creds");
  const UserRef ref = UserRef::by_id(user.id);
  EXPECT_TRUE(mgmt.get_credentials(ref).credentials.empty());

  const auto added = emulator().admin("POST", "/emulator/users/" + user.id + "/credentials",
                                      {{"name", "Phone"}, {"type", "fido2"}});
  const std::string cred_id = added.at("uuid");

  const CredentialList list = mgmt.get_credentials(UserRef::by_username(user.username));
  EXPECT_EQ(list.user_id, user.id);
  ASSERT_EQ(list.credentials.size(), 1U);
  EXPECT_EQ(list.credentials[0].uuid, cred_id);
  EXPECT_EQ(list.credentials[0].name, "Phone");
  EXPECT_EQ(list.credentials[0].type, "fido2");

  EXPECT_EQ(mgmt.rename_credential(ref, loginid::CredentialId(cred_id), "Work phone").credential.name, "Work phone");
  EXPECT_EQ(mgmt.get_credentials(ref).credentials.at(0).name, "Work phone");

  const CredentialResult revoked = mgmt.revoke_credential(ref, loginid::CredentialId(cred_id));
  EXPECT_EQ(revoked.credential.status, CredentialStatus::revoked);
  EXPECT_EQ(mgmt.get_credentials(ref, CredentialStatus::revoked).credentials.size(), 1U);
  EXPECT_TRUE(mgmt.get_credentials(ref, CredentialStatus::active).credentials.empty());

  EXPECT_EQ(error_of([&] { (void)mgmt.rename_credential(ref, loginid::CredentialId("0f9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c"), "x"); }).second,
            "not_found");
  EXPECT_EQ(error_of([&] { (void)mgmt.get_credentials(UserRef::by_username("ghost@example.com")); }).second,
            "not_found");
}

TEST_F(SdkAgainstEmulator, PasswordsRegisterLogInAndAreRefusedAlike) {
  static std::atomic<int> counter{0};
  const std::string name = "pw-" + std::to_string(++counter) + "@example.com";
  const std::string password = "a long enough passphrase";
  const AuthResult registered = web.register_password(loginid::Username(name), password);
  ASSERT_TRUE(registered.claims.has_value());
  EXPECT_EQ(registered.claims->action(), "register");
  EXPECT_EQ(registered.claims->username(), name);
  EXPECT_FALSE(registered.claims->contains("exp")) << "the emulator's tokens carry no exp by default, as LoginID's";
  ASSERT_TRUE(registered.credential.has_value());
  EXPECT_EQ(registered.credential->type, "password");

  const AuthResult logged_in = web.authenticate_password(loginid::Username(name), password);
  EXPECT_TRUE(web.verify_token(*logged_in.jwt, loginid::Username(name)));
  EXPECT_EQ(logged_in.user.id, registered.user.id);

  // The user as get_user sees it now (API.md correction 5).
  const User user = mgmt.get_user(loginid::Username(name));
  EXPECT_EQ(user.client_id, web.client_id());
  EXPECT_EQ(user.type, "user");
  EXPECT_TRUE(nlohmann::json::parse(user.raw_json).at("contacts").is_array());
  EXPECT_EQ(user.namespace_id.size(), 16U) << user.namespace_id;

  EXPECT_EQ(error_of([&] { (void)web.authenticate_password(loginid::Username(name), "not the password"); }),
            (std::pair<int, std::string>{401, "credential_invalid"}));
  EXPECT_EQ(error_of([&] { (void)web.authenticate_password(loginid::Username("nobody-" + name), password); }),
            (std::pair<int, std::string>{401, "credential_invalid"}));
  EXPECT_EQ(error_of([&] { (void)web.register_password(loginid::Username(name), password); }),
            (std::pair<int, std::string>{409, "user_already_exists"}));
  EXPECT_EQ(error_of([&] { (void)web.register_password(loginid::Username("x" + name), password, "a long enough passphrasE"); }),
            (std::pair<int, std::string>{400, "password_mismatch"}));
  try {
    (void)web.register_password(loginid::Username("y" + name), "password1");
    ADD_FAILURE() << "a common password was accepted";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.code(), ServiceCode::password_too_weak);
    EXPECT_NE(e.message().find("common_password"), std::string::npos) << e.message();
  }
}

TEST_F(SdkAgainstEmulator, RecoveryCodesAreGeneratedForAUser) {
  const User user = new_user("recovery");
  const RecoveryCode code = mgmt.generate_recovery_code(UserRef::by_username(user.username));
  EXPECT_EQ(std::count(code.code.begin(), code.code.end(), '-'), 11) << code.code;
  EXPECT_NE(code.created_at, std::chrono::system_clock::time_point{});
  const CredentialList list = mgmt.get_credentials(UserRef::by_id(user.id), CredentialStatus::active);
  ASSERT_EQ(list.credentials.size(), 1U);
  EXPECT_EQ(list.credentials[0].type, "recovery_code");
  EXPECT_EQ(error_of([&] { (void)mgmt.generate_recovery_code(UserRef::by_username("nobody@example.com")); }).second,
            "not_found");
}

TEST_F(SdkAgainstEmulator, PublicKeyCredentialAuthenticatesUntilRevoked) {
  const User user = new_user("pubkey");
  const PrivateKey user_key = PrivateKey::generate();
  const std::string user_pem = user_key.public_key().to_pem();

  const AuthResult added = mgmt.add_publickey_credential(UserRef::by_username(user.username), user_pem, "CI key");
  EXPECT_TRUE(added.is_authenticated);
  ASSERT_TRUE(added.credential.has_value());
  EXPECT_EQ(added.credential->name, "CI key");
  const std::string cred_id = added.credential->uuid;

  const PublicKeyChallenge challenge = web.authenticate_publickey_init(loginid::Username(user.username), user_pem);
  const std::string assertion = LoginID::make_publickey_assertion(user_key, challenge.server_nonce);
  const AuthResult auth = web.authenticate_publickey_complete(loginid::Username(user.username), challenge, assertion);
  EXPECT_TRUE(auth.is_authenticated);
  ASSERT_TRUE(auth.jwt.has_value());
  EXPECT_TRUE(web.verify_token(*auth.jwt, loginid::Username(user.username)));

  // An assertion signed by another key is refused.
  const PublicKeyChallenge again = web.authenticate_publickey_init(loginid::Username(user.username), user_pem);
  const std::string forged = LoginID::make_publickey_assertion(PrivateKey::generate(), again.server_nonce);
  EXPECT_EQ(error_of([&] { (void)web.authenticate_publickey_complete(loginid::Username(user.username), again, forged); }).second,
            "credential_invalid");

  // Revoked: the key no longer starts a login.
  (void)mgmt.revoke_credential(UserRef::by_id(user.id), loginid::CredentialId(cred_id));
  EXPECT_EQ(error_of([&] { (void)web.authenticate_publickey_init(loginid::Username(user.username), user_pem); }).second, "not_found");
}

TEST_F(SdkAgainstEmulator, TransactionsConfirmedByTheUserVerify) {
  const std::string payload = R"({"amount":"10.00","currency":"EUR","to":"Bob"})";
  const std::string tx_id = web.create_transaction(payload).id;
  EXPECT_FALSE(tx_id.empty());
  const std::string token = emulator().admin("POST", "/emulator/tx/" + tx_id + "/confirm").at("token");

  EXPECT_TRUE(web.verify_transaction(token, payload));
  const Claims claims = web.verify_transaction_claims(token, payload);
  EXPECT_TRUE(claims.contains("server_nonce"));

  std::error_code ec;
  EXPECT_FALSE(web.verify_transaction_claims(token, R"({"amount":"1000.00","currency":"EUR","to":"Eve"})", ec));
  EXPECT_EQ(ec, TokenErrc::tx_hash_mismatch);
  EXPECT_FALSE(web.verify_transaction(tamper(token, 1), payload));
  EXPECT_FALSE(web.verify_transaction(tamper(token, 2), payload));
  EXPECT_FALSE(mgmt.verify_transaction_claims(token, payload, ec)) << "issued for the web application";
  EXPECT_EQ(ec, TokenErrc::audience_mismatch);

  // The richer variant with a caller nonce and the optional fields.
  const TxResult tx = web.create_transaction("second payload", {.nonce = "caller-nonce-0001", .tx_type = "text"});
  EXPECT_EQ(tx.nonce, "caller-nonce-0001");
  const std::string token2 = emulator().admin("POST", "/emulator/tx/" + tx.id + "/confirm").at("token");
  EXPECT_EQ(web.verify_transaction_claims(token2, "second payload").get_string("nonce"), "caller-nonce-0001");
}

TEST_F(SdkAgainstEmulator, ScopesAndServiceTokensAreEnforcedByTheService) {
  // A web application may not manage users: the service says forbidden, the SDK surfaces it.
  const LoginIdManagement web_as_mgmt(emulator().client_id("web"), emulator().private_key("web"),
                                      emulator().options());
  EXPECT_EQ(error_of([&] { (void)web_as_mgmt.get_user(loginid::Username("anyone@example.com")); }),
            std::make_pair(403, std::string("forbidden")));
  // A key that is not the registered one: unauthorized.
  const LoginIdManagement impostor(emulator().client_id("management"), PrivateKey::generate(), emulator().options());
  EXPECT_EQ(error_of([&] { (void)impostor.get_user(loginid::Username("anyone@example.com")); }),
            std::make_pair(401, std::string("unauthorized")));
  // generate_service_token makes tokens the service accepts (usable by a caller's own HTTP code).
  EXPECT_FALSE(mgmt.generate_service_token("users.retrieve", {.username = loginid::Username("alice")}).empty());
}

TEST(SdkAgainstShortLivedCodes, ExpiredCodeIsCodeExpired) {
  const EmulatorProcess emulator({"--code-ttl", "1"});
  const LoginIdManagement mgmt(emulator.client_id("management"), emulator.private_key("management"),
                               emulator.options());
  const User user = mgmt.add_user_without_credentials(loginid::Username("expiry@example.com"));
  const UserRef ref = UserRef::by_id(user.id);
  const CodeResult code = mgmt.generate_code(ref, CodeType::short_code, CodePurpose::temporary_authentication);
  std::this_thread::sleep_for(2200ms);  // past the 1 s lifetime (whole seconds at the emulator)
  EXPECT_EQ(error_of([&] {
              (void)mgmt.authorize_code(ref, code.code, CodeType::short_code, CodePurpose::temporary_authentication);
            }),
            std::make_pair(410, std::string("code_expired")));
}

// The emulator holds each long poll for 1 s here; the SDK's wait (15 s) outlasts several of them,
// so an authorize that comes after the first hold ended still reaches the waiting caller.
TEST(SdkAgainstShortLongPolls, WaitCodeOutlastsTheServicesHold) {
  const EmulatorProcess emulator({"--wait-timeout", "1"});
  const LoginIdManagement mgmt(emulator.client_id("management"), emulator.private_key("management"),
                               emulator.options());
  const LoginID web(emulator.client_id("web"), emulator.private_key("web"), emulator.options());
  const User user = mgmt.add_user_without_credentials(loginid::Username("patient@example.com"));
  const UserRef ref = UserRef::by_id(user.id);
  const auto tmp = CodePurpose::temporary_authentication;
  const CodeResult code = mgmt.generate_code(ref, CodeType::short_code, tmp);
  auto waiting = std::async(std::launch::async, [&] { return web.wait_code(loginid::Username(user.username), code.code, CodeType::short_code); });
  std::this_thread::sleep_for(2500ms);  // at least one 1 s hold has ended by now (a lower bound, never a threshold)
  (void)mgmt.authorize_code(ref, code.code, CodeType::short_code, tmp);
  const AuthResult auth = waiting.get();
  EXPECT_TRUE(auth.is_authenticated);
  EXPECT_TRUE(web.verify_token(auth.jwt.value_or(""), loginid::Username(user.username)));
}

}  // namespace
}  // namespace loginid::test
