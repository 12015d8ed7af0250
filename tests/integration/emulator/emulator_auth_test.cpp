// Service-token checks (API.md "Behaviour the emulator owes"): every failure is a 401/403 that
// changes no state; scopes per application type; namespace isolation; the admin token.
#include <gtest/gtest.h>

#include "integration/emulator/test_support.hpp"
#include "jose/base64url.hpp"
#include "jose/tokens.hpp"
#include "claims_json.hpp"

namespace loginid::testing {
namespace {

class EmulatorAuth : public ::testing::Test {
 protected:
  EmulatorProcess emulator;
  EmulatorClient client{emulator};

  std::size_t user_count() { return client.admin("GET", "/emulator/users").json.at("users").size(); }

  /// POST /manage/users for "mallory" with the given headers; asserts that it created nothing.
  void expect_refused(const httplib::Headers& headers, int status, const std::string& code,
                      nlohmann::json body = {{"username", "mallory"}}) {
    const auto before = user_count();
    auto reply = client.send("POST", "/manage/users", body, headers);
    expect_error(reply, status, code);
    EXPECT_EQ(user_count(), before) << "a refused call changed state";
  }

  httplib::Headers bearer(const std::string& token, const std::string& client_id) {
    return {{"Authorization", "Bearer " + token}, {"X-Client-ID", client_id}};
  }
};

TEST_F(EmulatorAuth, MissingOrMalformedCredentialsAre401) {
  const auto mgmt = client.management();
  expect_refused({{"X-Client-ID", mgmt.client_id}}, 401, "unauthorized");
  expect_refused({{"Authorization", "Bearer " + EmulatorClient::token(mgmt, "users.create")}}, 401, "unauthorized");
  expect_refused({{"Authorization", "Basic abc"}, {"X-Client-ID", mgmt.client_id}}, 401, "unauthorized");
  expect_refused(bearer("not.a.jwt", mgmt.client_id), 401, "unauthorized");
  expect_refused(bearer(EmulatorClient::token(mgmt, "users.create"), "no-such-client"), 401, "unauthorized");
}

TEST_F(EmulatorAuth, BadSignaturesAre401) {
  const auto mgmt = client.management();
  // Signed by another application's key while claiming to be the management app.
  App impostor{mgmt.client_id, client.web().key};
  expect_refused(bearer(EmulatorClient::token(impostor, "users.create"), mgmt.client_id), 401, "unauthorized");
  // A fresh random key.
  App stranger{mgmt.client_id, PrivateKey::generate()};
  expect_refused(bearer(EmulatorClient::token(stranger, "users.create"), mgmt.client_id), 401, "unauthorized");
  // A valid token with one signature byte flipped.
  auto token = EmulatorClient::token(mgmt, "users.create");
  token[token.size() - 5] = token[token.size() - 5] == 'A' ? 'B' : 'A';
  expect_refused(bearer(token, mgmt.client_id), 401, "unauthorized");
  // alg "none" with the same claims.
  auto claims = detail::base64url_encode(
      nlohmann::json{{"client_id", mgmt.client_id}, {"type", "users.create"}, {"nonce", "abc"}, {"iat", 1}}.dump());
  auto none = detail::base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." + claims + ".";
  expect_refused(bearer(none, mgmt.client_id), 401, "unauthorized");
  // The token's client_id claim names another application than the caller.
  App other_claim{client.web().client_id, mgmt.key};
  expect_refused(bearer(EmulatorClient::token(other_claim, "users.create"), mgmt.client_id), 401, "unauthorized");
}

TEST_F(EmulatorAuth, StaleOrFutureIatIs401) {
  const auto mgmt = client.management();
  using std::chrono::seconds;
  expect_refused(bearer(EmulatorClient::token(mgmt, "users.create", std::nullopt, seconds(-400)), mgmt.client_id),
                 401, "unauthorized");
  expect_refused(bearer(EmulatorClient::token(mgmt, "users.create", std::nullopt, seconds(400)), mgmt.client_id), 401,
                 "unauthorized");
  // Inside the ±300 s window is fine.
  auto ok = client.send("POST", "/manage/users", nlohmann::json{{"username", "inside-window"}},
                        bearer(EmulatorClient::token(mgmt, "users.create", std::nullopt, seconds(-200)),
                               mgmt.client_id));
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST_F(EmulatorAuth, ReplayedNonceIs401) {
  const auto mgmt = client.management();
  auto first = client.send("POST", "/manage/users", nlohmann::json{{"username", "once"}},
                           bearer(EmulatorClient::token(mgmt, "users.create", "fixed-nonce-1"), mgmt.client_id));
  ASSERT_EQ(first.status, 200) << first.body;
  // A new token (other iat is irrelevant) carrying the same nonce.
  expect_refused(bearer(EmulatorClient::token(mgmt, "users.create", "fixed-nonce-1"), mgmt.client_id), 401,
                 "unauthorized");
  // A refused token does not burn its nonce: a 403 first, then the same nonce with the right scope works.
  expect_refused(bearer(EmulatorClient::token(mgmt, "users.retrieve", "fixed-nonce-2"), mgmt.client_id), 403,
                 "forbidden");
  auto retry = client.send("POST", "/manage/users", nlohmann::json{{"username", "twice"}},
                           bearer(EmulatorClient::token(mgmt, "users.create", "fixed-nonce-2"), mgmt.client_id));
  EXPECT_EQ(retry.status, 200) << retry.body;
}

TEST_F(EmulatorAuth, WrongScopeIs403AndWebAppsCannotUseManagementScopes) {
  const auto mgmt = client.management();
  const auto web = client.web();
  expect_refused(bearer(EmulatorClient::token(mgmt, "users.retrieve"), mgmt.client_id), 403, "forbidden");
  expect_refused(bearer(EmulatorClient::token(web, "users.create"), web.client_id), 403, "forbidden");
  client.create_user("zoe");
  auto code = client.scoped("POST", "/codes/short/generate",
                            {{"purpose", "temporary_authentication"}, {"username", "zoe"}}, web, "codes.generate");
  expect_error(code, 403, "forbidden");
  EXPECT_TRUE(client.admin("GET", "/emulator/codes").json.at("codes").empty());
  auto creds = client.scoped("POST", "/credentials/list", {{"username", "zoe"}}, web, "credentials.list");
  expect_error(creds, 403, "forbidden");
}

TEST_F(EmulatorAuth, WaitAcceptsNoTokenOrAnyValidTokenButNotABadOne) {
  client.create_user("walt");
  auto wait_body = [&](const std::string& code) {
    return nlohmann::json{{"client_id", client.web().client_id},
                          {"username", "walt"},
                          {"authentication_code", {{"code", code}, {"type", "short"}}}};
  };
  auto code1 = client.generate_code("walt", "short", true)["code"].get<std::string>();
  auto bad = client.send("POST", "/authenticate/code/wait", wait_body(code1),
                         {{"Authorization", "Bearer garbage.token.here"}});
  expect_error(bad, 401, "unauthorized");
  // The refused call did not consume the code.
  auto any_scope = client.with_token("POST", "/authenticate/code/wait", wait_body(code1), client.web(),
                                     EmulatorClient::token(client.web(), "auth.login"));
  EXPECT_EQ(any_scope.status, 200) << any_scope.body;
  auto code2 = client.generate_code("walt", "short", true)["code"].get<std::string>();
  EXPECT_EQ(client.send("POST", "/authenticate/code/wait", wait_body(code2)).status, 200);
}

TEST_F(EmulatorAuth, CompleteCallsIgnoreTheAuthorizationHeader) {
  // API.md "complete calls": published SDKs send no token there, or one whose type is null, or a
  // stale one. Whatever the header holds, the single-use challenge alone decides.
  const auto web = client.web();
  client.create_user("pat");
  const auto key = PrivateKey::generate();
  const auto pem = key.public_key().to_pem();
  ASSERT_EQ(client.scoped("POST", "/credentials/publickey", {{"username", "pat"}, {"publickey_alg", "ES256"}, {"publickey", pem}},
                          client.management(), "credentials.force_add")
                .status,
            200);
  auto complete_body = [&] {
    auto init = client.scoped("POST", "/authenticate/publickey/init",
                              {{"username", "pat"}, {"publickey", pem}, {"publickey_alg", "ES256"}}, web, "auth.login");
    EXPECT_EQ(init.status, 200) << init.body;
    return nlohmann::json{{"client_id", web.client_id},
                          {"username", "pat"},
                          {"challenge_id", init.json.value("challenge_id", "")},
                          {"assertion", detail::sign_jwt_json({{"server_nonce", init.json.value("server_nonce", "")}}, key)}};
  };
  auto null_type = detail::service_token_claims(
      {.client_id = web.client_id, .scope = "auth.login", .now = std::chrono::system_clock::now()});
  null_type["type"] = nullptr;
  const auto used = EmulatorClient::token(web, "auth.login");
  ASSERT_EQ(client.with_token("POST", "/authenticate/publickey/init",
                              {{"username", "pat"}, {"publickey", pem}, {"publickey_alg", "ES256"}}, web, used)
                .status,
            200);  // its nonce is now spent
  const std::vector<httplib::Headers> headers = {
      {},
      {{"X-Client-ID", web.client_id}},
      {{"Authorization", "Bearer garbage.token.here"}},
      {{"Authorization", "Basic abc"}},
      {{"Authorization", "Bearer " + detail::sign_jwt_json(null_type, web.key)}, {"X-Client-ID", web.client_id}},
      {{"Authorization", "Bearer " + EmulatorClient::token(web, "auth.login", std::nullopt, std::chrono::hours(-2))}},
      {{"Authorization", "Bearer " + used}},
      {{"Authorization", "Bearer " + EmulatorClient::token(App{web.client_id, PrivateKey::generate()}, "auth.login")}},
      {{"Authorization", "Bearer " + EmulatorClient::token(client.management(), "users.delete")}},
  };
  for (std::size_t i = 0; i < headers.size(); ++i) {
    auto done = client.send("POST", "/authenticate/publickey/complete", complete_body(), headers[i]);
    ASSERT_EQ(done.status, 200) << "header set " << i << ": " << done.body;
    verify_with_certs(client, done.json.at("jwt").get<std::string>(), web.client_id);
  }
  // The application is still looked up: unknown or missing client ids are refused.
  auto unknown = complete_body();
  unknown["client_id"] = "no-such-client";
  expect_error(client.send("POST", "/authenticate/publickey/complete", unknown), 401, "unauthorized");
  auto anonymous = complete_body();
  anonymous.erase("client_id");
  expect_error(client.send("POST", "/authenticate/publickey/complete", anonymous), 400, "bad_request");
}

TEST_F(EmulatorAuth, TxCreateChecksTheTxTokenAndPayloadHash) {
  const auto web = client.web();
  auto body = nlohmann::json{{"client_id", web.client_id}, {"tx_payload", "pay 1"}, {"nonce", "n1"}};
  auto other_payload = detail::make_tx_auth_token(web.key, "pay 1000", std::nullopt, std::chrono::system_clock::now());
  expect_error(client.with_token("POST", "/tx", body, web, other_payload), 401, "unauthorized");
  expect_error(client.with_token("POST", "/tx", body, web, EmulatorClient::token(web, "users.create")), 403,
               "forbidden");
  // Some SDKs send the claim as "scope" instead of "type".
  auto claims = detail::tx_auth_token_claims("pay 1", std::nullopt, std::chrono::system_clock::now());
  claims["scope"] = claims["type"];
  claims.erase("type");
  EXPECT_EQ(client.with_token("POST", "/tx", body, web, detail::sign_jwt_json(claims, web.key)).status, 200);
  EXPECT_EQ(client.admin("GET", "/emulator/transactions").json.at("transactions").size(), 1u);
}

TEST_F(EmulatorAuth, NamespacesAreIsolated) {
  auto alice = client.create_user("alice");
  auto ns = client.admin("POST", "/emulator/namespaces", nlohmann::json{{"name", "other"}}).json;
  auto other = client.create_app("management", ns["id"].get<std::string>());

  const auto id = alice["id"].get<std::string>();
  expect_error(client.scoped("POST", "/manage/users/retrieve", {{"username", "alice"}}, other, "users.retrieve"), 404,
               "not_found");
  expect_error(client.scoped("PUT", "/manage/users/" + id + "/deactivate", nlohmann::json::object(), other,
                             "users.deactivate"),
               404, "not_found");
  expect_error(client.scoped("DELETE", "/manage/users/" + id, nlohmann::json::object(), other, "users.delete"), 404,
               "not_found");
  expect_error(client.scoped("POST", "/credentials/list", {{"user_id", id}}, other, "credentials.list"), 404,
               "not_found");
  expect_error(client.scoped("POST", "/codes/short/generate",
                             {{"purpose", "temporary_authentication"}, {"user_id", id}}, other, "codes.generate"),
               404, "not_found");
  // The same username is free in the other namespace, and a different user there.
  auto twin = client.scoped("POST", "/manage/users", {{"username", "alice"}}, other, "users.create");
  ASSERT_EQ(twin.status, 200) << twin.body;
  EXPECT_NE(twin.json["id"], alice["id"]);
  EXPECT_EQ(twin.json["namespace_id"], ns["id"]);
  auto still = client.scoped("POST", "/manage/users/retrieve", {{"username", "alice"}}, client.management(),
                             "users.retrieve");
  EXPECT_EQ(still.json, alice);
}

TEST(EmulatorAdminToken, AdminCallsNeedTheTokenWhenOneIsSet) {
  EmulatorProcess emulator({{"--admin-token", "s3cret"}, {}, {}});
  EmulatorClient anonymous(emulator);
  EmulatorClient admin(emulator, "s3cret");
  EmulatorClient wrong(emulator, "guess");
  expect_error(anonymous.admin("GET", "/emulator/users"), 401, "unauthorized");
  expect_error(wrong.admin("POST", "/emulator/keys/rotate"), 401, "unauthorized");
  EXPECT_EQ(admin.admin("GET", "/emulator/keys").json.at("keys").size(), 1u);  // the refused rotate did nothing
  EXPECT_EQ(anonymous.send("GET", "/emulator/health").status, 200);
  EXPECT_EQ(admin.admin("GET", "/emulator/users").status, 200);
}

}  // namespace
}  // namespace loginid::testing
