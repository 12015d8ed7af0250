// Every endpoint's success path with the exact response shape (API.md "Endpoints" and "Shapes"),
// plus the admin API of docs/emulator.md.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "integration/emulator/test_support.hpp"
#include "jose/tokens.hpp"

namespace loginid::testing {
namespace {

const std::set<std::string> kUserKeys = {"id",      "username", "status",     "namespace_id", "client_id",
                                         "type",    "contacts", "created_at", "updated_at"};
const std::set<std::string> kCredentialKeys = {"uuid", "type", "status", "name", "created_at", "updated_at"};

class EmulatorApi : public ::testing::Test {
 protected:
  EmulatorProcess emulator;
  EmulatorClient client{emulator};

  std::string active_kid() {
    const auto keys = client.admin("GET", "/emulator/keys").json.at("keys");
    for (const auto& key : keys) {
      if (key.at("active").get<bool>()) return key.at("kid").get<std::string>();
    }
    return {};
  }

  Reply wait(const std::string& username, const std::string& code, const std::string& type = "short",
             bool no_jwt = false) {
    nlohmann::json body = {{"client_id", client.web().client_id},
                           {"username", username},
                           {"authentication_code", {{"code", code}, {"type", type}}}};
    if (no_jwt) body["no_jwt"] = true;
    return client.send("POST", "/authenticate/code/wait", body);
  }
};

void expect_user_shape(const nlohmann::json& user, const std::string& username, const std::string& status) {
  EXPECT_EQ(keys_of(user), kUserKeys) << user.dump();
  EXPECT_TRUE(is_uuid_text(user["id"]));
  EXPECT_EQ(user["username"], username);
  EXPECT_EQ(user["status"], status);
  EXPECT_TRUE(is_namespace_id_text(user["namespace_id"])) << user["namespace_id"];
  EXPECT_TRUE(is_client_id_text(user["client_id"])) << user["client_id"];
  EXPECT_EQ(user["type"], "user");
  EXPECT_EQ(user["contacts"], nlohmann::json::array());
  EXPECT_TRUE(is_rfc3339_ms(user["created_at"])) << user["created_at"];
  EXPECT_TRUE(is_rfc3339_ms(user["updated_at"]));
}

TEST_F(EmulatorApi, CertsServesTheActiveKeyAsPemWithCacheControl) {
  const auto kid = active_kid();
  ASSERT_FALSE(kid.empty());
  for (const std::string prefix : {"", "/api/native"}) {
    auto reply = client.send("GET", prefix + "/certs?kid=" + kid);
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.header("Content-Type").rfind("text/plain", 0), 0u);
    EXPECT_NE(reply.header("Cache-Control").find("max-age="), std::string::npos);
    EXPECT_EQ(reply.body.rfind("-----BEGIN PUBLIC KEY-----", 0), 0u);
    EXPECT_NO_THROW(PublicKey::from_pem(reply.body));
  }
  // Without a kid (the published Python SDK asks so for a token without one): the current key.
  for (const std::string query : {"", "?kid="}) {
    auto current = client.send("GET", "/certs" + query);
    ASSERT_EQ(current.status, 200) << current.body;
    EXPECT_EQ(current.body, client.send("GET", "/certs?kid=" + kid).body);
  }
  auto jwks = client.send("GET", "/.well-known/jwks.json");
  ASSERT_EQ(jwks.status, 200);
  EXPECT_NE(jwks.header("Cache-Control").find("max-age="), std::string::npos);
  ASSERT_EQ(jwks.json.at("keys").size(), 1u);
  const auto& jwk = jwks.json["keys"][0];
  EXPECT_EQ(jwk.at("kid"), kid);
  EXPECT_TRUE(PublicKey::from_jwk(jwk.dump()) == PublicKey::from_pem(client.send("GET", "/certs?kid=" + kid).body));
}

TEST_F(EmulatorApi, UserLifecycle) {
  const auto mgmt = client.management();
  auto created = client.scoped("POST", "/manage/users", {{"username", "Alice@Example.com"}}, mgmt, "users.create");
  ASSERT_EQ(created.status, 200) << created.body;
  expect_user_shape(created.json, "Alice@Example.com", "active");
  const auto id = created.json["id"].get<std::string>();

  auto retrieved =
      client.scoped("POST", "/manage/users/retrieve", {{"username", "alice@example.com"}}, mgmt, "users.retrieve");
  ASSERT_EQ(retrieved.status, 200) << retrieved.body;
  EXPECT_EQ(retrieved.json, created.json);  // case-insensitive lookup, same user

  auto taken = client.scoped("POST", "/manage/users", {{"username", "ALICE@example.COM"}}, mgmt, "users.create");
  expect_error(taken, 409, "user_already_exists");

  auto deactivated =
      client.scoped("PUT", "/manage/users/" + id + "/deactivate", nlohmann::json::object(), mgmt, "users.deactivate");
  ASSERT_EQ(deactivated.status, 200) << deactivated.body;
  expect_user_shape(deactivated.json, "Alice@Example.com", "inactive");
  auto activated =
      client.scoped("PUT", "/api/native/manage/users/" + id + "/activate", nlohmann::json::object(), mgmt,
                    "users.activate");
  ASSERT_EQ(activated.status, 200) << activated.body;
  EXPECT_EQ(activated.json["status"], "active");

  auto deleted = client.scoped("DELETE", "/manage/users/" + id, nlohmann::json::object(), mgmt, "users.delete");
  EXPECT_EQ(deleted.status, 204) << deleted.body;
  expect_error(client.scoped("POST", "/manage/users/retrieve", {{"username", "alice@example.com"}}, mgmt,
                             "users.retrieve"),
               404, "not_found");

  client.create_user("bob");
  auto by_name = client.scoped("POST", "/manage/users/delete", {{"username", "BOB"}}, mgmt, "users.delete");
  EXPECT_EQ(by_name.status, 204) << by_name.body;
  EXPECT_TRUE(client.admin("GET", "/emulator/users").json.at("users").empty());
}

TEST_F(EmulatorApi, CodeLifecycleEndsInAVerifiableUserToken) {
  auto user = client.create_user("carol");
  auto generated = client.generate_code("carol");
  EXPECT_EQ(keys_of(generated), (std::set<std::string>{"code", "expires_at", "is_authorized"}));
  EXPECT_TRUE(std::regex_match(generated["code"].get<std::string>(), std::regex("^[0-9]{6}$")));
  EXPECT_TRUE(is_rfc3339_ms(generated["expires_at"]));
  EXPECT_EQ(generated["is_authorized"], false);
  const auto code = generated["code"].get<std::string>();

  auto authorized = client.authorize_code("carol", code);
  ASSERT_EQ(authorized.status, 200) << authorized.body;
  EXPECT_EQ(authorized.json, (nlohmann::json{{"expires_at", generated["expires_at"]}, {"is_authorized", true}}));

  auto answer = wait("carol", code);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(keys_of(answer.json), (std::set<std::string>{"is_authenticated", "jwt", "user", "client"}));
  EXPECT_EQ(answer.json["is_authenticated"], true);
  EXPECT_EQ(answer.json["user"],
            (nlohmann::json{{"id", user["id"]}, {"username", "carol"}, {"namespace_id", user["namespace_id"]}}));
  EXPECT_EQ(answer.json["client"], (nlohmann::json{{"id", client.web().client_id}, {"type", "web"}}));

  auto claims = verify_with_certs(client, answer.json["jwt"].get<std::string>(), client.web().client_id);
  EXPECT_EQ(claims["iss"], "loginid.io");
  EXPECT_EQ(claims["sub"], user["id"]);
  EXPECT_EQ(claims["nid"], user["namespace_id"]);
  EXPECT_EQ(claims["aud"], client.web().client_id);
  EXPECT_EQ(claims["action"], "login");
  EXPECT_EQ(claims["udata"], "carol");
  EXPECT_TRUE(is_uuid_text(claims["sid"]));
  EXPECT_FALSE(claims.contains("exp")) << "LoginID's user tokens carry no exp (unless --token-ttl asks for one)";
  EXPECT_EQ(decode_jwt_as_json(answer.json["jwt"].get<std::string>()).header.at("kid"), active_kid());

  expect_error(wait("carol", code), 400, "code_invalid");  // single use
}

TEST_F(EmulatorApi, CodeTypesHaveTheirFormatsAndPreAuthorizedCodesAnswerAtOnce) {
  client.create_user("dave");
  auto long_code = client.generate_code("dave", "long", true);
  EXPECT_TRUE(std::regex_match(long_code["code"].get<std::string>(), std::regex("^[A-Za-z0-9]{16}$")));
  EXPECT_EQ(long_code["is_authorized"], true);
  auto phrase = client.generate_code("dave", "phrase", true);
  EXPECT_TRUE(std::regex_match(phrase["code"].get<std::string>(), std::regex("^[a-z]+(-[a-z]+){3}$")))
      << phrase["code"];

  auto answer = wait("dave", long_code["code"].get<std::string>(), "long", /*no_jwt=*/true);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_FALSE(answer.json.contains("jwt"));
  EXPECT_EQ(answer.json["is_authenticated"], true);
  auto by_phrase = wait("dave", phrase["code"].get<std::string>(), "phrase");
  ASSERT_EQ(by_phrase.status, 200) << by_phrase.body;
  EXPECT_TRUE(by_phrase.json.contains("jwt"));
}

TEST_F(EmulatorApi, ADeactivatedUserCannotAuthenticate) {
  auto user = client.create_user("ursula");
  auto key = PrivateKey::generate();
  auto added = client.scoped("POST", "/credentials/publickey",
                             {{"username", "ursula"}, {"publickey_alg", "ES256"}, {"publickey", key.public_key().to_pem()}},
                             client.management(), "credentials.force_add");
  ASSERT_EQ(added.status, 200) << added.body;
  auto code = client.generate_code("ursula", "short", true)["code"].get<std::string>();
  auto deactivated = client.scoped("PUT", "/manage/users/" + user["id"].get<std::string>() + "/deactivate",
                                   nlohmann::json::object(), client.management(), "users.deactivate");
  ASSERT_EQ(deactivated.status, 200) << deactivated.body;
  expect_error(wait("ursula", code), 403, "user_inactive");
  expect_error(client.scoped("POST", "/authenticate/publickey/init",
                             {{"username", "ursula"}, {"publickey", key.public_key().to_pem()}, {"publickey_alg", "ES256"}},
                             client.web(), "auth.login"),
               403, "user_inactive");
  // Reactivated, the same (unconsumed) code works.
  client.scoped("PUT", "/manage/users/" + user["id"].get<std::string>() + "/activate", nlohmann::json::object(),
                client.management(), "users.activate");
  EXPECT_EQ(wait("ursula", code).status, 200);
}

TEST_F(EmulatorApi, InvalidateAllRemovesEveryLiveCodeOfThatTypeAndPurpose) {
  client.create_user("erin");
  auto first = client.generate_code("erin")["code"].get<std::string>();
  auto second = client.generate_code("erin", "short", true)["code"].get<std::string>();
  auto other_type = client.generate_code("erin", "long", true)["code"].get<std::string>();
  auto reply = client.scoped("POST", "/codes/short/invalidate-all",
                             {{"purpose", "temporary_authentication"}, {"username", "erin"}}, client.management(),
                             "codes.invalidate");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(keys_of(reply.json), (std::set<std::string>{"deleted_at"}));
  EXPECT_TRUE(is_rfc3339_ms(reply.json["deleted_at"]));
  expect_error(client.authorize_code("erin", first), 400, "code_invalid");
  expect_error(wait("erin", second), 400, "code_invalid");
  EXPECT_EQ(wait("erin", other_type, "long").status, 200);  // another type is untouched
}

TEST_F(EmulatorApi, CredentialLifecycle) {
  auto user = client.create_user("frank");
  const auto user_id = user["id"].get<std::string>();
  auto added = client.admin("POST", "/emulator/users/" + user_id + "/credentials", nlohmann::json{{"name", "Yubikey"}});
  ASSERT_EQ(added.status, 200) << added.body;
  EXPECT_EQ(keys_of(added.json), kCredentialKeys);
  EXPECT_EQ(added.json["type"], "fido2");
  EXPECT_EQ(added.json["status"], "active");
  EXPECT_EQ(added.json["name"], "Yubikey");
  const auto uuid = added.json["uuid"].get<std::string>();

  const auto mgmt = client.management();
  auto listed = client.scoped("POST", "/credentials/list", {{"user_id", user_id}}, mgmt, "credentials.list");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.json, (nlohmann::json{{"user_id", user_id}, {"credentials", nlohmann::json::array({added.json})}}));

