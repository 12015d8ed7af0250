// Requests of the published LoginID Node SDK (@loginid/node-sdk 0.8.3) that API.md does not list, and
// how the emulator answers them (docs/emulator.md, "Compatibility with the published SDKs"). Each is
// checked here with the exact request the Node SDK sends, behind the same token, scope and
// namespace rules as every other call. tests/interop/node drives the real package end to end.
#include <gtest/gtest.h>

#include "integration/emulator/test_support.hpp"
#include "jose/tokens.hpp"
#include "claims_json.hpp"

namespace loginid::testing {
namespace {

constexpr const char* kUnknownUuid = "0b7c4d7e-96a4-4d7c-9d0c-1f6f7a8b9c0d";

class EmulatorCompat : public ::testing::Test {
 protected:
  EmulatorProcess emulator;
  EmulatorClient client{emulator};

  /// What the Node SDK sends on getCredentials: GET, Content-Type: application/json, no body,
  /// Authorization + X-Client-ID, the user in the query.
  Reply node_get_credentials(const std::string& query, const App& app, const std::string& token) {
    return client.send("GET", "/credentials?" + query, std::nullopt,
                       {{"Authorization", "Bearer " + token}, {"X-Client-ID", app.client_id},
                        {"Content-Type", "application/json"}});
  }

