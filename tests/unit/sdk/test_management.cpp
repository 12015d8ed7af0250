// LoginIdManagement request building: for every function, the exact method, URL (with
// percent-encoding), headers, body and the scope in the service token, checked against a
// recording fake transport; plus idempotency (what a 503 does), local validation and parsing.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "loginid/management.hpp"
#include "test_client_fake.hpp"

namespace loginid::test {
namespace {

using nlohmann::json;
using namespace std::chrono;  // sys_days, 2026y, 5min: the timestamps of the answers

const char* kUserId = "8d3c6a64-8a3f-4d55-9d6e-3b1a0c0f0e01";
const char* kCredId = "0f9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c";

json user_json(const std::string& status = "active") {
  return {{"id", kUserId},
          {"username", "alice"},
          {"status", status},
          {"namespace_id", "401c4beeb7925852"},
          {"client_id", kClientId},
          {"type", "user"},
          {"contacts", json::array()},
          {"created_at", "2026-11-29T01:02:03.456Z"},
          {"updated_at", "2026-11-29T01:02:03.456Z"}};
}

json credential_json(const std::string& name = "laptop", const std::string& status = "active") {
  return {{"uuid", kCredId},   {"type", "fido2"},
          {"status", status},  {"name", name},
          {"created_at", "2026-11-29T01:02:03.456Z"}, {"updated_at", "2026-11-29T01:02:03.456Z"}};
}

json auth_json(const std::string& jwt) {
  return {{"is_authenticated", true},
          {"jwt", jwt},
          {"user", {{"id", kUserId}, {"username", "alice"}, {"namespace_id", "ns-1"}}},
          {"credential", {{"uuid", kCredId}, {"type", "public_key"}, {"name", "ci key"}}},
          {"client", {{"id", kClientId}, {"type", "management"}}}};
}

struct Case {
  std::string name;
  std::function<void(const LoginIdManagement&)> invoke;
  std::string method;
  std::string path;
  std::string scope;
  json body;         // null: no body
  int status;        // of the scripted success answer
  json answer;       // null: empty body
  bool creates;      // a 503 must not be repeated
};

class ManagementRequests : public ::testing::Test {
 protected:
  Fixture fx;
  PrivateKey user_key = PrivateKey::generate();