  auto renamed = client.scoped("POST", "/credentials/rename",
                               {{"username", "frank"}, {"credential", {{"uuid", uuid}, {"name", "Laptop"}}}}, mgmt,
                               "credentials.rename");
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(renamed.json["user_id"], user_id);
  EXPECT_EQ(keys_of(renamed.json["credential"]), kCredentialKeys);
  EXPECT_EQ(renamed.json["credential"]["name"], "Laptop");

  auto revoked = client.scoped("POST", "/credentials/revoke", {{"user_id", user_id}, {"credential", {{"uuid", uuid}}}},
                               mgmt, "credentials.revoke");
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(revoked.json["credential"]["status"], "revoked");
  EXPECT_EQ(revoked.json["credential"]["name"], "Laptop");

  auto active = client.scoped("POST", "/credentials/list", {{"user_id", user_id}, {"status", "active"}}, mgmt,
                              "credentials.list");
  ASSERT_EQ(active.status, 200);
  EXPECT_TRUE(active.json["credentials"].empty());
  auto all = client.scoped("POST", "/credentials/list", {{"username", "frank"}}, mgmt, "credentials.list");
  ASSERT_EQ(all.json["credentials"].size(), 1u);
  EXPECT_EQ(all.json["credentials"][0]["status"], "revoked");

