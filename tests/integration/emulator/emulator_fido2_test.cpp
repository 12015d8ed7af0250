// FIDO2 / WebAuthn flows of API.md ("FIDO2 / WebAuthn (passkeys)") against a live emulator, with a
// software authenticator playing the browser: every endpoint's success path and answer shape, and
// every refusal (code and message).
#include <gtest/gtest.h>

#include <thread>

#include "integration/emulator/fido2_support.hpp"
#include "jose/tokens.hpp"

namespace loginid::testing {
namespace {

class EmulatorFido2 : public ::testing::Test {
 protected:
  EmulatorProcess emulator;
  EmulatorClient client{emulator};
  App web = client.web();
  App management = client.management();

  /// Registers `username` with a fresh authenticator; returns the complete's answer.
  nlohmann::json registered(const std::string& username, SoftAuthenticator& authenticator) {
    auto reply = register_passkey(client, web, username, authenticator);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.json;
  }

  /// An authorized code of purpose add_credential, made by the management application.
  std::string add_credential_code(const std::string& username) {
    auto reply = client.scoped("POST", "/codes/short/generate",
                               {{"purpose", "add_credential"}, {"authorize", true}, {"username", username}},
                               management, "codes.generate");
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.json.value("code", "");
  }

  Reply create_tx(const std::string& payload, const std::string& nonce, const std::string& path = "/api/tx") {
    auto token = detail::make_tx_auth_token(web.key, payload, std::nullopt, std::chrono::system_clock::now());
    return page_post(client, web, path, {{"tx_payload", payload}, {"nonce", nonce}},
                     {{"Authorization", "Bearer " + token}});
  }
};

void expect_message_has(const Reply& reply, const std::string& part) {
  EXPECT_NE(reply.json.value("message", "").find(part), std::string::npos) << "wanted '" << part << "' in " << reply.body;
}

TEST_F(EmulatorFido2, RegistrationAnswersCreationOptionsAndCreatesTheUserWithAPasskey) {
  auto init = page_post(client, web, "/register/fido2/init",
                        {{"username", "Alice"}, {"options", {{"register_session", nullptr}, {"display_name", "Alice A."}}}});
  ASSERT_EQ(init.status, 200) << init.body;
  EXPECT_EQ(init.header("Access-Control-Allow-Origin"), kPageOrigin);
  ASSERT_TRUE(init.json.at("register_session").is_string());
  EXPECT_FALSE(init.json.at("register_session").get<std::string>().empty());
  const auto& options = init.json.at("attestation_payload");
  EXPECT_EQ(keys_of(options), (std::set<std::string>{"credential_uuid", "challenge", "rp", "user", "pubKeyCredParams",
                                                     "timeout", "attestation", "authenticatorSelection",
                                                     "excludeCredentials"}));
  EXPECT_TRUE(is_uuid_text(options.at("credential_uuid")));
  EXPECT_EQ(b64url_bytes(options.at("challenge")).size(), 32u);
  EXPECT_EQ(options.at("rp"), nlohmann::json({{"id", "localhost"}, {"name", "LoginID emulator"}}));
  EXPECT_EQ(options.at("user").at("name"), "Alice");
  EXPECT_EQ(options.at("user").at("displayName"), "Alice A.");
  EXPECT_EQ(options.at("pubKeyCredParams").at(0), nlohmann::json({{"type", "public-key"}, {"alg", -7}}));
  EXPECT_EQ(options.at("authenticatorSelection").at("userVerification"), "required");
  EXPECT_EQ(options.at("authenticatorSelection").at("authenticatorAttachment"), "platform");
  EXPECT_TRUE(options.at("timeout").is_number_integer());
  EXPECT_EQ(options.at("excludeCredentials"), nlohmann::json::array());

  SoftAuthenticator authenticator;
  auto payload = authenticator.create(options);
  auto complete = page_post(client, web, "/register/fido2/complete",
                            {{"username", "Alice"},
                             {"attestation_payload", payload},
                             {"no_jwt", false},
                             {"options", {{"credential_name", "Laptop"}}}},
                            {{"Authorization", "Bearer stale.sticky.token"}});  // ignored on a complete
  ASSERT_EQ(complete.status, 200) << complete.body;
  EXPECT_EQ(complete.json.at("is_authenticated"), true);
  const auto user_id = complete.json.at("user").at("id").get<std::string>();
  EXPECT_EQ(complete.json.at("user").at("username"), "Alice");
  EXPECT_EQ(complete.json.at("credential"),
            nlohmann::json({{"uuid", options.at("credential_uuid")}, {"type", "fido2"}, {"name", "Laptop"}}));
  // The user handle the authenticator stored is the new user's id.
  EXPECT_EQ(b64url_bytes(options.at("user").at("id")), user_id);
  auto claims = verify_with_certs(client, complete.json.at("jwt").get<std::string>(), web.client_id);
  EXPECT_EQ(claims.at("sub"), user_id);
  EXPECT_EQ(claims.at("udata"), "Alice");
  EXPECT_EQ(claims.at("action"), "register");

  auto listed = client.scoped("POST", "/credentials/list", {{"username", "alice"}}, management, "credentials.list");
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.json.at("credentials").size(), 1u);
  EXPECT_EQ(listed.json.at("credentials").at(0).at("type"), "fido2");
  EXPECT_EQ(listed.json.at("credentials").at(0).at("status"), "active");
  EXPECT_EQ(listed.json.at("credentials").at(0).at("name"), "Laptop");