  std::vector<Case> cases() const {
    const std::string user_pem = user_key.public_key().to_pem();
    const std::string token = fx.user_token();
    return {
        {"generate_code",
         [](const LoginIdManagement& m) {
           auto r = m.generate_code(Username("alice"), CodeType::short_code, CodePurpose::temporary_authentication,
                                    {.authorized = true});
           EXPECT_EQ(r.code, "123456");
           EXPECT_TRUE(r.is_authorized);
           EXPECT_EQ(r.expires_at, sys_days{2026y / 11 / 29} + 5min);
           // Kept from the request, so the result can be handed on to wait_code / authorize_code.
           EXPECT_EQ(r.code_type, CodeType::short_code);
           EXPECT_EQ(r.purpose, CodePurpose::temporary_authentication);
         },
         "POST", "/codes/short/generate", "codes.generate",
         json{{"client_id", kClientId}, {"purpose", "temporary_authentication"}, {"authorize", true}, {"username", "alice"}},
         200, json{{"code", "123456"}, {"expires_at", "2026-11-29T00:05:00.000Z"}, {"is_authorized", true}}, true},
        {"authorize_code",
         [](const LoginIdManagement& m) {
           auto r = m.authorize_code(UserRef::by_id(kUserId), "abcdEFGH12345678", CodeType::long_code, CodePurpose::add_credential);
           EXPECT_TRUE(r.is_authorized);
         },
         "POST", "/codes/long/authorize", "codes.authorize",
         json{{"client_id", kClientId}, {"purpose", "add_credential"}, {"code", "abcdEFGH12345678"}, {"user_id", kUserId}},
         200, json{{"expires_at", "2026-11-29T00:05:00.000Z"}, {"is_authorized", true}}, true},
        {"authorize_code(CodeResult)",
         [](const LoginIdManagement& m) {
           CodeResult code;
           code.code = "abcdEFGH12345678";
           code.code_type = CodeType::long_code;
           code.purpose = CodePurpose::add_credential;
           EXPECT_TRUE(m.authorize_code(UserId(kUserId), code).is_authorized);
         },
         "POST", "/codes/long/authorize", "codes.authorize",
         json{{"client_id", kClientId}, {"purpose", "add_credential"}, {"code", "abcdEFGH12345678"}, {"user_id", kUserId}},
         200, json{{"expires_at", "2026-11-29T00:05:00.000Z"}, {"is_authorized", true}}, true},
        {"invalidate_all_codes",
         [](const LoginIdManagement& m) {
           auto r = m.invalidate_all_codes(UserRef::by_id_and_username(UserId(kUserId), Username("alice")), CodeType::phrase, CodePurpose::temporary_authentication);
           EXPECT_EQ(r.deleted_at, sys_days{2026y / 11 / 29} + 1s);
         },
         "POST", "/codes/phrase/invalidate-all", "codes.invalidate",
         json{{"client_id", kClientId}, {"purpose", "temporary_authentication"}, {"user_id", kUserId}, {"username", "alice"}},
         200, json{{"deleted_at", "2026-11-29T00:00:01.000Z"}}, false},
        {"get_credentials",
         [](const LoginIdManagement& m) {
           auto r = m.get_credentials(UserRef::by_username("alice"), CredentialStatus::active);
           EXPECT_EQ(r.user_id, kUserId);
           ASSERT_EQ(r.credentials.size(), 1U);
           EXPECT_EQ(r.credentials[0].uuid, kCredId);
           EXPECT_EQ(r.credentials[0].name, "laptop");
           EXPECT_EQ(json::parse(r.raw_json)["credentials"][0]["type"], "fido2");
         },
         "POST", "/credentials/list", "credentials.list",
         json{{"client_id", kClientId}, {"username", "alice"}, {"status", "active"}},
         200, json{{"user_id", kUserId}, {"credentials", json::array({credential_json()})}}, false},
        // A status this SDK version does not know: sent as given, and kept (not refused) in the answer.
        {"get_credentials (a newer status)",
         [](const LoginIdManagement& m) {
           auto r = m.get_credentials(UserRef::by_username("alice"), CredentialStatus("suspended"));
           ASSERT_EQ(r.credentials.size(), 1U);
           EXPECT_EQ(r.credentials[0].status, CredentialStatus("suspended"));
           EXPECT_EQ(r.credentials[0].status.to_string(), "suspended");
           EXPECT_NE(r.credentials[0].status, CredentialStatus::active);
           EXPECT_NE(r.credentials[0].status, CredentialStatus::revoked);
         },
         "POST", "/credentials/list", "credentials.list",
         json{{"client_id", kClientId}, {"username", "alice"}, {"status", "suspended"}},
         200, json{{"user_id", kUserId}, {"credentials", json::array({credential_json("laptop", "suspended")})}}, false},
        {"rename_credential",
         [](const LoginIdManagement& m) {
           auto r = m.rename_credential(UserRef::by_id(kUserId), CredentialId(kCredId), "work laptop");
           EXPECT_EQ(r.credential.name, "work laptop");
         },
         "POST", "/credentials/rename", "credentials.rename",
         json{{"client_id", kClientId}, {"user_id", kUserId}, {"credential", {{"uuid", kCredId}, {"name", "work laptop"}}}},
         200, json{{"user_id", kUserId}, {"credential", credential_json("work laptop")}}, false},
        {"revoke_credential",
         [](const LoginIdManagement& m) {
           auto r = m.revoke_credential(UserRef::by_username("alice"), CredentialId(kCredId));
           EXPECT_EQ(r.credential.status, CredentialStatus::revoked);
         },
         "POST", "/credentials/revoke", "credentials.revoke",
         json{{"client_id", kClientId}, {"username", "alice"}, {"credential", {{"uuid", kCredId}}}},
         200, json{{"user_id", kUserId}, {"credential", credential_json("laptop", "revoked")}}, false},
        {"add_publickey_credential",
         [user_pem](const LoginIdManagement& m) {
           auto r = m.add_publickey_credential(UserRef::by_username("alice"), user_pem, "ci key");
           EXPECT_TRUE(r.is_authenticated);
           ASSERT_TRUE(r.claims.has_value());
           EXPECT_EQ(r.claims->username(), "alice");
           ASSERT_TRUE(r.credential.has_value());
           EXPECT_EQ(r.credential->name, "ci key");
         },
         "POST", "/credentials/publickey", "credentials.force_add",
         json{{"client_id", kClientId}, {"publickey_alg", "ES256"}, {"publickey", user_pem}, {"username", "alice"},
              {"options", {{"credential_name", "ci key"}}}},
         200, auth_json(token), true},
        {"generate_recovery_code",
         [](const LoginIdManagement& m) {
           auto r = m.generate_recovery_code(UserRef::by_username("alice"));
           EXPECT_EQ(r.code, "apple-arrow-badge-baker-beach-berry");
           EXPECT_EQ(r.created_at, sys_days{2026y / 11 / 29});
         },
         "POST", "/credentials/recovery-code", "credentials.add_recovery",
         json{{"client_id", kClientId}, {"username", "alice"}}, 200,
         json{{"code", "apple-arrow-badge-baker-beach-berry"}, {"created_at", "2026-11-29T00:00:00.000Z"}}, true},
        {"get_user",
         [](const LoginIdManagement& m) {
           auto u = m.get_user(Username("alice"));
           EXPECT_EQ(u.id, kUserId);
           EXPECT_TRUE(u.is_active());
           EXPECT_EQ(u.namespace_id, "401c4beeb7925852");
           EXPECT_EQ(u.client_id, kClientId);
           EXPECT_EQ(u.type, "user");
           EXPECT_EQ(json::parse(u.raw_json)["contacts"], json::array());
         },
         "POST", "/manage/users/retrieve", "users.retrieve", json{{"username", "alice"}}, 200, user_json(), false},
        {"get_user_id", [](const LoginIdManagement& m) { EXPECT_EQ(m.get_user_id(Username("alice")).str(), kUserId); },
         "POST", "/manage/users/retrieve", "users.retrieve", json{{"username", "alice"}}, 200, user_json(), false},
        {"add_user_without_credentials",
         [](const LoginIdManagement& m) { EXPECT_EQ(m.add_user_without_credentials(Username("alice")).username, "alice"); },
         "POST", "/manage/users", "users.create", json{{"username", "alice"}}, 200, user_json(), true},
        {"deactivate_user",
         [](const LoginIdManagement& m) { EXPECT_FALSE(m.deactivate_user(UserId(kUserId)).is_active()); },
         "PUT", std::string("/manage/users/") + kUserId + "/deactivate", "users.deactivate", json(), 200,
         user_json("inactive"), false},
        {"activate_user", [](const LoginIdManagement& m) { EXPECT_TRUE(m.activate_user(UserId(kUserId)).is_active()); },
         "PUT", std::string("/manage/users/") + kUserId + "/activate", "users.activate", json(), 200, user_json(), false},
        {"delete_by_user_id", [](const LoginIdManagement& m) { m.delete_by_user_id(UserId(kUserId)); },
         "DELETE", std::string("/manage/users/") + kUserId, "users.delete", json(), 204, json(), false},
        {"delete_by_username", [](const LoginIdManagement& m) { m.delete_by_username(Username("alice")); },
         "POST", "/manage/users/delete", "users.delete", json{{"username", "alice"}}, 204, json(), false},
    };
  }