  // Deleting the user takes the credentials with it.
  client.scoped("DELETE", "/manage/users/" + user_id, nlohmann::json::object(), mgmt, "users.delete");
  EXPECT_TRUE(client.admin("GET", "/emulator/credentials").json.at("credentials").empty());
}

TEST_F(EmulatorApi, TransactionCreateConfirmGivesATokenWithTheTxHash) {
  auto user = client.create_user("grace");
  const std::string payload = "Pay 10 EUR to Bob";
  const std::string nonce = "n0nce-123";
  auto token = detail::make_tx_auth_token(client.web().key, payload, std::nullopt, std::chrono::system_clock::now());
  auto created = client.with_token("POST", "/tx",
                                   {{"client_id", client.web().client_id},
                                    {"tx_payload", payload},
                                    {"nonce", nonce},
                                    {"tx_type", "text"},
                                    {"username", "grace"}},
                                   client.web(), token);
  ASSERT_EQ(created.status, 200) << created.body;
  ASSERT_TRUE(is_uuid_text(created.json["id"]));
  const auto tx_id = created.json["id"].get<std::string>();

  auto confirmed = client.admin("POST", "/emulator/tx/" + tx_id + "/confirm");
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  auto claims = verify_with_certs(client, confirmed.json.at("token").get<std::string>(), client.web().client_id);
  EXPECT_EQ(claims["iss"], "loginid.io");
  EXPECT_EQ(claims["sub"], user["id"]);
  EXPECT_EQ(claims["nid"], user["namespace_id"]);
  EXPECT_EQ(claims["nonce"], nonce);
  ASSERT_TRUE(claims["server_nonce"].is_string());
  EXPECT_FALSE(claims["server_nonce"].get<std::string>().empty());
  EXPECT_EQ(claims["tx_hash"], detail::tx_hash(payload, nonce, claims["server_nonce"].get<std::string>()));
  EXPECT_NE(claims["tx_hash"], detail::tx_hash("Pay 99 EUR to Eve", nonce, claims["server_nonce"].get<std::string>()));

  auto listed = client.admin("GET", "/emulator/transactions").json.at("transactions");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["status"], "confirmed");
  EXPECT_EQ(listed[0]["tx_payload"], payload);
}