  auto stored = admin_credential(client, options.at("credential_uuid"));
  ASSERT_TRUE(stored.is_object());
  const auto& fido2 = stored.at("fido2");
  EXPECT_EQ(fido2.at("credential_id"), authenticator.credential_id_b64url());
  EXPECT_EQ(fido2.at("aaguid"), authenticator.aaguid_text());
  EXPECT_EQ(fido2.at("sign_count"), 0);
  EXPECT_EQ(fido2.at("rp_id"), "localhost");
  EXPECT_EQ(fido2.at("alg"), -7);
  EXPECT_EQ(fido2.at("attestation_fmt"), "none");
  EXPECT_TRUE(fido2.at("last_used_at").is_null());
  EXPECT_TRUE(is_rfc3339_ms(stored.at("created_at")));

  // A registered username cannot be registered again.
  auto again = page_post(client, web, "/register/fido2/init", {{"username", "ALICE"}});
  expect_error(again, 409, "user_already_exists");
}

TEST_F(EmulatorFido2, PackedAttestationsSelfAndX5cAreAccepted) {
  for (const std::string format : {"packed-self", "packed-x5c"}) {
    SoftAuthenticator authenticator(format);
    auto reply = register_passkey(client, web, "packed-" + format, authenticator);
    ASSERT_EQ(reply.status, 200) << format << ": " << reply.body;
    auto stored = admin_credential(client, reply.json.at("credential").at("uuid"));
    EXPECT_EQ(stored.at("fido2").at("attestation_fmt"), "packed") << format;
    EXPECT_EQ(stored.at("fido2").at("aaguid"), authenticator.aaguid_text());
    EXPECT_EQ(login_with_passkey(client, web, "packed-" + format, authenticator).status, 200) << format;
  }
}

TEST_F(EmulatorFido2, LoginVerifiesTheAssertionAndRecordsCounterAndLastUse) {
  SoftAuthenticator authenticator;
  auto registration = registered("bob", authenticator);
  const auto uuid = registration.at("credential").at("uuid").get<std::string>();

  auto init = page_post(client, web, "/authenticate/fido2/init", {{"username", "BOB"}});
  ASSERT_EQ(init.status, 200) << init.body;
  const auto& options = init.json.at("assertion_payload");
  EXPECT_EQ(keys_of(options), (std::set<std::string>{"challenge", "rpId", "allowCredentials", "timeout",
                                                     "userVerification"}));
  EXPECT_EQ(options.at("rpId"), "localhost");
  EXPECT_EQ(options.at("userVerification"), "required");
  EXPECT_EQ(options.at("allowCredentials"),
            nlohmann::json::array({{{"id", authenticator.credential_id_b64url()}, {"type", "public-key"}}}));
  auto complete = page_post(client, web, "/authenticate/fido2/complete",
                            {{"username", "bob"}, {"assertion_payload", authenticator.get(options)}, {"no_jwt", false}});
  ASSERT_EQ(complete.status, 200) << complete.body;
  EXPECT_EQ(complete.json.at("credential").at("uuid"), uuid);
  auto claims = verify_with_certs(client, complete.json.at("jwt").get<std::string>(), web.client_id);
  EXPECT_EQ(claims.at("action"), "login");
  EXPECT_EQ(claims.at("sub"), registration.at("user").at("id"));

  auto stored = admin_credential(client, uuid).at("fido2");
  EXPECT_EQ(stored.at("sign_count"), 1);
  EXPECT_TRUE(is_rfc3339_ms(stored.at("last_used_at")));

  // no_jwt: authenticated without a token.
  auto init2 = page_post(client, web, "/authenticate/fido2/init", {{"username", "bob"}});
  auto quiet = page_post(client, web, "/authenticate/fido2/complete",
                         {{"username", "bob"},
                          {"assertion_payload", authenticator.get(init2.json.at("assertion_payload"))},
                          {"no_jwt", true}});
  ASSERT_EQ(quiet.status, 200) << quiet.body;
  EXPECT_FALSE(quiet.json.contains("jwt"));
  EXPECT_EQ(admin_credential(client, uuid).at("fido2").at("sign_count"), 2);
}

TEST_F(EmulatorFido2, AnAuthorizedCodeAddsASecondPasskey) {
  SoftAuthenticator first;
  registered("carol", first);
  auto code = add_credential_code("carol");
  const nlohmann::json init_body = {{"username", "carol"},
                                    {"authentication_code", {{"code", code}, {"type", "short"}}},
                                    {"options", {{"roaming_authenticator", true}}}};
  auto init = page_post(client, web, "/credentials/fido2/init/code", init_body);
  ASSERT_EQ(init.status, 200) << init.body;
  const auto& options = init.json.at("attestation_payload");
  EXPECT_EQ(options.at("authenticatorSelection").at("authenticatorAttachment"), "cross-platform");
  EXPECT_EQ(options.at("excludeCredentials"),
            nlohmann::json::array({{{"id", first.credential_id_b64url()}, {"type", "public-key"}}}));
  expect_error(page_post(client, web, "/credentials/fido2/init/code", init_body), 400, "code_invalid");  // used once

  SoftAuthenticator second;
  auto complete = page_post(client, web, "/credentials/fido2/complete",
                            {{"username", "carol"}, {"attestation_payload", second.create(options)}, {"no_jwt", false}});
  ASSERT_EQ(complete.status, 200) << complete.body;
  auto claims = verify_with_certs(client, complete.json.at("jwt").get<std::string>(), web.client_id);
  EXPECT_EQ(claims.at("action"), "credential_add");
  EXPECT_EQ(login_with_passkey(client, web, "carol", second).status, 200);
  EXPECT_EQ(login_with_passkey(client, web, "carol", first).status, 200);

  // The same authenticator cannot be added twice.
  auto again = page_post(client, web, "/credentials/fido2/init/code",
                         {{"username", "carol"}, {"authentication_code", {{"code", add_credential_code("carol")},
                                                                          {"type", "short"}}}});
  ASSERT_EQ(again.status, 200) << again.body;
  auto duplicate = page_post(client, web, "/credentials/fido2/complete",
                             {{"username", "carol"}, {"attestation_payload", second.create(again.json.at("attestation_payload"))}});
  expect_error(duplicate, 409, "credential_exists");
}

TEST_F(EmulatorFido2, ACodeMustBeAuthorizedAndForAddingACredential) {
  SoftAuthenticator authenticator;
  registered("dave", authenticator);
  auto unauthorized = client.scoped("POST", "/codes/short/generate",
                                    {{"purpose", "add_credential"}, {"authorize", false}, {"username", "dave"}},
                                    management, "codes.generate");
  auto reply = page_post(client, web, "/credentials/fido2/init/code",
                         {{"username", "dave"},
                          {"authentication_code", {{"code", unauthorized.json.at("code")}, {"type", "short"}}}});
  expect_error(reply, 400, "code_invalid");
  expect_message_has(reply, "not authorized");
  auto login_code = client.generate_code("dave", "short", true).at("code");
  reply = page_post(client, web, "/credentials/fido2/init/code",
                    {{"username", "dave"}, {"authentication_code", {{"code", login_code}, {"type", "short"}}}});
  expect_error(reply, 400, "code_invalid");
  expect_message_has(reply, "add_credential");
}

TEST_F(EmulatorFido2, TheManagementApplicationForcesAPasskeyThatTheWebApplicationCompletes) {
  auto user = client.create_user("erin");
  const nlohmann::json body = {{"user_id", user.at("id")}, {"options", {{"display_name", "Erin"}}}};
  auto no_token = body;
  no_token["client_id"] = management.client_id;
  expect_error(client.send("POST", "/credentials/fido2/init/force", no_token), 401, "unauthorized");
  expect_error(client.scoped("POST", "/credentials/fido2/init/force", body, web, "credentials.force_add"), 403,
               "forbidden");
  auto init = client.scoped("POST", "/credentials/fido2/init/force", body, management, "credentials.force_add");
  ASSERT_EQ(init.status, 200) << init.body;
  const auto& options = init.json.at("attestation_payload");
  EXPECT_EQ(b64url_bytes(options.at("user").at("id")), user.at("id").get<std::string>());
  EXPECT_EQ(options.at("user").at("displayName"), "Erin");
  SoftAuthenticator authenticator;
  auto complete = page_post(client, web, "/credentials/fido2/complete",
                            {{"username", "erin"}, {"attestation_payload", authenticator.create(options)}});
  ASSERT_EQ(complete.status, 200) << complete.body;
  EXPECT_EQ(complete.json.at("user").at("id"), user.at("id"));
  EXPECT_EQ(login_with_passkey(client, web, "erin", authenticator).status, 200);
}

TEST_F(EmulatorFido2, ForceInitKeepsEveryTokenScopeUserAndNamespaceRule) {
  auto user = client.create_user("fay");
  const nlohmann::json body = {{"user_id", user.at("id")}, {"client_id", management.client_id}};
  App impostor{management.client_id, web.key};
  expect_error(client.with_token("POST", "/credentials/fido2/init/force", body, management,
                                 EmulatorClient::token(impostor, "credentials.force_add")),
               401, "unauthorized");
  expect_error(client.with_token("POST", "/credentials/fido2/init/force", body, management,
                                 EmulatorClient::token(management, "credentials.list")),
               403, "forbidden");
  const auto token = EmulatorClient::token(management, "credentials.force_add");
  EXPECT_EQ(client.with_token("POST", "/credentials/fido2/init/force", body, management, token).status, 200);
  expect_error(client.with_token("POST", "/credentials/fido2/init/force", body, management, token), 401,
               "unauthorized");  // a replayed token
  auto ns = client.admin("POST", "/emulator/namespaces", nlohmann::json{{"name", "other"}}).json;
  auto other = client.create_app("management", ns.at("id").get<std::string>());
  expect_error(client.scoped("POST", "/credentials/fido2/init/force", body, other, "credentials.force_add"), 404,
               "not_found");
  expect_error(client.scoped("POST", "/credentials/fido2/init/force",
                             {{"user_id", "6f1c2a8e-4b7d-4e2a-9c3f-0d1e2f3a4b5c"}}, management, "credentials.force_add"),
               404, "not_found");
  expect_error(client.scoped("POST", "/credentials/fido2/init/force", nlohmann::json::object(), management,
                             "credentials.force_add"),
               400, "bad_request");
  expect_error(client.scoped("POST", "/credentials/fido2/init/force", {{"user_id", "nope"}}, management,
                             "credentials.force_add"),
               400, "bad_request");
}

TEST_F(EmulatorFido2, APasskeyLoginMakesAnAuthorizedCodeForAnotherDevice) {
  SoftAuthenticator authenticator;
  registered("frank", authenticator);
  auto init = page_post(client, web, "/codes/short/generate/fido2/init",
                        {{"username", "frank"}, {"purpose", "temporary_authentication"}});
  ASSERT_EQ(init.status, 200) << init.body;
  auto complete = page_post(client, web, "/codes/short/generate/fido2/complete",
                            {{"username", "frank"},
                             {"assertion_payload", authenticator.get(init.json.at("assertion_payload"))},
                             {"no_jwt", false}});
  ASSERT_EQ(complete.status, 200) << complete.body;
  const auto& code = complete.json.at("code_data");
  EXPECT_EQ(code.at("is_authorized"), true);
  EXPECT_TRUE(is_rfc3339_ms(code.at("expire_at")));
  const auto text = code.at("code").get<std::string>();
  EXPECT_EQ(text.size(), 6u);
  EXPECT_TRUE(complete.json.contains("jwt"));
  // The other device logs in with it.
  auto wait = page_post(client, web, "/authenticate/code/wait",
                        {{"username", "frank"}, {"authentication_code", {{"code", text}, {"type", "short"}}}});
  ASSERT_EQ(wait.status, 200) << wait.body;

  // The code type of the complete must be the init's.
  auto init2 = page_post(client, web, "/codes/long/generate/fido2/init",
                         {{"username", "frank"}, {"purpose", "add_credential"}});
  ASSERT_EQ(init2.status, 200) << init2.body;
  auto wrong_type = page_post(client, web, "/codes/short/generate/fido2/complete",
                              {{"username", "frank"},
                               {"assertion_payload", authenticator.get(init2.json.at("assertion_payload"))}});
  expect_error(wrong_type, 400, "challenge_invalid");
  expect_error(page_post(client, web, "/codes/medium/generate/fido2/init",
                         {{"username", "frank"}, {"purpose", "add_credential"}}),
               400, "invalid_code_type");
  expect_error(page_post(client, web, "/codes/short/generate/fido2/init", {{"username", "frank"}, {"purpose", "x"}}),
               400, "bad_request");
}

TEST_F(EmulatorFido2, ATransactionIsConfirmedBySigningItsHash) {
  SoftAuthenticator authenticator;
  auto registration = registered("grace", authenticator);
  const std::string payload = "Pay 10 EUR to Bob";
  const std::string nonce = "page-nonce-1";
  auto created = create_tx(payload, nonce);
  ASSERT_EQ(created.status, 200) << created.body;
  const auto tx_id = created.json.at("id").get<std::string>();

  auto init = page_post(client, web, "/api/tx/init", {{"username", "grace"}, {"tx_id", tx_id}});
  ASSERT_EQ(init.status, 200) << init.body;
  const auto& options = init.json.at("assertion_options");
  const auto challenge = options.at("challenge").get<std::string>();
  EXPECT_TRUE(survives_browser_sdk_decoder(b64url_bytes(options.at("challenge"))));
  auto signed_payload = authenticator.get(options);
  // confirmTransaction's complete: the assertion's fields under the names the browser SDK sends.
  const nlohmann::json complete_body = {{"username", "grace"},
                                        {"tx_id", tx_id},
                                        {"challenge", challenge},
                                        {"key_handle", signed_payload.at("credential_id")},
                                        {"client_data", signed_payload.at("client_data")},
                                        {"auth_data", signed_payload.at("authenticator_data")},
                                        {"sign_data", signed_payload.at("signature")}};
  auto complete = page_post(client, web, "/api/tx/complete", complete_body);
  ASSERT_EQ(complete.status, 200) << complete.body;
  EXPECT_EQ(complete.json.at("success"), true);
  auto claims = verify_with_certs(client, complete.json.at("jwt").get<std::string>(), web.client_id);
  // The challenge the authenticator signed is the hash the backend recomputes.
  EXPECT_EQ(claims.at("tx_hash"), challenge);
  EXPECT_EQ(challenge, detail::tx_hash(payload, nonce, claims.at("server_nonce").get<std::string>()));
  EXPECT_EQ(claims.at("nonce"), nonce);
  EXPECT_EQ(claims.at("sub"), registration.at("user").at("id"));
  EXPECT_EQ(claims.at("udata"), "grace");

  auto again = page_post(client, web, "/api/tx/init", {{"username", "grace"}, {"tx_id", tx_id}});
  expect_error(again, 400, "bad_request");
  expect_message_has(again, "already confirmed");
  expect_error(page_post(client, web, "/api/tx/complete", complete_body), 400, "challenge_invalid");  // a replay

  // An unknown transaction and a malformed id.
  expect_error(page_post(client, web, "/api/tx/init",
                         {{"username", "grace"}, {"tx_id", "6f1c2a8e-4b7d-4e2a-9c3f-0d1e2f3a4b5c"}}),
               404, "not_found");
  expect_error(page_post(client, web, "/api/tx/init", {{"username", "grace"}, {"tx_id", "12"}}), 400, "bad_request");
}

TEST_F(EmulatorFido2, TransactionHashesAreAlwaysDecodableByTheBrowserSdk) {
  SoftAuthenticator authenticator;
  registered("heidi", authenticator);
  // A hash ending in a 0x00 byte (1 in 128 for a random server nonce) would be corrupted by the
  // browser SDK's decoder; 300 inits make such a bug show with probability over 0.9.
  for (int i = 0; i < 300; ++i) {
    auto created = create_tx("tx " + std::to_string(i), "n" + std::to_string(i), "/tx");
    ASSERT_EQ(created.status, 200) << created.body;
    auto init = page_post(client, web, "/api/tx/init", {{"username", "heidi"}, {"tx_id", created.json.at("id")}});
    ASSERT_EQ(init.status, 200) << init.body;
    ASSERT_TRUE(survives_browser_sdk_decoder(b64url_bytes(init.json.at("assertion_options").at("challenge"))))
        << init.body;
  }
}

TEST_F(EmulatorFido2, ChallengesAndUserHandlesAreAlwaysDecodableByTheBrowserSdk) {
  SoftAuthenticator authenticator;
  registered("ivan", authenticator);
  for (int i = 0; i < 300; ++i) {
    auto init = page_post(client, web, "/authenticate/fido2/init", {{"username", "ivan"}});
    ASSERT_EQ(init.status, 200) << init.body;
    ASSERT_TRUE(survives_browser_sdk_decoder(b64url_bytes(init.json.at("assertion_payload").at("challenge"))));
    auto reg = page_post(client, web, "/register/fido2/init", {{"username", "new-" + std::to_string(i)}});
    ASSERT_EQ(reg.status, 200) << reg.body;
    ASSERT_TRUE(survives_browser_sdk_decoder(b64url_bytes(reg.json.at("attestation_payload").at("user").at("id"))));
  }
}

TEST_F(EmulatorFido2, EveryEndpointIsAlsoServedUnderApiNative) {
  SoftAuthenticator authenticator;
  auto init = page_post(client, web, "/api/native/register/fido2/init", {{"username", "judy"}});
  ASSERT_EQ(init.status, 200) << init.body;
  auto complete = page_post(client, web, "/api/native/register/fido2/complete",
                            {{"username", "judy"}, {"attestation_payload", authenticator.create(init.json.at("attestation_payload"))}});
  ASSERT_EQ(complete.status, 200) << complete.body;
  auto login = page_post(client, web, "/api/native/authenticate/fido2/init", {{"username", "judy"}});
  ASSERT_EQ(login.status, 200) << login.body;
  auto done = page_post(client, web, "/api/native/authenticate/fido2/complete",
                        {{"username", "judy"}, {"assertion_payload", authenticator.get(login.json.at("assertion_payload"))}});
  EXPECT_EQ(done.status, 200) << done.body;
  auto created = create_tx("native", "n", "/api/native/api/tx");
  EXPECT_EQ(created.status, 200) << created.body;
}

// ---- public browser-flow init (web setting public_init) and tokens

TEST_F(EmulatorFido2, WithPublicInitAStaleStickyTokenIsIgnoredOnInits) {
  SoftAuthenticator authenticator;
  registered("kim", authenticator);
  // The browser SDK resends the last token it was given: here a used tx token.
  auto token = EmulatorClient::token(web, "auth.login");
  ASSERT_EQ(client.with_token("POST", "/authenticate/fido2/init", {{"client_id", web.client_id}, {"username", "kim"}},
                              web, token)
                .status,
            200);
  auto stale = page_post(client, web, "/authenticate/fido2/init", {{"username", "kim"}},
                         {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(stale.status, 200) << stale.body;
  auto garbage = page_post(client, web, "/register/fido2/init", {{"username", "kim2"}}, {{"Authorization", "Bearer x"}});
  EXPECT_EQ(garbage.status, 200) << garbage.body;
}

TEST_F(EmulatorFido2, WithoutPublicInitTheInitsNeedATokenOfTheirScope) {
  SoftAuthenticator authenticator;
  registered("liam", authenticator);
  auto off = client.admin("PUT", "/emulator/applications/" + web.client_id + "/web-settings",
                          nlohmann::json{{"public_init", false}});
  ASSERT_EQ(off.status, 200) << off.body;

  auto refused = page_post(client, web, "/authenticate/fido2/init", {{"username", "liam"}});
  expect_error(refused, 401, "unauthorized");
  expect_message_has(refused, "public_init");
  expect_error(page_post(client, web, "/register/fido2/init", {{"username", "mia"}}), 401, "unauthorized");
  expect_error(client.scoped("POST", "/authenticate/fido2/init", {{"username", "liam"}}, web, "auth.register"), 403,
               "forbidden");
  auto login = client.scoped("POST", "/authenticate/fido2/init", {{"username", "liam"}}, web, "auth.login");
  ASSERT_EQ(login.status, 200) << login.body;
  auto reg = client.scoped("POST", "/register/fido2/init", {{"username", "mia"}}, web, "auth.register");
  EXPECT_EQ(reg.status, 200) << reg.body;
  auto code = client.scoped("POST", "/credentials/fido2/init/code",
                            {{"username", "liam"},
                             {"authentication_code", {{"code", add_credential_code("liam")}, {"type", "short"}}}},
                            web, "credentials.add");
  EXPECT_EQ(code.status, 200) << code.body;
  // Completes still need no token.
  auto complete = page_post(client, web, "/authenticate/fido2/complete",
                            {{"username", "liam"}, {"assertion_payload", authenticator.get(login.json.at("assertion_payload"))}});
  EXPECT_EQ(complete.status, 200) << complete.body;
}

// ---- refusals

TEST_F(EmulatorFido2, AWrongOriginIsRefusedAndTheMessageSaysHowToAllowIt) {
  SoftAuthenticator authenticator;
  Act evil;
  evil.origin = "https://evil.example";
  // Relayed by a backend (no Origin header): clientDataJSON.origin is what is checked.
  auto init = client.send("POST", "/register/fido2/init", nlohmann::json{{"client_id", web.client_id}, {"username", "nick"}});
  ASSERT_EQ(init.status, 200) << init.body;
  auto reply = client.send("POST", "/register/fido2/complete",
                           nlohmann::json{{"client_id", web.client_id},
                                          {"username", "nick"},
                                          {"attestation_payload", authenticator.create(init.json.at("attestation_payload"), evil)}});
  expect_error(reply, 401, "credential_invalid");
  expect_message_has(reply, "https://evil.example");
  expect_message_has(reply, "--allowed-origin https://evil.example");
  expect_error(client.scoped("POST", "/manage/users/retrieve", {{"username", "nick"}}, management, "users.retrieve"),
               404, "not_found");  // no user was created

  registered("nick", authenticator);
  auto login = page_post(client, web, "/authenticate/fido2/init", {{"username", "nick"}});
  auto assertion = page_post(client, web, "/authenticate/fido2/complete",
                             {{"username", "nick"}, {"assertion_payload", authenticator.get(login.json.at("assertion_payload"), evil)}});
  expect_error(assertion, 401, "credential_invalid");
  expect_message_has(assertion, "origin");
}

TEST_F(EmulatorFido2, AReplayedAssertionIsRefused) {
  SoftAuthenticator authenticator;
  registered("olga", authenticator);
  auto init = page_post(client, web, "/authenticate/fido2/init", {{"username", "olga"}});
  const nlohmann::json body = {{"username", "olga"}, {"assertion_payload", authenticator.get(init.json.at("assertion_payload"))}};
  ASSERT_EQ(page_post(client, web, "/authenticate/fido2/complete", body).status, 200);
  auto replay = page_post(client, web, "/authenticate/fido2/complete", body);
  expect_error(replay, 400, "challenge_invalid");
  expect_message_has(replay, "used");

  // A registration replayed after it succeeded, too.
  SoftAuthenticator other;
  auto reg_init = page_post(client, web, "/register/fido2/init", {{"username", "olga2"}});
  const nlohmann::json reg = {{"username", "olga2"}, {"attestation_payload", other.create(reg_init.json.at("attestation_payload"))}};
  ASSERT_EQ(page_post(client, web, "/register/fido2/complete", reg).status, 200);
  expect_error(page_post(client, web, "/register/fido2/complete", reg), 400, "challenge_invalid");
}

TEST_F(EmulatorFido2, ACounterThatGoesBackIsRefusedAsACloneAndChangesNothing) {
  SoftAuthenticator authenticator;
  auto registration = registered("peggy", authenticator);
  auto clone = authenticator.clone();
  ASSERT_EQ(login_with_passkey(client, web, "peggy", authenticator).status, 200);  // counter 1
  ASSERT_EQ(login_with_passkey(client, web, "peggy", authenticator).status, 200);  // counter 2
  auto cloned = login_with_passkey(client, web, "peggy", *clone);                  // counter 1 again
  expect_error(cloned, 401, "credential_invalid");
  expect_message_has(cloned, "cloned");
  EXPECT_EQ(admin_credential(client, registration.at("credential").at("uuid")).at("fido2").at("sign_count"), 2);
  Act same;
  same.sign_count = 2;  // equal is not greater
  expect_error(login_with_passkey(client, web, "peggy", authenticator, same), 401, "credential_invalid");
  EXPECT_EQ(login_with_passkey(client, web, "peggy", authenticator).status, 200);
}

TEST_F(EmulatorFido2, UserVerificationIsRequiredAndPresenceToo) {
  SoftAuthenticator authenticator;
  Act no_uv;
  no_uv.user_verified = false;
  auto reg = register_passkey(client, web, "quinn", authenticator, no_uv);
  expect_error(reg, 401, "credential_invalid");
  expect_message_has(reg, "user_not_verified");
  registered("quinn", authenticator);
  auto login = login_with_passkey(client, web, "quinn", authenticator, no_uv);
  expect_error(login, 401, "credential_invalid");
  expect_message_has(login, "user_not_verified");
  Act no_up;
  no_up.user_present = false;
  auto absent = login_with_passkey(client, web, "quinn", authenticator, no_up);
  expect_error(absent, 401, "credential_invalid");
  expect_message_has(absent, "user_not_present");
}

TEST_F(EmulatorFido2, ARevokedCredentialCannotLogIn) {
  SoftAuthenticator authenticator;
  auto registration = registered("rita", authenticator);
  auto init = page_post(client, web, "/authenticate/fido2/init", {{"username", "rita"}});  // before the revocation
  ASSERT_EQ(init.status, 200);
  auto revoked = client.scoped("POST", "/credentials/revoke",
                               {{"username", "rita"}, {"credential", {{"uuid", registration.at("credential").at("uuid")}}}},
                               management, "credentials.revoke");
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  auto reply = page_post(client, web, "/authenticate/fido2/complete",
                         {{"username", "rita"}, {"assertion_payload", authenticator.get(init.json.at("assertion_payload"))}});
  expect_error(reply, 401, "credential_invalid");
  expect_message_has(reply, "revoked");
  auto fresh = page_post(client, web, "/authenticate/fido2/init", {{"username", "rita"}});
  expect_error(fresh, 404, "not_found");
  expect_message_has(fresh, "no active FIDO2 credential");
}

TEST_F(EmulatorFido2, ADeactivatedUserCannotLogIn) {
  SoftAuthenticator authenticator;
  auto registration = registered("sam", authenticator);
  const auto user_id = registration.at("user").at("id").get<std::string>();
  auto init = page_post(client, web, "/authenticate/fido2/init", {{"username", "sam"}});
  ASSERT_EQ(init.status, 200);
  ASSERT_EQ(client.scoped("PUT", "/manage/users/" + user_id + "/deactivate", nlohmann::json::object(), management,
                          "users.deactivate")
                .status,
            200);
  expect_error(page_post(client, web, "/authenticate/fido2/complete",
                         {{"username", "sam"}, {"assertion_payload", authenticator.get(init.json.at("assertion_payload"))}}),
               403, "user_inactive");
  expect_error(page_post(client, web, "/authenticate/fido2/init", {{"username", "sam"}}), 403, "user_inactive");
  expect_error(page_post(client, web, "/codes/short/generate/fido2/init",
                         {{"username", "sam"}, {"purpose", "temporary_authentication"}}),
               403, "user_inactive");
}

TEST_F(EmulatorFido2, AnotherUsersCredentialIsRefused) {
  SoftAuthenticator alice_key;
  SoftAuthenticator bob_key;
  registered("tina", alice_key);
  registered("ugo", bob_key);
  auto init = page_post(client, web, "/authenticate/fido2/init", {{"username", "ugo"}});
  auto reply = page_post(client, web, "/authenticate/fido2/complete",
                         {{"username", "ugo"}, {"assertion_payload", alice_key.get(init.json.at("assertion_payload"))}});
  expect_error(reply, 401, "credential_invalid");
  expect_message_has(reply, "not a credential of this user");
  // And a challenge issued for another user.
  auto tina_init = page_post(client, web, "/authenticate/fido2/init", {{"username", "tina"}});
  auto swapped = page_post(client, web, "/authenticate/fido2/complete",
                           {{"username", "ugo"}, {"assertion_payload", bob_key.get(tina_init.json.at("assertion_payload"))}});
  expect_error(swapped, 400, "challenge_invalid");
  expect_message_has(swapped, "another user");
}

TEST_F(EmulatorFido2, AnotherApplicationsChallengeIsRefused) {
  SoftAuthenticator authenticator;
  registered("vera", authenticator);
  auto other = client.create_app("web");
  ASSERT_EQ(client.admin("PUT", "/emulator/applications/" + other.client_id + "/web-settings",
                         nlohmann::json{{"public_init", true}})
                .status,
            200);
  auto init = page_post(client, other, "/authenticate/fido2/init", {{"username", "vera"}});
  ASSERT_EQ(init.status, 200) << init.body;
  auto reply = page_post(client, web, "/authenticate/fido2/complete",
                         {{"username", "vera"}, {"assertion_payload", authenticator.get(init.json.at("assertion_payload"))}});
  expect_error(reply, 400, "challenge_invalid");
  expect_message_has(reply, "another application");
  // Its owner can still use it: the refusal consumed nothing.
  auto owner = page_post(client, other, "/authenticate/fido2/complete",
                         {{"username", "vera"}, {"assertion_payload", authenticator.get(init.json.at("assertion_payload"))}});
  EXPECT_EQ(owner.status, 200) << owner.body;
}

TEST_F(EmulatorFido2, AChallengeServesOnlyTheFlowItWasIssuedFor) {
  SoftAuthenticator authenticator;
  registered("walt", authenticator);
  auto login = page_post(client, web, "/authenticate/fido2/init", {{"username", "walt"}});
  auto as_code = page_post(client, web, "/codes/short/generate/fido2/complete",
                           {{"username", "walt"}, {"assertion_payload", authenticator.get(login.json.at("assertion_payload"))}});
  expect_error(as_code, 400, "challenge_invalid");
  expect_message_has(as_code, "another flow");
  auto reg = page_post(client, web, "/register/fido2/init", {{"username", "xena"}});
  SoftAuthenticator fresh;
  auto as_add = page_post(client, web, "/credentials/fido2/complete",
                          {{"username", "walt"}, {"attestation_payload", fresh.create(reg.json.at("attestation_payload"))}});
  expect_error(as_add, 400, "challenge_invalid");
  auto unknown = page_post(client, web, "/authenticate/fido2/complete",
                           {{"username", "walt"},
                            {"assertion_payload", authenticator.get(nlohmann::json{{"challenge", "AAAA"}, {"rpId", "localhost"}})}});
  expect_error(unknown, 400, "challenge_invalid");
}

TEST_F(EmulatorFido2, WrongClientDataOrRelyingPartyIsRefusedSayingWhichCheck) {
  SoftAuthenticator authenticator;
  registered("yves", authenticator);
  const std::vector<std::pair<Act, std::string>> cases = [] {
    std::vector<std::pair<Act, std::string>> out;
    Act type;
    type.type = "webauthn.create";
    out.emplace_back(type, "type_mismatch");
    Act challenge;
    challenge.challenge = "c29tZXRoaW5nIGVsc2U";
    out.emplace_back(challenge, "challenge_mismatch");
    Act rp;
    rp.rp_id = "example.com";
    out.emplace_back(rp, "rp_id_hash_mismatch");
    return out;
  }();
  for (const auto& [act, reason] : cases) {
    auto reply = login_with_passkey(client, web, "yves", authenticator, act);
    expect_error(reply, 401, "credential_invalid");
    expect_message_has(reply, reason);
  }
  // A signature over other data.
  auto init = page_post(client, web, "/authenticate/fido2/init", {{"username", "yves"}});
  auto payload = authenticator.get(init.json.at("assertion_payload"));
  payload["signature"] = detail::base64url_encode(authenticator.sign("other data", "{}"));
  auto bad_sig = page_post(client, web, "/authenticate/fido2/complete", {{"username", "yves"}, {"assertion_payload", payload}});
  expect_error(bad_sig, 401, "credential_invalid");
  expect_message_has(bad_sig, "assertion_payload.signature");
}

TEST_F(EmulatorFido2, AUsernameTakenBetweenInitAndCompleteIsRefused) {
  auto init = page_post(client, web, "/register/fido2/init", {{"username", "zoe"}});
  ASSERT_EQ(init.status, 200);
  client.create_user("zoe");
  SoftAuthenticator authenticator;
  expect_error(page_post(client, web, "/register/fido2/complete",
                         {{"username", "zoe"}, {"attestation_payload", authenticator.create(init.json.at("attestation_payload"))}}),
               409, "user_already_exists");
}

TEST(EmulatorFido2Expiry, AnExpiredChallengeIsRefused) {
  EmulatorProcess emulator({{"--challenge-ttl", "1"}, {}, {}});
  EmulatorClient client(emulator);
  SoftAuthenticator authenticator;
  ASSERT_EQ(register_passkey(client, client.web(), "old", authenticator).status, 200);
  auto init = page_post(client, client.web(), "/authenticate/fido2/init", {{"username", "old"}});
  ASSERT_EQ(init.status, 200);
  EXPECT_EQ(init.json.at("assertion_payload").at("timeout"), 1000);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // past the 1 s lifetime, whatever the load
  auto reply = page_post(client, client.web(), "/authenticate/fido2/complete",
                         {{"username", "old"}, {"assertion_payload", authenticator.get(init.json.at("assertion_payload"))}});
  expect_error(reply, 400, "challenge_invalid");
  expect_message_has(reply, "expired");
}

}  // namespace
}  // namespace loginid::testing