  static HttpResponse answer_of(const Case& c) {
    if (c.answer.is_null()) return HttpResponse{c.status, {{"X-Request-ID", "req-123"}}, ""};
    return json_response(c.status, c.answer);
  }
};

TEST_F(ManagementRequests, EveryFunctionSendsExactlyTheApiMdRequest) {
  const LoginIdManagement mgmt(kClientId, fx.app_pem(), fx.options());
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const std::size_t before = fx.transport->requests().size();
    fx.transport->answer(answer_of(c));
    c.invoke(mgmt);

    const auto requests = fx.transport->requests();
    ASSERT_EQ(requests.size(), before + 1) << "exactly one request";
    const HttpRequest& sent = requests.back();
    EXPECT_EQ(sent.method, c.method);
    EXPECT_EQ(sent.url, std::string(kBaseUrl) + c.path);
    EXPECT_EQ(header_of(sent, "X-Client-ID"), kClientId);
    EXPECT_EQ(body_of(sent), c.body);
    if (!c.body.is_null()) {
      EXPECT_EQ(header_of(sent, "Content-Type"), "application/json");
    }

    // The bearer is a service token for exactly this scope, signed with the application key.
    const std::string auth = header_of(sent, "Authorization");
    ASSERT_EQ(auth.rfind("Bearer ", 0), 0U) << auth;
    const auto jwt = decode_jwt_as_json(auth.substr(7));
    EXPECT_EQ(jwt.payload["type"], c.scope);
    EXPECT_EQ(jwt.payload["client_id"], kClientId);
    EXPECT_EQ(jwt.payload["iat"], now_seconds());
    EXPECT_EQ(jwt.payload["nonce"].get<std::string>().size(), 16U);
    EXPECT_FALSE(detail::check_signature_json(jwt, fx.app_key.public_key()));
  }
}

TEST_F(ManagementRequests, CreatingCallsAreNotRepeatedAfterA503AndSafeCallsAre) {
  const LoginIdManagement mgmt(kClientId, fx.app_pem(), fx.options(/*max_attempts=*/2));
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const std::size_t before = fx.transport->requests().size();
    int calls = 0;
    const HttpResponse success = answer_of(c);
    fx.transport->answer_with([&calls, success](const HttpRequest&) {
      return ++calls == 1 ? json_response(503, {{"code", "unavailable"}, {"message", "try later"}}) : success;
    });
    if (c.creates) {
      try {
        c.invoke(mgmt);
        ADD_FAILURE() << "a creating call was repeated after a 503";
      } catch (const Error& e) {
        EXPECT_EQ(e.status(), 503);
      }
      EXPECT_EQ(fx.transport->requests().size(), before + 1);
    } else {
      c.invoke(mgmt);
      const auto requests = fx.transport->requests();
      ASSERT_EQ(requests.size(), before + 2);
      // The retry carries a fresh service token: the service refuses a replayed nonce.
      auto nonce = [](const HttpRequest& r) {
        return decode_jwt_as_json(header_of(r, "Authorization").substr(7)).payload["nonce"].get<std::string>();
      };
      EXPECT_NE(nonce(requests[before]), nonce(requests[before + 1]));
      EXPECT_EQ(requests[before].body, requests[before + 1].body);
    }
  }
}