TEST_F(EmulatorApi, PublicKeyCredentialAndAuthentication) {
  client.create_user("heidi");
  auto key = PrivateKey::generate();
  const auto pem = key.public_key().to_pem();
  auto added = client.scoped("POST", "/credentials/publickey",
                             {{"username", "heidi"},
                              {"publickey_alg", "ES256"},
                              {"publickey", pem},
                              {"options", {{"credential_name", "CI key"}}}},
                             client.management(), "credentials.force_add");
  ASSERT_EQ(added.status, 200) << added.body;
  EXPECT_EQ(added.json["is_authenticated"], true);
  EXPECT_EQ(keys_of(added.json["credential"]), (std::set<std::string>{"uuid", "type", "name"}));
  EXPECT_EQ(added.json["credential"]["type"], "public_key");
  EXPECT_EQ(added.json["credential"]["name"], "CI key");
  verify_with_certs(client, added.json.at("jwt").get<std::string>(), client.management().client_id);

  auto init = client.scoped("POST", "/authenticate/publickey/init",
                            {{"username", "heidi"}, {"publickey", pem}, {"publickey_alg", "ES256"}}, client.web(),
                            "auth.login");
  ASSERT_EQ(init.status, 200) << init.body;
  EXPECT_EQ(keys_of(init.json), (std::set<std::string>{"challenge_id", "server_nonce"}));
  const auto challenge_id = init.json["challenge_id"].get<std::string>();
  const auto server_nonce = init.json["server_nonce"].get<std::string>();

  auto complete = [&](const PrivateKey& signer, const std::string& claim = "server_nonce",
                      const std::string& signed_nonce = {}) {
    return client.send("POST", "/authenticate/publickey/complete",
                       nlohmann::json{{"client_id", client.web().client_id},
                                      {"username", "heidi"},
                                      {"challenge_id", challenge_id},
                                      {"assertion", detail::sign_jwt_json({{claim, signed_nonce.empty() ? server_nonce : signed_nonce}},
                                                                           signer)}});
  };
  expect_error(complete(PrivateKey::generate()), 401, "credential_invalid");  // not the credential's key
  expect_error(complete(key, "server_nonce", server_nonce + "x"), 401, "credential_invalid");  // another nonce
  expect_error(complete(key, "nonce"), 401, "credential_invalid");  // the nonce under no known claim
  auto done = complete(key);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.json["credential"]["uuid"], added.json["credential"]["uuid"]);
  auto claims = verify_with_certs(client, done.json.at("jwt").get<std::string>(), client.web().client_id);
  EXPECT_EQ(claims["udata"], "heidi");
  expect_error(complete(key), 400, "challenge_invalid");  // a challenge is single use

  // The assertion may carry the nonce as `challenge` too (older SDKs).
  auto again = client.scoped("POST", "/authenticate/publickey/init",
                             {{"username", "heidi"}, {"publickey", pem}, {"publickey_alg", "ES256"}}, client.web(),
                             "auth.login");
  ASSERT_EQ(again.status, 200) << again.body;
  auto older = client.send("POST", "/authenticate/publickey/complete",
                           nlohmann::json{{"client_id", client.web().client_id},
                                          {"username", "heidi"},
                                          {"challenge_id", again.json["challenge_id"]},
                                          {"assertion", detail::sign_jwt_json({{"challenge", again.json["server_nonce"]}}, key)}});
  EXPECT_EQ(older.status, 200) << older.body;
}

