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
  return {
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
      {"certs_missing_kid", "GET", "/certs", "", nullptr, 400, "bad_request", "kid"},
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
  };
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