TEST_F(ManagementRequests, EachNonceIsFresh) {
  const LoginIdManagement mgmt(kClientId, fx.app_pem(), fx.options());
  fx.transport->answer(json_response(200, user_json()));
  (void)mgmt.get_user(Username("alice"));
  (void)mgmt.get_user(Username("alice"));
  const auto requests = fx.transport->requests();
  ASSERT_EQ(requests.size(), 2U);
  auto nonce = [](const HttpRequest& r) {
    return decode_jwt_as_json(header_of(r, "Authorization").substr(7)).payload["nonce"].get<std::string>();
  };
  EXPECT_NE(nonce(requests[0]), nonce(requests[1]));
}

TEST_F(ManagementRequests, UserIdIsPercentEncodedIntoPaths) {
  const LoginIdManagement mgmt(kClientId, fx.app_pem(), fx.options());
  fx.transport->answer(json_response(200, user_json()));
  (void)mgmt.activate_user(UserId("a b/../c?d#e"));
  fx.transport->answer(HttpResponse{204, {}, ""});
  mgmt.delete_by_user_id(UserId("x/y"));
  const auto requests = fx.transport->requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[0].url, std::string(kBaseUrl) + "/manage/users/a%20b%2F..%2Fc%3Fd%23e/activate");
  EXPECT_EQ(requests[1].url, std::string(kBaseUrl) + "/manage/users/x%2Fy");
}

