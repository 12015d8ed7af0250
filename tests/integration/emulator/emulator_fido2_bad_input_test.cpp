// Hostile and malformed input on the FIDO2 endpoints: every one is a 400 (or the documented 401 for
// a signature that does not verify) naming the field, never a 5xx, and the emulator stays up.
#include <gtest/gtest.h>

#include "integration/emulator/fido2_support.hpp"

namespace loginid::testing {
namespace {

using detail::base64url_encode;

class EmulatorFido2BadInput : public ::testing::Test {
 protected:
  void TearDown() override {
    auto health = client.send("GET", "/emulator/health");
    EXPECT_EQ(health.status, 200) << "the emulator must survive every input";
  }

  /// A live registration challenge's options for `username`.
  nlohmann::json register_options(const std::string& username) {
    auto init = page_post(client, web, "/register/fido2/init", {{"username", username}});
    EXPECT_EQ(init.status, 200) << init.body;
    return init.json.at("attestation_payload");
  }

  /// POSTs a registration complete whose attestation_payload is `payload`; expects a 400 whose
  /// message starts with `field`.
  void expect_refused(const nlohmann::json& payload, const std::string& field, const std::string& username = "mallory",
                      int status = 400, const std::string& code = "bad_request") {
    auto reply = page_post(client, web, "/register/fido2/complete", {{"username", username}, {"attestation_payload", payload}});
    expect_error(reply, status, code);
    EXPECT_EQ(reply.json.value("message", "").rfind(field, 0), 0u) << "wanted " << field << " first: " << reply.body;
  }

