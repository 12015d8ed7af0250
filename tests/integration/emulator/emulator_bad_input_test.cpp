// Bad input over every endpoint (issue 3, "Bad input"): each gets the right 4xx with
// {"code","message"} naming the problem, an X-Request-ID, and changes no state.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "integration/emulator/test_support.hpp"

namespace loginid::testing {
namespace {

struct BadInput {
  const char* name;
  const char* method;
  std::string path;
  std::string body;   ///< sent raw
  const char* scope;  ///< a valid token of this scope is sent (management app); nullptr: none
  int status;
  const char* code;
  const char* message_mentions;  ///< the field or problem the message must name
};

constexpr const char* kUuid = "0b7c4d7e-96a4-4d7c-9d0c-1f6f7a8b9c0d";

class EmulatorBadInput : public ::testing::Test {
 protected:
  EmulatorProcess emulator;
  EmulatorClient client{emulator};

  /// Counts of everything a request could have changed.
  std::vector<std::size_t> state() {
    return {client.admin("GET", "/emulator/users").json.at("users").size(),
            client.admin("GET", "/emulator/codes").json.at("codes").size(),
            client.admin("GET", "/emulator/credentials").json.at("credentials").size(),
            client.admin("GET", "/emulator/transactions").json.at("transactions").size(),
            client.admin("GET", "/emulator/applications").json.at("applications").size(),
            client.admin("GET", "/emulator/namespaces").json.at("namespaces").size(),
            client.admin("GET", "/emulator/keys").json.at("keys").size()};
  }
};

std::vector<BadInput> cases() {
  const std::string u = R"("username":"ann")";
  const std::string p = R"("purpose":"temporary_authentication")";
  // Password fields (issue 11): empty, 1 MB, invalid UTF-8, NUL bytes (escaped and raw), wrong types.
  const std::string nb = R"("username":"newbie")";
  const std::string megabyte(1024 * 1024, 'p');
  auto reg = [&](const std::string& password, const std::string& confirmation) {
    return "{" + nb + R"(,"password":")" + password + R"(","password_confirmation":")" + confirmation + "\"}";
  };
  auto login = [&](const std::string& user, const std::string& password) {
    return R"({"username":")" + user + R"(","password":")" + password + "\"}";
  };
  std::vector<BadInput> password_cases = {
      {"register_password_missing", "POST", "/register/password", "{" + nb + R"(,"password_confirmation":"x"})",
       "auth.register", 400, "bad_request", "password"},
      {"register_confirmation_missing", "POST", "/register/password", "{" + nb + R"(,"password":"x"})",
       "auth.register", 400, "bad_request", "password_confirmation"},
      {"register_password_wrong_type", "POST", "/register/password",
       "{" + nb + R"(,"password":12345678,"password_confirmation":"12345678"})", "auth.register", 400, "bad_request",
       "password"},
      {"register_password_empty", "POST", "/register/password", reg("", ""), "auth.register", 400, "bad_request",
       "password: must not be empty"},
      {"register_password_1mb", "POST", "/register/password", reg(megabyte, megabyte), "auth.register", 413,
       "payload_too_large", "64 KiB"},
      {"register_password_60kib", "POST", "/register/password", reg(std::string(30'000, 'p'), std::string(30'000, 'p')),
       "auth.register", 400, "bad_request", "longer than 1024 bytes"},
      {"register_password_invalid_utf8", "POST", "/register/password", reg("pass\xff\xfeword", "pass\xff\xfeword"),
       "auth.register", 400, "bad_request", "UTF-8"},
      {"register_password_nul_escaped", "POST", "/register/password",
       reg("correct\\u0000horse", "correct\\u0000horse"), "auth.register", 400, "bad_request", "NUL"},
      {"register_password_nul_raw", "POST", "/register/password",
       reg(std::string("correct\0horse", 13), std::string("correct\0horse", 13)), "auth.register", 400,
       "bad_request", "JSON"},
      {"register_password_mismatch", "POST", "/register/password", reg("correct horse battery", "correct horse batery"),
       "auth.register", 400, "password_mismatch", "password_confirmation"},
      {"register_password_too_short", "POST", "/register/password", reg("Tr0ub4!", "Tr0ub4!"), "auth.register", 400,
       "password_too_weak", "min_length"},
      {"register_password_common", "POST", "/register/password", reg("PassWord1", "PassWord1"), "auth.register", 400,
       "password_too_weak", "common_password"},
      {"register_password_is_username", "POST", "/register/password",
       R"({"username":"Margaret-Hamilton","password":"margaret-hamilton","password_confirmation":"margaret-hamilton"})",
       "auth.register", 400, "password_too_weak", "same_as_username"},
      {"register_existing_user", "POST", "/register/password",
       R"({"username":"ANN","password":"correct horse battery","password_confirmation":"correct horse battery"})",
       "auth.register", 409, "user_already_exists", "username"},
      {"register_wrong_scope", "POST", "/register/password", reg("correct horse battery", "correct horse battery"),
       "auth.login", 403, "forbidden", "auth.register"},
      {"login_password_missing", "POST", "/authenticate/password", "{" + u + "}", "auth.login", 400, "bad_request",
       "password"},
      {"login_password_empty", "POST", "/authenticate/password", login("ann", ""), "auth.login", 400, "bad_request",
       "password: must not be empty"},
      {"login_password_1mb", "POST", "/authenticate/password", login("ann", megabyte), "auth.login", 413,
       "payload_too_large", "64 KiB"},
      {"login_password_invalid_utf8", "POST", "/authenticate/password", login("ann", "pass\xc3\x28word"), "auth.login",
       400, "bad_request", "UTF-8"},
      {"login_password_nul_escaped", "POST", "/authenticate/password", login("ann", "pass\\u0000word"), "auth.login",
       400, "bad_request", "NUL"},
      {"login_password_nul_raw", "POST", "/authenticate/password", login("ann", std::string("pass\0word", 9)),
       "auth.login", 400, "bad_request", "JSON"},
      {"login_username_empty", "POST", "/authenticate/password", login("", "correct horse battery"), "auth.login", 400,
       "bad_request", "username"},
      {"login_user_without_password", "POST", "/authenticate/password", login("ann", "correct horse battery"),
       "auth.login", 401, "credential_invalid", "wrong username or password"},
      {"login_unknown_user", "POST", "/authenticate/password", login("ghost", "correct horse battery"), "auth.login",
       401, "credential_invalid", "wrong username or password"},
      {"recovery_code_no_user", "POST", "/credentials/recovery-code", "{}", "credentials.add_recovery", 400,
       "bad_request", "user_id or username"},
      {"recovery_code_unknown_user", "POST", "/credentials/recovery-code", R"({"username":"ghost"})",
       "credentials.add_recovery", 404, "not_found", "user"},
      {"recovery_code_wrong_scope", "POST", "/credentials/recovery-code", "{" + u + "}", "credentials.force_add", 403,
       "forbidden", "credentials.add_recovery"},
      {"doc_scan_auth_init", "POST", "/authenticate/authid/init", "{" + u + "}", "auth.login", 501, "not_implemented",
       "not emulated"},
  };
  std::vector<BadInput> others = {
      {"malformed_json", "POST", "/manage/users", R"({"username": )", "users.create", 400, "bad_request", "JSON"},
      {"not_an_object", "POST", "/manage/users", R"(["ann"])", "users.create", 400, "bad_request", "object"},
      {"empty_body", "POST", "/manage/users", "", "users.create", 400, "bad_request", "body"},
      {"invalid_utf8", "POST", "/manage/users", "{\"username\":\"a\xff\xfe\"}", "users.create", 400, "bad_request",
       "UTF-8"},
      // Issue 15: nesting is bounded while the body is parsed (64 levels), here 10,000 levels of
      // arrays and of objects inside the 64 KiB body cap; a repeated member is refused, not "last wins".
      {"nested_arrays_10000", "POST", "/manage/users", "{\"username\":" + std::string(10'000, '[') +
       std::string(10'000, ']') + "}", "users.create", 400, "bad_request", "nested deeper than 64 levels"},
      {"nested_objects_10000", "POST", "/manage/users", [] {
         std::string body;
         for (int i = 0; i < 10'000; ++i) body += "{\"a\":";
         return body + "1" + std::string(10'000, '}');
       }(), "users.create", 400, "bad_request", "nested deeper than 64 levels"},
      {"duplicate_member", "POST", "/manage/users", R"({"username":"bob","username":"eve"})", "users.create", 400,
       "bad_request", "repeats a member name"},
      {"username_missing", "POST", "/manage/users", "{}", "users.create", 400, "bad_request", "username"},
      {"username_wrong_type", "POST", "/manage/users", R"({"username":42})", "users.create", 400, "bad_request",
       "username"},
      {"username_empty", "POST", "/manage/users", R"({"username":""})", "users.create", 400, "bad_request",
       "username"},
      {"username_too_long", "POST", "/manage/users", "{\"username\":\"" + std::string(300, 'x') + "\"}",
       "users.create", 400, "bad_request", "username"},
      {"retrieve_missing_username", "POST", "/manage/users/retrieve", "{}", "users.retrieve", 400, "bad_request",
       "username"},
      {"retrieve_unknown_user", "POST", "/manage/users/retrieve", R"({"username":"ghost"})", "users.retrieve", 404,
       "not_found", "user"},
      {"delete_by_username_wrong_type", "POST", "/manage/users/delete", R"({"username":["ann"]})", "users.delete",
       400, "bad_request", "username"},
      {"activate_non_uuid", "PUT", "/manage/users/not-a-uuid/activate", "", "users.activate", 400, "bad_request",
       "user_id"},
      {"deactivate_non_uuid", "PUT", "/manage/users/12345/deactivate", "", "users.deactivate", 400, "bad_request",
       "user_id"},
      {"delete_non_uuid", "DELETE", "/manage/users/not%20a%20uuid", "", "users.delete", 400, "bad_request", "user_id"},
      {"delete_unknown_uuid", "DELETE", std::string("/manage/users/") + kUuid, "", "users.delete", 404, "not_found",
       "user"},
      {"generate_unknown_code_type", "POST", "/codes/medium/generate", "{" + p + "," + u + "}", "codes.generate", 400,
       "invalid_code_type", "short"},
      {"generate_missing_purpose", "POST", "/codes/short/generate", "{" + u + "}", "codes.generate", 400,
       "bad_request", "purpose"},
      {"generate_bad_purpose", "POST", "/codes/short/generate", R"({"purpose":"fun",)" + u + "}", "codes.generate",
       400, "bad_request", "purpose"},
      {"generate_no_user", "POST", "/codes/short/generate", "{" + p + "}", "codes.generate", 400, "bad_request",
       "user_id or username"},
      {"generate_user_id_not_uuid", "POST", "/codes/short/generate", "{" + p + R"(,"user_id":"abc"})",
       "codes.generate", 400, "bad_request", "user_id"},
      {"generate_authorize_wrong_type", "POST", "/codes/short/generate", "{" + p + "," + u + R"(,"authorize":"yes"})",
       "codes.generate", 400, "bad_request", "authorize"},
      {"authorize_unknown_code_type", "POST", "/codes/tiny/authorize", "{" + p + "," + u + R"(,"code":"1"})",
       "codes.authorize", 400, "invalid_code_type", "short"},
      {"authorize_missing_code", "POST", "/codes/short/authorize", "{" + p + "," + u + "}", "codes.authorize", 400,
       "bad_request", "code"},
      {"authorize_wrong_code", "POST", "/codes/short/authorize", "{" + p + "," + u + R"(,"code":"000000"})",
       "codes.authorize", 400, "code_invalid", "code"},
      {"invalidate_unknown_code_type", "POST", "/codes/x/invalidate-all", "{" + p + "," + u + "}", "codes.invalidate",
       400, "invalid_code_type", "short"},
      {"wait_missing_code_object", "POST", "/authenticate/code/wait", "{" + u + "}", nullptr, 400, "bad_request",
       "authentication_code"},
      {"wait_code_wrong_type", "POST", "/authenticate/code/wait",
       "{" + u + R"(,"authentication_code":{"code":123456,"type":"short"}})", nullptr, 400, "bad_request",
       "authentication_code.code"},
      {"wait_unknown_code_type", "POST", "/authenticate/code/wait",
       "{" + u + R"(,"authentication_code":{"code":"1","type":"huge"}})", nullptr, 400, "invalid_code_type", "short"},
      {"wait_wrong_code", "POST", "/authenticate/code/wait",
       "{" + u + R"(,"authentication_code":{"code":"999999","type":"short"}})", nullptr, 400, "code_invalid", "code"},
      {"credentials_list_bad_status", "POST", "/credentials/list", "{" + u + R"(,"status":"lost"})",
       "credentials.list", 400, "bad_request", "status"},
      {"rename_missing_credential", "POST", "/credentials/rename", "{" + u + "}", "credentials.rename", 400,
       "bad_request", "credential"},
      {"rename_credential_not_object", "POST", "/credentials/rename", "{" + u + R"(,"credential":"x"})",
       "credentials.rename", 400, "bad_request", "credential"},
      {"rename_uuid_not_uuid", "POST", "/credentials/rename",
       "{" + u + R"(,"credential":{"uuid":"nope","name":"n"}})", "credentials.rename", 400, "bad_request",
       "credential.uuid"},
      {"rename_missing_name", "POST", "/credentials/rename",
       "{" + u + R"(,"credential":{"uuid":")" + kUuid + R"("}})", "credentials.rename", 400, "bad_request",
       "credential.name"},
      {"revoke_unknown_credential", "POST", "/credentials/revoke",
       "{" + u + R"(,"credential":{"uuid":")" + kUuid + R"("}})", "credentials.revoke", 404, "not_found",
       "credential"},
      {"publickey_bad_alg", "POST", "/credentials/publickey",
       "{" + u + R"(,"publickey_alg":"RS256","publickey":"x"})", "credentials.force_add", 400, "bad_request",
       "publickey_alg"},
      {"publickey_not_pem", "POST", "/credentials/publickey",
       "{" + u + R"(,"publickey_alg":"ES256","publickey":"hello"})", "credentials.force_add", 400, "bad_request",
       "publickey"},
      {"publickey_init_missing_key", "POST", "/authenticate/publickey/init", "{" + u + R"(,"publickey_alg":"ES256"})",
       "auth.login", 400, "bad_request", "publickey"},
      {"publickey_complete_bad_challenge_id", "POST", "/authenticate/publickey/complete",
       "{" + u + R"(,"challenge_id":"c","assertion":"a.b.c"})", "auth.login", 400, "bad_request", "challenge_id"},
      {"tx_missing_payload", "POST", "/tx", R"({"nonce":"n"})", nullptr, 400, "bad_request", "tx_payload"},
      {"tx_payload_wrong_type", "POST", "/tx", R"({"tx_payload":{},"nonce":"n"})", nullptr, 400, "bad_request",
       "tx_payload"},
      {"certs_unknown_kid", "GET", std::string("/certs?kid=") + kUuid, "", nullptr, 404, "not_found", "kid"},
      {"unknown_path", "GET", "/no/such/endpoint", "", nullptr, 404, "not_found", "endpoint"},
      {"unknown_path_native", "POST", "/api/native/nope", "{}", nullptr, 404, "not_found", "endpoint"},
      {"wrong_method", "GET", "/manage/users/retrieve", "", nullptr, 405, "method_not_allowed", "GET"},
      {"wrong_method_patch", "PATCH", "/certs", "{}", nullptr, 405, "method_not_allowed", "PATCH"},
      {"admin_confirm_non_uuid", "POST", "/emulator/tx/abc/confirm", "", nullptr, 400, "bad_request", "tx_id"},
      {"admin_confirm_unknown_tx", "POST", std::string("/emulator/tx/") + kUuid + "/confirm", "", nullptr, 404,
       "not_found", "transaction"},
      {"admin_credential_unknown_user", "POST", std::string("/emulator/users/") + kUuid + "/credentials", "{}",
       nullptr, 404, "not_found", "user"},
      {"admin_app_bad_type", "POST", "/emulator/applications", R"({"type":"mobile"})", nullptr, 400, "bad_request",
       "type"},
      {"admin_app_bad_key", "POST", "/emulator/applications", R"({"type":"web","public_key":"nope"})", nullptr, 400,
       "bad_request", "public_key"},
      {"admin_app_unknown_namespace", "POST", "/emulator/applications",
       std::string(R"({"type":"web","namespace_id":")") + kUuid + "\"}", nullptr, 404, "not_found", "namespace"},
      {"admin_namespace_missing_name", "POST", "/emulator/namespaces", "{}", nullptr, 400, "bad_request", "name"},
      {"admin_app_namespace_not_an_id", "POST", "/emulator/applications",
       R"({"type":"web","namespace_id":"tenant-b"})", nullptr, 400, "bad_request", "namespace_id"},
  };
  others.insert(others.end(), password_cases.begin(), password_cases.end());
  return others;
}

TEST_F(EmulatorBadInput, EveryEndpointRefusesBadInputCleanly) {
  client.create_user("ann");
  client.generate_code("ann");
  const auto before = state();
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    httplib::Headers headers;
    if (c.scope != nullptr) {
      headers = {{"Authorization", "Bearer " + EmulatorClient::token(client.management(), c.scope)},
                 {"X-Client-ID", client.management().client_id}};
    } else {
      headers = {{"X-Client-ID", client.web().client_id}};
    }
    auto reply = client.send_raw(c.method, c.path, c.body, headers);
    expect_error(reply, c.status, c.code);
    EXPECT_NE(reply.json.value("message", "").find(c.message_mentions), std::string::npos)
        << "message does not name '" << c.message_mentions << "': " << reply.body;
    EXPECT_EQ(state(), before) << "state changed";
  }
}

TEST_F(EmulatorBadInput, OversizedBodyIs413AndTheServerStaysUp) {
  const auto before = state();
  const std::string big = "{\"username\":\"" + std::string(70 * 1024, 'a') + "\"}";
  auto reply = client.send_raw(
      "POST", "/manage/users", big,
      {{"Authorization", "Bearer " + EmulatorClient::token(client.management(), "users.create")},
       {"X-Client-ID", client.management().client_id}});
  expect_error(reply, 413, "payload_too_large");
  EXPECT_EQ(state(), before);
  EXPECT_EQ(client.send("GET", "/emulator/health").status, 200);
}

TEST_F(EmulatorBadInput, GarbageOnTheSocketGetsA4xxAndTheServerStaysUp) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(emulator.port()));
  ::inet_pton(AF_INET, emulator.host().c_str(), &addr.sin_addr);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  const std::string garbage = "\x01\x02 NOT HTTP AT ALL\r\n\r\n";
  ASSERT_EQ(::send(fd, garbage.data(), garbage.size(), MSG_NOSIGNAL), static_cast<ssize_t>(garbage.size()));
  // Read until the JSON body is in (bounded by the receive timeout and the buffer size).
  std::string answer;
  char buffer[4096];
  while (answer.find('}') == std::string::npos && answer.size() < 65536) {
    auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    answer.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  EXPECT_EQ(answer.rfind("HTTP/1.1 4", 0), 0u) << answer;
  EXPECT_NE(answer.find("\"code\""), std::string::npos) << answer;
  EXPECT_EQ(client.send("GET", "/emulator/health").status, 200);
}

}  // namespace
}  // namespace loginid::testing