TEST_F(ManagementRequests, BadArgumentsAreRefusedBeforeAnythingIsSent) {
  const LoginIdManagement mgmt(kClientId, fx.app_pem(), fx.options());
  fx.transport->answer(json_response(200, user_json()));
  const UserRef nobody = UserRef::by_id("");
  const UserRef empty_name = UserRef::by_username("");
  auto expect_refused = [](const std::function<void()>& call, const std::string& names) {
    try {
      call();
      ADD_FAILURE() << "accepted; expected a complaint about " << names;
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find(names), std::string::npos) << e.what();
    }
  };
  const auto tmp = CodePurpose::temporary_authentication;
  expect_refused([&] { (void)mgmt.generate_code(nobody, CodeType::short_code, tmp); }, "user");
  expect_refused([&] { (void)mgmt.generate_code(empty_name, CodeType::short_code, tmp); }, "user");
  expect_refused([&] { (void)mgmt.generate_code(UserRef::by_username("a"), static_cast<CodeType>(7), tmp); },
                 "code_type");
  expect_refused(
      [&] { (void)mgmt.generate_code(UserRef::by_username("a"), CodeType::short_code, static_cast<CodePurpose>(9)); },
      "purpose");
  expect_refused([&] { (void)mgmt.authorize_code(UserRef::by_username("a"), "", CodeType::short_code, tmp); }, "code");
  expect_refused([&] { (void)mgmt.invalidate_all_codes(nobody, CodeType::short_code, tmp); }, "user");
  expect_refused([&] { (void)mgmt.get_credentials(nobody); }, "user");
  expect_refused([&] { (void)mgmt.get_credentials(UserRef::by_username("a"), CredentialStatus("")); }, "status");
  expect_refused([&] { (void)mgmt.rename_credential(UserRef::by_username("a"), CredentialId(""), "n"); }, "credential_id");
  expect_refused([&] { (void)mgmt.rename_credential(UserRef::by_username("a"), CredentialId(kCredId), ""); }, "new_name");
  expect_refused([&] { (void)mgmt.revoke_credential(UserRef::by_username("a"), CredentialId("")); }, "credential_id");
  expect_refused([&] { (void)mgmt.add_publickey_credential(UserRef::by_username("a"), ""); }, "public_key_pem");
  expect_refused([&] { (void)mgmt.get_user(Username("")); }, "username");
  expect_refused([&] { (void)mgmt.get_user(Username("bad\xff utf8")); }, "username");
  expect_refused([&] { (void)mgmt.add_user_without_credentials(Username("")); }, "username");
  expect_refused([&] { (void)mgmt.deactivate_user(UserId("")); }, "user_id");
  expect_refused([&] { (void)mgmt.activate_user(UserId("")); }, "user_id");
  expect_refused([&] { mgmt.delete_by_user_id(UserId("")); }, "user_id");
  expect_refused([&] { mgmt.delete_by_username(Username("")); }, "username");
  expect_refused([&] { (void)mgmt.generate_recovery_code(nobody); }, "user");
  expect_refused([&] { (void)mgmt.generate_recovery_code(empty_name); }, "user");
  EXPECT_THROW((void)mgmt.add_publickey_credential(UserRef::by_username("a"), "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
               KeyError);
  EXPECT_TRUE(fx.transport->requests().empty());
}

TEST_F(ManagementRequests, ConstructionNeedsAPrivateKey) {
  try {
    const LoginIdManagement mgmt(kClientId, std::string{}, fx.options());
    FAIL() << "constructed without a key";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("private_key_pem"), std::string::npos);
  }
  EXPECT_THROW(LoginIdManagement(kClientId, std::string("not a key"), fx.options()), KeyError);
}

TEST_F(ManagementRequests, ServiceErrorsCarryStatusCodeMessageAndRequestId) {
  const LoginIdManagement mgmt(kClientId, fx.app_pem(), fx.options());
  fx.transport->answer(json_response(404, {{"code", "not_found"}, {"message", "user not found"}}));
  try {
    (void)mgmt.get_user(Username("nobody"));
    FAIL() << "no error";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.status(), 404);
    EXPECT_EQ(e.code(), ServiceCode::not_found);
    EXPECT_EQ(e.message(), "user not found");
    EXPECT_EQ(e.request_id(), "req-123");
  }
}