  EmulatorProcess emulator;
  EmulatorClient client{emulator};
  App web = client.web();
  SoftAuthenticator authenticator;
};

TEST_F(EmulatorFido2BadInput, MissingOrMistypedFieldsAreNamed) {
  auto good = authenticator.create(register_options("mallory"));
  expect_error(page_post(client, web, "/register/fido2/complete", {{"username", "mallory"}}), 400, "bad_request");
  expect_refused("not an object", "attestation_payload: must be an object");
  for (const char* field : {"challenge", "credential_uuid", "credential_id", "client_data", "attestation_data"}) {
    auto missing = good;
    missing.erase(field);
    expect_refused(missing, std::string("attestation_payload.") + field + ": missing");
    auto mistyped = good;
    mistyped[field] = 42;
    expect_refused(mistyped, std::string("attestation_payload.") + field + ": must be a string");
  }
  for (const char* field : {"credential_id", "client_data", "attestation_data"}) {
    auto not_b64 = good;
    not_b64[field] = "not*base64url!";
    expect_refused(not_b64, std::string("attestation_payload.") + field + ": not base64url");
    auto empty = good;
    empty[field] = "";
    expect_refused(empty, std::string("attestation_payload.") + field + ": must not be empty");
  }
  auto long_id = good;
  long_id["credential_id"] = base64url_encode(std::string(2000, 'i'));
  expect_refused(long_id, "attestation_payload.credential_id: longer than 1023 bytes");
  auto transports = good;
  transports["transports"] = "usb";
  expect_refused(transports, "attestation_payload.transports: must be an array of strings");
  transports["transports"] = {"usb", "BLE!"};
  expect_refused(transports, "attestation_payload.transports: each must be a transport name");
  auto uuid = good;
  uuid["credential_uuid"] = "6f1c2a8e-4b7d-4e2a-9c3f-0d1e2f3a4b5c";
  expect_refused(uuid, "attestation_payload.credential_uuid: not the credential_uuid of this challenge");
  // Nothing above used the challenge up: the good answer still registers.
  auto ok = page_post(client, web, "/register/fido2/complete", {{"username", "mallory"}, {"attestation_payload", good}});
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST_F(EmulatorFido2BadInput, MalformedClientDataIsNamed) {
  auto good = authenticator.create(register_options("mallory"));
  for (const std::string& data : std::vector<std::string>{"not json", "[1,2]", "{\"type\":5}",
                                                         "{\"type\":\"webauthn.create\"\xff}", std::string(20000, '{')}) {
    auto bad = good;
    bad["client_data"] = base64url_encode(data);
    auto reply = page_post(client, web, "/register/fido2/complete", {{"username", "mallory"}, {"attestation_payload", bad}});
    EXPECT_TRUE(reply.status == 400 || reply.status == 401) << reply.body;
    EXPECT_NE(reply.json.value("message", "").find("client_data"), std::string::npos) << reply.body;
  }
}

TEST_F(EmulatorFido2BadInput, MalformedCborTruncatedDataWrongLengthsAndHugeMapsAreNamed) {
  const auto options = register_options("mallory");
  auto good = authenticator.create(options);
  const auto object = b64url_bytes(good.at("attestation_data"));
  const auto client_data = b64url_bytes(good.at("client_data"));
  const auto auth_data = authenticator.authenticator_data("localhost", true, true, 0, true);

  std::vector<std::pair<std::string, std::string>> cases = {
      {"random bytes", "\x13\x37\xde\xad\xbe\xef"},
      {"not a map", std::string("\x83\x01\x02\x03", 4)},
      {"truncated", object.substr(0, object.size() / 2)},
      {"one byte short", object.substr(0, object.size() - 1)},
      {"trailing bytes", object + std::string("\x00", 1)},
      {"huge map header", std::string("\xbb\xff\xff\xff\xff\xff\xff\xff\xff", 9)},
      {"map of 4-byte length claim", std::string("\xba\x7f\xff\xff\xff\x61\x61", 7)},
      {"byte string longer than the data", std::string("\xa1\x63""fmt\x5b\x00\x00\x01\x00\x00\x00\x00\x00", 14)},
      {"a thousand entries", cbor_test::map_of_bytes(1000)},
      {"deep nesting", std::string(5000, '\x81') + std::string("\x01", 1)},
      {"authData too short", cbor_test::attestation_object("none", auth_data.substr(0, 36))},
      {"authData truncated in the credential", cbor_test::attestation_object("none", auth_data.substr(0, 60))},
      {"credential id length past the end",
       cbor_test::attestation_object("none", auth_data.substr(0, 53) + std::string("\xff\xff", 2) + auth_data.substr(55))},
      {"COSE key missing", cbor_test::attestation_object("none", auth_data.substr(0, 55 + 32))},
      {"unknown format", cbor_test::attestation_object("made-up", auth_data)},
  };
  for (const auto& [what, bytes] : cases) {
    auto bad = good;
    bad["attestation_data"] = base64url_encode(bytes);
    auto reply = page_post(client, web, "/register/fido2/complete", {{"username", "mallory"}, {"attestation_payload", bad}});
    EXPECT_EQ(reply.status, 400) << what << ": " << reply.body;
    EXPECT_EQ(reply.json.value("code", ""), "bad_request") << what << ": " << reply.body;
    EXPECT_EQ(reply.json.value("message", "").rfind("attestation_payload.attestation_data: ", 0), 0u)
        << what << ": " << reply.body;
  }
  (void)client_data;
}

TEST_F(EmulatorFido2BadInput, MalformedAssertionsAreNamed) {
  ASSERT_EQ(register_passkey(client, web, "trent", authenticator).status, 200);
  auto init = page_post(client, web, "/authenticate/fido2/init", {{"username", "trent"}});
  ASSERT_EQ(init.status, 200) << init.body;
  const auto good = authenticator.get(init.json.at("assertion_payload"));
  const auto auth_data = b64url_bytes(good.at("authenticator_data"));
  auto post = [&](const nlohmann::json& payload) {
    return page_post(client, web, "/authenticate/fido2/complete", {{"username", "trent"}, {"assertion_payload", payload}});
  };
  for (const char* field : {"challenge", "credential_id", "client_data", "authenticator_data", "signature"}) {
    auto missing = good;
    missing.erase(field);
    auto reply = post(missing);
    expect_error(reply, 400, "bad_request");
    EXPECT_EQ(reply.json.value("message", ""), std::string("assertion_payload.") + field + ": missing");
  }
  const std::vector<std::pair<std::string, std::string>> short_data = {
      {"empty-ish", std::string("\x01", 1)},
      {"36 bytes", auth_data.substr(0, 36)},
      {"extension flag without extensions", auth_data.substr(0, 32) + std::string("\x85", 1) + auth_data.substr(33)},
      {"trailing bytes", auth_data + "xyz"},
  };
  for (const auto& [what, bytes] : short_data) {
    auto bad = good;
    bad["authenticator_data"] = base64url_encode(bytes);
    auto reply = post(bad);
    EXPECT_EQ(reply.status, 400) << what << ": " << reply.body;
    EXPECT_EQ(reply.json.value("message", "").rfind("assertion_payload.authenticator_data: ", 0), 0u)
        << what << ": " << reply.body;
  }
  auto long_data = good;
  long_data["authenticator_data"] = base64url_encode(std::string(9000, 'a'));
  auto reply = post(long_data);
  expect_error(reply, 400, "bad_request");
  EXPECT_EQ(reply.json.value("message", "").rfind("assertion_payload.authenticator_data: longer than", 0), 0u);
  auto garbage_signature = good;
  garbage_signature["signature"] = base64url_encode("\x30\x03\x02\x01");
  reply = post(garbage_signature);
  expect_error(reply, 401, "credential_invalid");
  EXPECT_EQ(reply.json.value("message", "").rfind("assertion_payload.signature: ", 0), 0u) << reply.body;
  auto unknown_credential = good;
  unknown_credential["credential_id"] = base64url_encode("nobody's credential");
  reply = post(unknown_credential);
  expect_error(reply, 401, "credential_invalid");
  EXPECT_EQ(reply.json.value("message", "").rfind("assertion_payload.credential_id: ", 0), 0u) << reply.body;
  // Still usable afterwards: none of the refusals used the challenge.
  EXPECT_EQ(post(good).status, 200);
}

TEST_F(EmulatorFido2BadInput, TransactionCompleteFieldsAreNamedAsTheBrowserSdkSendsThem) {
  const nlohmann::json body = {{"username", "x"},
                               {"tx_id", "6f1c2a8e-4b7d-4e2a-9c3f-0d1e2f3a4b5c"},
                               {"challenge", "abc"},
                               {"key_handle", "AAAA"},
                               {"client_data", "AAAA"},
                               {"auth_data", "AAAA"},
                               {"sign_data", "AAAA"}};
  for (const char* field : {"challenge", "key_handle", "client_data", "auth_data", "sign_data", "tx_id", "username"}) {
    auto missing = body;
    missing.erase(field);
    auto reply = page_post(client, web, "/api/tx/complete", missing);
    expect_error(reply, 400, "bad_request");
    EXPECT_EQ(reply.json.value("message", ""), std::string(field) + ": missing") << reply.body;
  }
  auto bad = body;
  bad["sign_data"] = "%%%";
  auto reply = page_post(client, web, "/api/tx/complete", bad);
  expect_error(reply, 400, "bad_request");
  EXPECT_EQ(reply.json.value("message", ""), "sign_data: not base64url");
  expect_error(page_post(client, web, "/api/tx/complete", body), 400, "challenge_invalid");
}

TEST_F(EmulatorFido2BadInput, InitOptionsAreTypeChecked) {
  const std::vector<std::pair<nlohmann::json, std::string>> cases = {
      {{{"username", 5}}, "username: must be a string"},
      {{{"username", ""}}, "username: must be 1 to 256 characters"},
      {{{"username", "u"}, {"options", "x"}}, "options: must be an object"},
      {{{"username", "u"}, {"options", {{"roaming_authenticator", "yes"}}}}, "options.roaming_authenticator: must be a boolean"},
      {{{"username", "u"}, {"options", {{"display_name", std::string(300, 'd')}}}}, "options.display_name: must be 1 to 256"},
      {{{"username", "u"}, {"options", {{"register_session", 7}}}}, "options.register_session: must be a string"},
  };
  for (const auto& [body, message] : cases) {
    auto reply = page_post(client, web, "/register/fido2/init", body);
    expect_error(reply, 400, "bad_request");
    EXPECT_EQ(reply.json.value("message", "").rfind(message, 0), 0u) << reply.body;
  }
  // The published browser SDK's register_session: null first, the string "undefined" after a
  // server that sent none; both are fine.
  for (const auto& session : {nlohmann::json(nullptr), nlohmann::json("undefined")}) {
    auto reply = page_post(client, web, "/register/fido2/init", {{"username", "u"}, {"options", {{"register_session", session}}}});
    EXPECT_EQ(reply.status, 200) << reply.body;
  }
  expect_error(page_post(client, web, "/api/tx/init", {{"username", "u"}, {"tx_id", 5}}), 400, "bad_request");
  expect_error(page_post(client, web, "/credentials/fido2/init/code",
                         {{"username", "u"}, {"authentication_code", {{"code", "1"}, {"type", "huge"}}}}),
               400, "invalid_code_type");
}

}  // namespace
}  // namespace loginid::testing