TEST_F(EmulatorApi, AdminApiManagesNamespacesApplicationsAndKeys) {
  EXPECT_EQ(client.admin("GET", "/emulator/health").json, (nlohmann::json{{"status", "ok"}, {"waiters", 0}}));
  auto ns = client.admin("POST", "/emulator/namespaces", nlohmann::json{{"name", "tenant-b"}});
  ASSERT_EQ(ns.status, 200) << ns.body;
  EXPECT_TRUE(is_namespace_id_text(ns.json["id"])) << ns.json["id"];
  EXPECT_EQ(ns.json["name"], "tenant-b");
  EXPECT_EQ(client.admin("GET", "/emulator/namespaces").json.at("namespaces").size(), 2u);

  auto generated = client.admin("POST", "/emulator/applications",
                                nlohmann::json{{"type", "management"}, {"namespace_id", ns.json["id"]}, {"name", "ops"}});
  ASSERT_EQ(generated.status, 200) << generated.body;
  EXPECT_EQ(keys_of(generated.json), (std::set<std::string>{"client_id", "type", "namespace_id", "name", "public_key",
                                                            "private_key", "created_at", "web_settings"}));
  EXPECT_TRUE(PrivateKey::from_pem(generated.json["private_key"].get<std::string>()).public_key() ==
              PublicKey::from_pem(generated.json["public_key"].get<std::string>()));
  EXPECT_TRUE(is_client_id_text(generated.json["client_id"])) << generated.json["client_id"];

  auto own_key = PrivateKey::generate();
  auto registered = client.admin("POST", "/emulator/applications",
                                 nlohmann::json{{"type", "web"}, {"public_key", own_key.public_key().to_pem()}});
  ASSERT_EQ(registered.status, 200) << registered.body;
  EXPECT_FALSE(registered.json.contains("private_key"));
  // The registered key really is the application's: a token it signs is accepted.
  App app{registered.json["client_id"].get<std::string>(), own_key};
  auto init = client.scoped("POST", "/authenticate/publickey/init",
                            {{"username", "nobody"}, {"publickey", own_key.public_key().to_pem()},
                             {"publickey_alg", "ES256"}},
                            app, "auth.login");
  expect_error(init, 404, "not_found");  // authenticated, then the user is unknown

  auto apps = client.admin("GET", "/emulator/applications").json.at("applications");
  EXPECT_EQ(apps.size(), 4u);
  for (const auto& a : apps) EXPECT_FALSE(a.contains("private_key"));
  auto in_ns = client.admin("GET", "/emulator/applications?namespace_id=" + ns.json["id"].get<std::string>());
  EXPECT_EQ(in_ns.json.at("applications").size(), 1u);

  auto user = client.create_user("ivan");
  client.generate_code("ivan");
  auto codes = client.admin("GET", "/emulator/codes?user_id=" + user["id"].get<std::string>()).json.at("codes");
  ASSERT_EQ(codes.size(), 1u);
  EXPECT_EQ(codes[0]["type"], "short");
  EXPECT_EQ(client.admin("GET", "/emulator/users").json.at("users").size(), 1u);
}