  /// Counts of everything a refused request could have changed.
  std::vector<std::size_t> state() {
    return {client.admin("GET", "/emulator/users").json.at("users").size(),
            client.admin("GET", "/emulator/codes").json.at("codes").size(),
            client.admin("GET", "/emulator/credentials").json.at("credentials").size(),
            client.admin("GET", "/emulator/transactions").json.at("transactions").size()};
  }
};

// ---- GET /credentials?user_id= (Node SDK getCredentials) ----

TEST_F(EmulatorCompat, GetCredentialsAnswersLikePostCredentialsList) {
  auto user = client.create_user("frank");
  const auto user_id = user["id"].get<std::string>();
  auto key = client.admin("POST", "/emulator/users/" + user_id + "/credentials", nlohmann::json{{"name", "Key A"}});
  auto other = client.admin("POST", "/emulator/users/" + user_id + "/credentials", nlohmann::json{{"name", "Key B"}});
  ASSERT_EQ(key.status, 200);
  const auto mgmt = client.management();
  client.scoped("POST", "/credentials/revoke", {{"user_id", user_id}, {"credential", {{"uuid", other.json["uuid"]}}}},
                mgmt, "credentials.revoke");

  auto posted = client.scoped("POST", "/credentials/list", {{"user_id", user_id}}, mgmt, "credentials.list");
  ASSERT_EQ(posted.status, 200) << posted.body;
  ASSERT_EQ(posted.json["credentials"].size(), 2u);
  for (const std::string prefix : {"", "/api/native"}) {
    auto got = client.send("GET", prefix + "/credentials?user_id=" + user_id, std::nullopt,
                           {{"Authorization", "Bearer " + EmulatorClient::token(mgmt, "credentials.list")},
                            {"X-Client-ID", mgmt.client_id},
                            {"Content-Type", "application/json"}});
    ASSERT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(got.header("Content-Type").rfind("application/json", 0), 0u);
    EXPECT_EQ(got.json, posted.json) << prefix;
  }
  // By username (case-insensitive, percent-encoded), and the same status filter as the POST.
  auto by_name =
      node_get_credentials("username=FR%41NK&status=active", mgmt, EmulatorClient::token(mgmt, "credentials.list"));
  ASSERT_EQ(by_name.status, 200) << by_name.body;
  EXPECT_EQ(by_name.json["user_id"], user_id);
  ASSERT_EQ(by_name.json["credentials"].size(), 1u);
  EXPECT_EQ(by_name.json["credentials"][0]["uuid"], key.json["uuid"]);
  // A user without credentials: an empty list, not a 404.
  auto empty_user = client.create_user("gina");
  auto empty = node_get_credentials("user_id=" + empty_user["id"].get<std::string>(), mgmt,
                                    EmulatorClient::token(mgmt, "credentials.list"));
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(empty.json, (nlohmann::json{{"user_id", empty_user["id"]}, {"credentials", nlohmann::json::array()}}));
}

TEST_F(EmulatorCompat, GetCredentialsKeepsEveryTokenScopeAndNamespaceRule) {
  auto user = client.create_user("hank");
  const auto user_id = user["id"].get<std::string>();
  const auto mgmt = client.management();
  const auto web = client.web();
  const auto query = "user_id=" + user_id;

  expect_error(client.send("GET", "/credentials?" + query, std::nullopt, {{"X-Client-ID", mgmt.client_id}}), 401,
               "unauthorized");
  // No X-Client-ID and no body to carry a client_id: the caller is unknown.
  expect_error(client.send("GET", "/credentials?" + query, std::nullopt,
                           {{"Authorization", "Bearer " + EmulatorClient::token(mgmt, "credentials.list")}}),
               401, "unauthorized");
  App impostor{mgmt.client_id, web.key};
  expect_error(node_get_credentials(query, mgmt, EmulatorClient::token(impostor, "credentials.list")), 401,
               "unauthorized");
  expect_error(node_get_credentials(query, mgmt, EmulatorClient::token(mgmt, "credentials.list", std::nullopt,
                                                                       std::chrono::seconds(-3600))),
               401, "unauthorized");
  expect_error(node_get_credentials(query, mgmt, EmulatorClient::token(mgmt, "users.retrieve")), 403, "forbidden");
  expect_error(node_get_credentials(query, web, EmulatorClient::token(web, "credentials.list")), 403, "forbidden");

  const auto token = EmulatorClient::token(mgmt, "credentials.list");
  EXPECT_EQ(node_get_credentials(query, mgmt, token).status, 200);
  auto replay = node_get_credentials(query, mgmt, token);
  expect_error(replay, 401, "unauthorized");
  EXPECT_NE(replay.json.value("message", "").find("replay"), std::string::npos) << replay.body;

  auto ns = client.admin("POST", "/emulator/namespaces", nlohmann::json{{"name", "other"}}).json;
  auto other = client.create_app("management", ns["id"].get<std::string>());
  expect_error(node_get_credentials(query, other, EmulatorClient::token(other, "credentials.list")), 404, "not_found");

  auto fresh = [&] { return EmulatorClient::token(mgmt, "credentials.list"); };
  expect_error(node_get_credentials("", mgmt, fresh()), 400, "bad_request");
  expect_error(node_get_credentials("user_id=not-a-uuid", mgmt, fresh()), 400, "bad_request");
  expect_error(node_get_credentials(std::string("user_id=") + kUnknownUuid, mgmt, fresh()), 404, "not_found");
  expect_error(node_get_credentials(query + "&status=lost", mgmt, fresh()), 400, "bad_request");
  // GET only: another method on the path is a 405, never a route of its own.
  expect_error(client.send("DELETE", "/credentials", nlohmann::json::object()), 405, "method_not_allowed");
}

// ---- POST /tx as the Node SDK's createTx sends it ----

TEST_F(EmulatorCompat, TxTokenNonceNeedNotEqualTheBodyNonceAndExtraClaimsAreAccepted) {
  auto user = client.create_user("ivy");
  const auto web = client.web();
  const std::string payload = "Pay 10 EUR to Bob";
  // createTx signs generateTxAuthToken(txPayload): {client_id, type, nonce, iat, payload_hash} (and
  // generateTxAuthToken(payload, username) adds "username"), then sends another random nonce in the body.
  auto claims = detail::tx_auth_token_claims(payload, "tokenNonce000001", std::chrono::system_clock::now());
  claims["client_id"] = web.client_id;
  claims["username"] = "ivy";
  const auto token = detail::sign_jwt_json(claims, web.key);
  nlohmann::json body = {{"client_id", web.client_id}, {"tx_type", "text"}, {"tx_payload", payload},
                         {"nonce", "bodyNonce0000002"}, {"username", "ivy"}};
  auto created = client.with_token("POST", "/tx", body, web, token);
  ASSERT_EQ(created.status, 200) << created.body;

  // The transaction token carries the body's nonce, the one the SDK's verifyTransaction hashes.
  auto confirmed = client.admin("POST", "/emulator/tx/" + created.json["id"].get<std::string>() + "/confirm");
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  auto tx_claims = verify_with_certs(client, confirmed.json["token"].get<std::string>(), web.client_id);
  EXPECT_EQ(tx_claims["nonce"], "bodyNonce0000002");
  EXPECT_EQ(tx_claims["sub"], user["id"]);
  EXPECT_EQ(tx_claims["tx_hash"],
            detail::tx_hash(payload, "bodyNonce0000002", tx_claims["server_nonce"].get<std::string>()));

  // Replay protection is on the token's nonce: the same token with a new body nonce is refused.
  body["nonce"] = "bodyNonce0000003";
  const auto before = state();
  expect_error(client.with_token("POST", "/tx", body, web, token), 401, "unauthorized");
  // A token client_id claim naming another application is still refused.
  auto foreign = claims;
  foreign["client_id"] = client.management().client_id;
  foreign["nonce"] = "tokenNonce000004";
  expect_error(client.with_token("POST", "/tx", body, web, detail::sign_jwt_json(foreign, web.key)), 401, "unauthorized");
  EXPECT_EQ(state(), before);
}

// ---- The Node SDK's shared-header quirk ----

TEST_F(EmulatorCompat, AStaleXClientIdThatContradictsTheBodyClientIdIs401) {
  // @loginid/node-sdk keeps one module-wide header object, so after a web call, generateCode of a
  // management object sends X-Client-ID: <web> with body client_id: <management>. The emulator does
  // not guess which application is meant.
  client.create_user("jack");
  const auto before = state();
  auto reply = client.send("POST", "/codes/short/generate",
                           nlohmann::json{{"client_id", client.management().client_id},
                                          {"purpose", "temporary_authentication"},
                                          {"username", "jack"},
                                          {"authorize", false}},
                           {{"Authorization", "Bearer " + EmulatorClient::token(client.management(), "codes.generate")},
                            {"X-Client-ID", client.web().client_id}});
  expect_error(reply, 401, "unauthorized");
  EXPECT_NE(reply.json.value("message", "").find("X-Client-ID header and body client_id"), std::string::npos)
      << reply.body;
  EXPECT_EQ(state(), before);
}

// ---- Document scan, not emulated: 501 not_implemented (API.md) after every usual check ----

struct Flow {
  const char* path;
  const char* scope;
  bool needs_credential;
  const char* mentions;
  int status;
  const char* code;
};

const Flow kFlows[] = {
    {"/credentials/authid/init", "credentials.force_add", false, "not emulated", 501, "not_implemented"},
    {"/credentials/authid/evaluate", "credentials.retrieve_sensitive", true, "not emulated", 501, "not_implemented"},
    {"/credentials/authid/complete", "credentials.force_add", true, "not emulated", 501, "not_implemented"},
};

TEST_F(EmulatorCompat, DocumentScanAnswers501AndChangesNothing) {
  auto user = client.create_user("kim");
  const auto user_id = user["id"].get<std::string>();
  auto credential = client.admin("POST", "/emulator/users/" + user_id + "/credentials", nlohmann::json::object());
  const auto uuid = credential.json["uuid"].get<std::string>();
  const auto mgmt = client.management();
  const auto before = state();
  for (const auto& flow : kFlows) {
    SCOPED_TRACE(flow.path);
    // The body the Node SDK sends (initDocScan names the user by username, the others by id).
    nlohmann::json body = std::string(flow.path) == "/credentials/authid/init"
                              ? nlohmann::json{{"username", "kim"}}
                              : nlohmann::json{{"user_id", user_id}};
    if (flow.needs_credential) body["credential_uuid"] = uuid;
    if (std::string(flow.path) == "/credentials/authid/complete") body["activate_credential"] = true;
    for (const std::string prefix : {"", "/api/native"}) {
      auto reply = client.scoped("POST", prefix + flow.path, body, mgmt, flow.scope);
      expect_error(reply, flow.status, flow.code);
      EXPECT_NE(reply.json.value("message", "").find(flow.mentions), std::string::npos) << reply.body;
    }
  }
  EXPECT_EQ(state(), before);
  // The credential the calls named is untouched.
  auto listed = client.scoped("POST", "/credentials/list", {{"user_id", user_id}}, mgmt, "credentials.list");
  EXPECT_EQ(listed.json["credentials"][0]["status"], "active");
}

TEST_F(EmulatorCompat, DocumentScanKeepsEveryTokenScopeUserAndNamespaceRule) {
  auto user = client.create_user("lee");
  const auto user_id = user["id"].get<std::string>();
  auto credential = client.admin("POST", "/emulator/users/" + user_id + "/credentials", nlohmann::json::object());
  const auto uuid = credential.json["uuid"].get<std::string>();
  auto stranger = client.create_user("mo");
  auto strangers_key = client.admin("POST", "/emulator/users/" + stranger["id"].get<std::string>() + "/credentials",
                                    nlohmann::json::object());
  auto ns = client.admin("POST", "/emulator/namespaces", nlohmann::json{{"name", "other"}}).json;
  auto other = client.create_app("management", ns["id"].get<std::string>());
  const auto mgmt = client.management();
  const auto web = client.web();
  const auto before = state();

  for (const auto& flow : kFlows) {
    SCOPED_TRACE(flow.path);
    nlohmann::json body = {{"user_id", user_id}};
    if (flow.needs_credential) body["credential_uuid"] = uuid;
    body["client_id"] = mgmt.client_id;

    expect_error(client.send("POST", flow.path, body, {{"X-Client-ID", mgmt.client_id}}), 401, "unauthorized");
    App impostor{mgmt.client_id, web.key};
    expect_error(client.with_token("POST", flow.path, body, mgmt, EmulatorClient::token(impostor, flow.scope)), 401,
                 "unauthorized");
    expect_error(client.with_token("POST", flow.path, body, mgmt, EmulatorClient::token(mgmt, "credentials.list")),
                 403, "forbidden");
    expect_error(client.scoped("POST", flow.path, body, web, flow.scope), 403, "forbidden");
    const auto token = EmulatorClient::token(mgmt, flow.scope);
    expect_error(client.with_token("POST", flow.path, body, mgmt, token), flow.status, flow.code);
    expect_error(client.with_token("POST", flow.path, body, mgmt, token), 401, "unauthorized");  // replay

    expect_error(client.scoped("POST", flow.path, body, other, flow.scope), 404, "not_found");
    auto unknown = body;
    unknown["user_id"] = kUnknownUuid;
    expect_error(client.scoped("POST", flow.path, unknown, mgmt, flow.scope), 404, "not_found");
    auto no_user = body;
    no_user.erase("user_id");
    expect_error(client.scoped("POST", flow.path, no_user, mgmt, flow.scope), 400, "bad_request");
    expect_error(client.send_raw("POST", flow.path, "{\"user_id\":",
                                 {{"Authorization", "Bearer " + EmulatorClient::token(mgmt, flow.scope)},
                                  {"X-Client-ID", mgmt.client_id}}),
                 400, "bad_request");
    if (flow.needs_credential) {
      auto not_owned = body;
      not_owned["credential_uuid"] = strangers_key.json["uuid"];
      expect_error(client.scoped("POST", flow.path, not_owned, mgmt, flow.scope), 404, "not_found");
      auto bad = body;
      bad["credential_uuid"] = "nope";
      auto reply = client.scoped("POST", flow.path, bad, mgmt, flow.scope);
      expect_error(reply, 400, "bad_request");
      EXPECT_NE(reply.json.value("message", "").find("credential_uuid"), std::string::npos) << reply.body;
      auto missing = body;
      missing.erase("credential_uuid");
      expect_error(client.scoped("POST", flow.path, missing, mgmt, flow.scope), 400, "bad_request");
    }
  }
  auto wrong_type = nlohmann::json{{"user_id", user_id}, {"credential_uuid", uuid}, {"activate_credential", "yes"}};
  auto reply = client.scoped("POST", "/credentials/authid/complete", wrong_type, mgmt, "credentials.force_add");
  expect_error(reply, 400, "bad_request");
  EXPECT_NE(reply.json.value("message", "").find("activate_credential"), std::string::npos) << reply.body;
  EXPECT_EQ(state(), before);
}

TEST_F(EmulatorCompat, DocumentScanLoginAnswers501NotImplemented) {
  auto user = client.create_user("dora");
  auto credential = client.admin("POST", "/emulator/users/" + user["id"].get<std::string>() + "/credentials",
                                 nlohmann::json::object());
  const auto before = state();
  // authenticate_doc_scan_init (Python SDK 1.x): scope auth.login.
  auto init = client.scoped("POST", "/authenticate/authid/init", {{"username", "dora"}}, client.web(), "auth.login");
  expect_error(init, 501, "not_implemented");
  EXPECT_NE(init.json.value("message", "").find("document scan (AuthID) is not emulated"), std::string::npos)
      << init.body;
  // authenticate_doc_scan_complete: a complete call, so no token is needed and a bad one is ignored.
  const nlohmann::json complete = {
      {"client_id", client.web().client_id}, {"username", "dora"}, {"credential_uuid", credential.json["uuid"]}};
  expect_error(client.send("POST", "/authenticate/authid/complete", complete), 501, "not_implemented");
  expect_error(client.send("POST", "/authenticate/authid/complete", complete, {{"Authorization", "Bearer x.y.z"}}),
               501, "not_implemented");
  // The usual checks still come first.
  expect_error(client.scoped("POST", "/authenticate/authid/init", {{"username", "nobody"}}, client.web(), "auth.login"),
               404, "not_found");
  expect_error(client.send("POST", "/authenticate/authid/init", nlohmann::json{{"client_id", client.web().client_id},
                                                                             {"username", "dora"}}),
               401, "unauthorized");
  EXPECT_EQ(state(), before);
}

// ---- Other Node SDK request shapes the emulator already served ----

TEST_F(EmulatorCompat, NodeSdkUserCallsWithTheirExactShapes) {
  const auto mgmt = client.management();
  auto headers = [&](const std::string& scope) {
    return httplib::Headers{{"Authorization", "Bearer " + EmulatorClient::token(mgmt, scope)},
                            {"X-Client-ID", mgmt.client_id}};
  };
  // addUserWithoutCredentials / getUserId / deleteUserByUsername: {username} only, no client_id.
  auto created = client.send("POST", "/manage/users", nlohmann::json{{"username", "Nora"}}, headers("users.create"));
  ASSERT_EQ(created.status, 200) << created.body;
  const auto id = created.json["id"].get<std::string>();
  auto retrieved =
      client.send("POST", "/manage/users/retrieve", nlohmann::json{{"username", "nora"}}, headers("users.retrieve"));
  EXPECT_EQ(retrieved.json["id"], id);
  // activate/deactivate: PUT with Content-Type: application/json and an empty body (Content-Length: 0).
  auto deactivated = client.send_raw("PUT", "/manage/users/" + id + "/deactivate", "", headers("users.deactivate"));
  ASSERT_EQ(deactivated.status, 200) << deactivated.body;
  EXPECT_EQ(deactivated.json["status"], "inactive");
  auto deleted =
      client.send("POST", "/manage/users/delete", nlohmann::json{{"username", "NORA"}}, headers("users.delete"));
  EXPECT_EQ(deleted.status, 204) << deleted.body;
  EXPECT_TRUE(deleted.body.empty());
  EXPECT_TRUE(client.admin("GET", "/emulator/users").json.at("users").empty());
}

}  // namespace
}  // namespace loginid::testing