// A 200 whose shape is wrong is an error naming the member, with the answer's status and request id.
TEST_F(ManagementRequests, WrongShapedAnswersAreBadResponseNamingTheMember) {
  const LoginIdManagement mgmt(kClientId, fx.app_pem(), fx.options());
  struct Shape {
    json answer;
    std::function<void()> call;
    std::string names;
  };
  json no_id = user_json();
  no_id.erase("id");
  json bad_status = user_json();
  bad_status["status"] = 1;
  json empty_status = user_json("");
  json id_number = user_json();
  id_number["id"] = 42;
  json bad_cred = {{"user_id", kUserId}, {"credentials", json::array({credential_json(), {{"uuid", 1}}})}};
  const std::vector<Shape> shapes = {
      {no_id, [&] { (void)mgmt.get_user(Username("alice")); }, "user.id: missing"},
      {bad_status, [&] { (void)mgmt.get_user(Username("alice")); }, "user.status: expected a string"},
      {empty_status, [&] { (void)mgmt.get_user(Username("alice")); }, "user.status: empty"},
      {id_number, [&] { (void)mgmt.get_user(Username("alice")); }, "user.id: expected a string"},
      {json::array(), [&] { (void)mgmt.get_user(Username("alice")); }, "user: expected an object"},
      {bad_cred, [&] { (void)mgmt.get_credentials(UserRef::by_username("alice")); }, "response.credentials[1].uuid"},
      {json{{"user_id", kUserId}}, [&] { (void)mgmt.get_credentials(UserRef::by_username("alice")); },
       "response.credentials: missing"},
      {json{{"code", "1"}, {"expires_at", "2026-11-29T00:05:00.000Z"}, {"is_authorized", "yes"}},
       [&] {
         (void)mgmt.generate_code(UserRef::by_username("alice"), CodeType::short_code, CodePurpose::temporary_authentication);
       },
       "response.is_authorized: expected a boolean"},
      {json{{"code", "1"}, {"expires_at", "in five minutes"}, {"is_authorized", true}},
       [&] {
         (void)mgmt.generate_code(UserRef::by_username("alice"), CodeType::short_code, CodePurpose::temporary_authentication);
       },
       "response.expires_at: expected an RFC 3339 date-time"},
      {json{{"user_id", kUserId}}, [&] { (void)mgmt.revoke_credential(UserRef::by_username("alice"), CredentialId(kCredId)); },
       "response.credential: missing"},
      {json::object(),
       [&] {
         (void)mgmt.invalidate_all_codes(UserRef::by_username("alice"), CodeType::short_code, CodePurpose::temporary_authentication);
       },
       "response.deleted_at: missing"},
  };
  for (const Shape& s : shapes) {
    SCOPED_TRACE(s.names);
    fx.transport->answer(json_response(200, s.answer));
    try {
      s.call();
      ADD_FAILURE() << "accepted a wrong shape";
    } catch (const BadResponse& e) {
      EXPECT_EQ(e.status(), 200);
      EXPECT_EQ(e.request_id(), "req-123");
      EXPECT_NE(std::string(e.what()).find(s.names), std::string::npos) << e.what();
    }
  }
  // A 200 that is not JSON at all is as bad.
  fx.transport->answer(HttpResponse{200, {}, "<html>hello</html>"});
  try {
    (void)mgmt.get_user(Username("alice"));
    ADD_FAILURE() << "accepted HTML";
  } catch (const BadResponse& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_response);
  }
}

TEST_F(ManagementRequests, AddPublicKeyCredentialRejectsATokenForAnotherAudience) {
  const LoginIdManagement mgmt(kClientId, fx.app_pem(), fx.options());
  fx.transport->answer(json_response(200, auth_json(fx.user_token("other-client"))));
  try {
    (void)mgmt.add_publickey_credential(UserRef::by_username("alice"), user_key.public_key().to_pem());
    FAIL() << "accepted a token for another audience";
  } catch (const TokenError& e) {
    EXPECT_EQ(e.reason(), TokenErrc::audience_mismatch);
  }
}

}  // namespace
}  // namespace loginid::test