TEST_F(EmulatorApi, KeyRotationKeepsOldTokensVerifiable) {
  client.create_user("judy");
  auto before = wait("judy", client.generate_code("judy", "short", true)["code"].get<std::string>());
  ASSERT_EQ(before.status, 200);
  const auto old_kid = active_kid();

  auto rotated = client.admin("POST", "/emulator/keys/rotate");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const auto new_kid = rotated.json.at("kid").get<std::string>();
  EXPECT_NE(new_kid, old_kid);
  EXPECT_EQ(active_kid(), new_kid);

  auto after = wait("judy", client.generate_code("judy", "short", true)["code"].get<std::string>());
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(decode_jwt_as_json(after.json["jwt"].get<std::string>()).header["kid"], new_kid);
  // The token from before the rotation still verifies with the key /certs serves for its kid.
  verify_with_certs(client, before.json["jwt"].get<std::string>(), client.web().client_id);
  verify_with_certs(client, after.json["jwt"].get<std::string>(), client.web().client_id);
  EXPECT_EQ(client.send("GET", "/.well-known/jwks.json").json.at("keys").size(), 2u);
}

TEST_F(EmulatorApi, EveryAnswerCarriesARequestId) {
  auto echoed = client.send("GET", "/emulator/health", std::nullopt, {{"X-Request-ID", "trace-42"}});
  EXPECT_EQ(echoed.header("X-Request-ID"), "trace-42");
  auto made = client.send("GET", "/emulator/health", std::nullopt, {{"X-Request-ID", "bad id with spaces"}});
  EXPECT_TRUE(is_uuid_text(made.header("X-Request-ID")));
  EXPECT_TRUE(is_uuid_text(client.send("GET", "/no/such/path").header("X-Request-ID")));
}

}  // namespace
}  // namespace loginid::testing
