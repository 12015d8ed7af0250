// The FIDO2 (passkey) functions of LoginID and LoginIdManagement against a recording fake
// transport: exactly the request of API.md (path, scope, body; no service token on the completes),
// the init payloads kept whole as JSON text, the complete's JWT verified like wait_code's, wrong
// answers refused as bad_response naming the member, and bad arguments refused before anything is sent.

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "jose/tokens.hpp"
#include "loginid/management.hpp"
#include "test_client_fake.hpp"

namespace loginid::test {
namespace {

using nlohmann::json;

// A FIDO2 complete's answer: an authentication response naming the credential.
json auth_json(const std::optional<std::string>& jwt, const std::string& username = "alice") {
  json body = auth_response(jwt, username);
  body["credential"] = {{"uuid", "0b7e5a43-1f0c-4c3e-8f43-7d1f7c3b2a10"}, {"type", "fido2"}, {"name", "Passkey"}};
  return body;
}

// An init's attestation_payload as API.md shapes it, with a member this SDK version does not know.
json attestation_payload() {
  return {{"credential_uuid", "0b7e5a43-1f0c-4c3e-8f43-7d1f7c3b2a10"},
          {"challenge", "q1Zs3cJ8yT0vX6b2N4mE7wA9uK5pR1oL"},
          {"rp", {{"id", "localhost"}, {"name", "Example"}}},
          {"user", {{"id", "OGQzYzZhNjQ"}, {"name", "alice"}, {"displayName", "Alice"}}},
          {"pubKeyCredParams", json::array({{{"type", "public-key"}, {"alg", -7}}})},
          {"timeout", 300000},
          {"attestation", "direct"},
          {"authenticatorSelection", {{"userVerification", "required"}}},
          {"excludeCredentials", json::array()},
          {"extensions", {{"credProps", true}}}};
}

json assertion_payload() {
  return {{"challenge", "h8Tq2LwZ0vN5cX3bY7mK1aE9uS4pR6oD"},
          {"rpId", "localhost"},
          {"allowCredentials", json::array({{{"id", "Y3JlZA"}, {"type", "public-key"}, {"transports", {"internal"}}}})},
          {"timeout", 300000},
          {"userVerification", "required"}};
}

// What a page sends back after navigator.credentials.create / .get (the published browser SDK's names).
json browser_attestation() {
  return {{"challenge", "q1Zs3cJ8yT0vX6b2N4mE7wA9uK5pR1oL"},
          {"credential_uuid", "0b7e5a43-1f0c-4c3e-8f43-7d1f7c3b2a10"},
          {"credential_id", "Y3JlZA"},
          {"client_data", "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0"},
          {"attestation_data", "o2NmbXRkbm9uZQ"},
          {"transports", {"internal"}}};
}

json browser_assertion() {
  return {{"challenge", "h8Tq2LwZ0vN5cX3bY7mK1aE9uS4pR6oD"},
          {"credential_id", "Y3JlZA"},
          {"client_data", "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0"},
          {"authenticator_data", "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2M"},
          {"signature", "MEUCIQDx"}};
}

class Fido2Requests : public ::testing::Test {
 protected:
  Fixture fx;
  LoginID web{kClientId, fx.app_pem(), fx.options()};
  LoginIdManagement mgmt{kClientId, fx.app_pem(), fx.options()};

  nlohmann::json bearer_claims(const HttpRequest& request) const { return test::bearer_claims(request, fx.app_key.public_key()); }

  HttpRequest last_request() const {
    const auto requests = fx.transport->requests();
    EXPECT_FALSE(requests.empty());
    return requests.empty() ? HttpRequest{} : requests.back();
  }

  void expect_post(const HttpRequest& request, const std::string& path) const {
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.url, std::string(kBaseUrl) + path);
  }
};

// ---- what is sent, what is parsed ---------------------------------------------------------------

TEST_F(Fido2Requests, RegisterInitSendsTheUserAndOptionsAndKeepsThePayloadWhole) {
  const json answer{{"register_session", "sess-1"}, {"attestation_payload", attestation_payload()}};
  fx.transport->answer(json_response(200, answer));

  const Fido2AttestationInit init = web.register_fido2_init(loginid::Username("alice"));
  expect_post(last_request(), "/register/fido2/init");
  EXPECT_EQ(body_of(last_request()), (json{{"client_id", kClientId}, {"username", "alice"}}))
      << "no options member when every option has its default";
  EXPECT_EQ(bearer_claims(last_request())["type"], "auth.register");
  EXPECT_EQ(header_of(last_request(), "X-Client-ID"), kClientId);

  EXPECT_EQ(json::parse(init.attestation_payload), attestation_payload()) << "members unknown to the SDK kept";
  EXPECT_EQ(init.challenge, "q1Zs3cJ8yT0vX6b2N4mE7wA9uK5pR1oL");
  EXPECT_EQ(init.credential_uuid, "0b7e5a43-1f0c-4c3e-8f43-7d1f7c3b2a10");
  EXPECT_EQ(init.register_session, "sess-1");
  EXPECT_EQ(json::parse(init.raw_json), answer);

  (void)web.register_fido2_init(loginid::Username("alice"), {.display_name = "Alice A.",
                                          .override_name = "alice.a",
                                          .roaming_authenticator = true,
                                          .register_session = "sess-1"});
  EXPECT_EQ(body_of(last_request()), (json{{"client_id", kClientId},
                                           {"username", "alice"},
                                           {"options",
                                            {{"display_name", "Alice A."},
                                             {"override_name", "alice.a"},
                                             {"roaming_authenticator", true},
                                             {"register_session", "sess-1"}}}}));

  // register_session is optional in the answer (API.md: `register_session?`).
  fx.transport->answer(json_response(200, {{"attestation_payload", attestation_payload()}}));
  EXPECT_FALSE(web.register_fido2_init(loginid::Username("alice")).register_session.has_value());
}

TEST_F(Fido2Requests, RegisterCompleteRelaysTheBrowsersAnswerWithoutATokenAndVerifiesTheJwt) {
  fx.transport->answer(json_response(200, auth_json(fx.user_token())));
  const AuthResult auth = web.register_fido2_complete(loginid::Username("alice"), browser_attestation().dump());
  EXPECT_TRUE(auth.is_authenticated);
  EXPECT_TRUE(auth.claims.has_value()) << "the JWT was verified";
  ASSERT_TRUE(auth.credential.has_value());
  EXPECT_EQ(auth.credential->type, "fido2");

  const HttpRequest sent = last_request();
  expect_post(sent, "/register/fido2/complete");
  EXPECT_EQ(header_of(sent, "Authorization"), "") << "a complete call carries no service token";
  EXPECT_EQ(body_of(sent), (json{{"client_id", kClientId}, {"username", "alice"}, {"attestation_payload", browser_attestation()}}))
      << "the browser's answer is relayed whole (transports included)";

  (void)web.register_fido2_complete(loginid::Username("alice"), browser_attestation().dump(), {.credential_name = "Laptop"});
  EXPECT_EQ(body_of(last_request())["options"], (json{{"credential_name", "Laptop"}}));

  fx.transport->answer(json_response(200, auth_json(std::nullopt)));
  const AuthResult no_jwt = web.register_fido2_complete(loginid::Username("alice"), browser_attestation().dump(), {.no_jwt = true});
  EXPECT_FALSE(no_jwt.jwt.has_value());
  EXPECT_EQ(body_of(last_request())["no_jwt"], true);

  // Needing no service token, a complete works from a client that holds no private key.
  const LoginID no_key(kClientId, std::string{}, fx.options());
  fx.transport->answer(json_response(200, auth_json(fx.user_token())));
  EXPECT_TRUE(no_key.register_fido2_complete(loginid::Username("alice"), browser_attestation().dump()).claims.has_value());
  EXPECT_EQ(header_of(last_request(), "Authorization"), "");
}

TEST_F(Fido2Requests, AuthenticateInitAndCompleteSendTheApiMdRequests) {
  fx.transport->answer(json_response(200, {{"assertion_payload", assertion_payload()}}));
  const Fido2AssertionInit init = web.authenticate_fido2_init(loginid::Username("alice"));
  expect_post(last_request(), "/authenticate/fido2/init");
  EXPECT_EQ(body_of(last_request()), (json{{"client_id", kClientId}, {"username", "alice"}}));
  EXPECT_EQ(bearer_claims(last_request())["type"], "auth.login");
  EXPECT_EQ(json::parse(init.assertion_payload), assertion_payload());
  EXPECT_EQ(init.challenge, "h8Tq2LwZ0vN5cX3bY7mK1aE9uS4pR6oD");
  EXPECT_EQ(json::parse(init.raw_json), (json{{"assertion_payload", assertion_payload()}}));

  fx.transport->answer(json_response(200, auth_json(fx.user_token())));
  const AuthResult auth = web.authenticate_fido2_complete(loginid::Username("alice"), browser_assertion().dump());
  EXPECT_TRUE(auth.claims.has_value());
  const HttpRequest sent = last_request();
  expect_post(sent, "/authenticate/fido2/complete");
  EXPECT_EQ(header_of(sent, "Authorization"), "");
  EXPECT_EQ(body_of(sent), (json{{"client_id", kClientId}, {"username", "alice"}, {"assertion_payload", browser_assertion()}}));

  fx.transport->answer(json_response(200, auth_json(std::nullopt)));
  EXPECT_FALSE(web.authenticate_fido2_complete(loginid::Username("alice"), browser_assertion().dump(), {.no_jwt = true}).jwt);
  EXPECT_EQ(body_of(last_request())["no_jwt"], true);
}

TEST_F(Fido2Requests, AddWithCodeSendsTheCodeAndIsNotRepeatedOnceSent) {
  fx.transport->answer(json_response(200, {{"attestation_payload", attestation_payload()}}));
  const Fido2AttestationInit init = web.init_add_fido2_credential_with_code(loginid::Username("alice"), "123456", CodeType::short_code);
  expect_post(last_request(), "/credentials/fido2/init/code");
  EXPECT_EQ(body_of(last_request()), (json{{"client_id", kClientId},
                                           {"username", "alice"},
                                           {"authentication_code", {{"code", "123456"}, {"type", "short"}}}}));
  EXPECT_EQ(bearer_claims(last_request())["type"], "credentials.add");
  EXPECT_EQ(init.credential_uuid, "0b7e5a43-1f0c-4c3e-8f43-7d1f7c3b2a10");
  EXPECT_FALSE(init.register_session.has_value());

  (void)web.init_add_fido2_credential_with_code(loginid::Username("alice"), "word word word word", CodeType::phrase,
                                                {.display_name = "Alice", .roaming_authenticator = true});
  EXPECT_EQ(body_of(last_request())["options"], (json{{"display_name", "Alice"}, {"roaming_authenticator", true}}));
  EXPECT_EQ(body_of(last_request())["authentication_code"]["type"], "phrase");

  fx.transport->answer(json_response(200, auth_json(fx.user_token())));
  const AuthResult added =
      web.complete_add_fido2_credential(loginid::Username("alice"), browser_attestation().dump(), {.credential_name = "Phone"});
  EXPECT_TRUE(added.claims.has_value());
  const HttpRequest sent = last_request();
  expect_post(sent, "/credentials/fido2/complete");
  EXPECT_EQ(header_of(sent, "Authorization"), "");
  EXPECT_EQ(body_of(sent), (json{{"client_id", kClientId},
                                 {"username", "alice"},
                                 {"attestation_payload", browser_attestation()},
                                 {"options", {{"credential_name", "Phone"}}}}));

  // The code is used up by the service: after a 503 the init is not sent again, nor is a complete.
  const LoginID retrying(kClientId, fx.app_pem(), fx.options(/*max_attempts=*/3));
  fx.transport->answer(json_response(503, {{"code", "internal_error"}, {"message", "down"}}));
  auto before = fx.transport->requests().size();
  EXPECT_THROW((void)retrying.init_add_fido2_credential_with_code(loginid::Username("alice"), "123456", CodeType::short_code), Error);
  EXPECT_EQ(fx.transport->requests().size(), before + 1);
  before = fx.transport->requests().size();
  EXPECT_THROW((void)retrying.complete_add_fido2_credential(loginid::Username("alice"), browser_attestation().dump()), Error);
  EXPECT_EQ(fx.transport->requests().size(), before + 1);
  // An init that only issues a challenge is safe to repeat.
  before = fx.transport->requests().size();
  EXPECT_THROW((void)retrying.authenticate_fido2_init(loginid::Username("alice")), Error);
  EXPECT_EQ(fx.transport->requests().size(), before + 3);
}

TEST_F(Fido2Requests, ForceInitIsAManagementCallByUserId) {
  fx.transport->answer(json_response(200, {{"attestation_payload", attestation_payload()}}));
  const Fido2AttestationInit init = mgmt.force_fido2_credential_init(loginid::UserId("8d3c6a64-8a3f-4d55-9d6e-3b1a0c0f0e01"));
  expect_post(last_request(), "/credentials/fido2/init/force");
  EXPECT_EQ(body_of(last_request()),
            (json{{"client_id", kClientId}, {"user_id", "8d3c6a64-8a3f-4d55-9d6e-3b1a0c0f0e01"}}));
  EXPECT_EQ(bearer_claims(last_request())["type"], "credentials.force_add");
  EXPECT_EQ(json::parse(init.attestation_payload), attestation_payload());

  (void)mgmt.force_fido2_credential_init(loginid::UserId("8d3c6a64-8a3f-4d55-9d6e-3b1a0c0f0e01"), {.display_name = "Alice"});
  EXPECT_EQ(body_of(last_request())["options"], (json{{"display_name", "Alice"}}));
}

// ---- the complete's JWT ---------------------------------------------------------------------------

TEST_F(Fido2Requests, CompletesRefuseAJwtThatDoesNotVerify) {
  const std::vector<std::function<AuthResult()>> completes{
      [&] { return web.register_fido2_complete(loginid::Username("alice"), browser_attestation().dump()); },
      [&] { return web.authenticate_fido2_complete(loginid::Username("alice"), browser_assertion().dump()); },
      [&] { return web.complete_add_fido2_credential(loginid::Username("alice"), browser_attestation().dump()); },
  };
  for (std::size_t i = 0; i < completes.size(); ++i) {
    SCOPED_TRACE("complete #" + std::to_string(i));
    fx.transport->answer(json_response(200, auth_json(fx.user_token("other-client"))));
    try {
      (void)completes[i]();
      ADD_FAILURE() << "a token for another audience was accepted";
    } catch (const TokenError& e) {
      EXPECT_EQ(e.reason(), TokenErrc::audience_mismatch);
    }
    fx.transport->answer(json_response(200, auth_json(fx.user_token(kClientId, "mallory"))));
    try {
      (void)completes[i]();
      ADD_FAILURE() << "another user's token was accepted";
    } catch (const TokenError& e) {
      EXPECT_EQ(e.reason(), TokenErrc::username_mismatch);
    }
    const PrivateKey not_loginid = PrivateKey::generate();
    fx.transport->answer(json_response(200, auth_json(detail::sign_jwt_json(json{{"aud", kClientId}, {"udata", "alice"}}, not_loginid, kKid))));
    try {
      (void)completes[i]();
      ADD_FAILURE() << "a token not signed by LoginID was accepted";
    } catch (const TokenError& e) {
      EXPECT_EQ(e.reason(), TokenErrc::bad_signature);
    }
    fx.transport->answer(json_response(200, auth_json(std::nullopt)));
    try {
      (void)completes[i]();
      ADD_FAILURE() << "an answer without the JWT that was asked for was accepted";
    } catch (const BadResponse& e) {
      EXPECT_NE(std::string(e.what()).find("jwt"), std::string::npos) << e.what();
    }
  }
}

TEST_F(Fido2Requests, ServiceRefusalsSurfaceWithStatusCodeAndMessage) {
  fx.transport->answer(json_response(401, {{"code", "credential_invalid"},
                                           {"message", "assertion_payload.authenticator_data: the signature counter went back"}}));
  try {
    (void)web.authenticate_fido2_complete(loginid::Username("alice"), browser_assertion().dump());
    FAIL() << "no error";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.status(), 401);
    EXPECT_EQ(e.code(), ServiceCode::credential_invalid);
    EXPECT_NE(e.message().find("counter"), std::string::npos);
    EXPECT_EQ(e.request_id(), "req-123");
  }
}

// ---- wrong answers --------------------------------------------------------------------------------

void expect_bad_response(const std::function<void()>& call, const std::string& member) {
  try {
    call();
    ADD_FAILURE() << "accepted; expected bad_response naming " << member;
  } catch (const BadResponse& e) {
    EXPECT_EQ(e.status(), 200);
    EXPECT_NE(std::string(e.what()).find(member), std::string::npos) << e.what();
  }
}

TEST_F(Fido2Requests, WrongShapedInitAnswersAreBadResponseNamingTheMember) {
  const auto attestation_init = [&] { (void)web.register_fido2_init(loginid::Username("alice")); };
  const auto with_payload = [&](const std::function<void(json&)>& change) {
    json payload = attestation_payload();
    change(payload);
    fx.transport->answer(json_response(200, {{"attestation_payload", payload}}));
  };

  fx.transport->answer(json_response(200, json::object()));
  expect_bad_response(attestation_init, "response.attestation_payload: missing");
  fx.transport->answer(json_response(200, {{"attestation_payload", "text"}}));
  expect_bad_response(attestation_init, "response.attestation_payload: expected an object");
  fx.transport->answer(json_response(200, json::array()));
  expect_bad_response(attestation_init, "response: expected an object");
  fx.transport->answer(json_response(200, {{"register_session", 7}, {"attestation_payload", attestation_payload()}}));
  expect_bad_response(attestation_init, "response.register_session: expected a string");
  with_payload([](json& p) { p.erase("challenge"); });
  expect_bad_response(attestation_init, "response.attestation_payload.challenge: missing");
  with_payload([](json& p) { p["challenge"] = ""; });
  expect_bad_response(attestation_init, "response.attestation_payload.challenge: empty");
  with_payload([](json& p) { p["credential_uuid"] = 12; });
  expect_bad_response(attestation_init, "response.attestation_payload.credential_uuid: expected a string");
  with_payload([](json& p) { p.erase("rp"); });
  expect_bad_response(attestation_init, "response.attestation_payload.rp: missing");
  with_payload([](json& p) { p["user"] = "alice"; });
  expect_bad_response(attestation_init, "response.attestation_payload.user: expected an object");
  with_payload([](json& p) { p["pubKeyCredParams"] = json::object(); });
  expect_bad_response(attestation_init, "response.attestation_payload.pubKeyCredParams: expected an array");
  // The same parser serves the other two inits that make a credential.
  with_payload([](json& p) { p.erase("credential_uuid"); });
  expect_bad_response([&] { (void)web.init_add_fido2_credential_with_code(loginid::Username("alice"), "1", CodeType::short_code); },
                      "response.attestation_payload.credential_uuid: missing");
  expect_bad_response([&] { (void)mgmt.force_fido2_credential_init(loginid::UserId("u-1")); },
                      "response.attestation_payload.credential_uuid: missing");

  const auto assertion_init = [&] { (void)web.authenticate_fido2_init(loginid::Username("alice")); };
  fx.transport->answer(json_response(200, {{"attestation_payload", attestation_payload()}}));
  expect_bad_response(assertion_init, "response.assertion_payload: missing");
  json payload = assertion_payload();
  payload.erase("challenge");
  fx.transport->answer(json_response(200, {{"assertion_payload", payload}}));
  expect_bad_response(assertion_init, "response.assertion_payload.challenge: missing");
  payload = assertion_payload();
  payload["allowCredentials"] = "Y3JlZA";
  fx.transport->answer(json_response(200, {{"assertion_payload", payload}}));
  expect_bad_response(assertion_init, "response.assertion_payload.allowCredentials: expected an array");

  // A complete's answer is an authentication response, parsed like every other.
  fx.transport->answer(json_response(200, {{"is_authenticated", true}, {"jwt", fx.user_token()}}));
  expect_bad_response([&] { (void)web.authenticate_fido2_complete(loginid::Username("alice"), browser_assertion().dump()); },
                      "response.user: missing");
}

// ---- bad arguments --------------------------------------------------------------------------------

void expect_invalid(const std::function<void()>& call, const std::string& message) {
  try {
    call();
    ADD_FAILURE() << "accepted; expected InvalidArgument: " << message;
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
}

TEST_F(Fido2Requests, BrowserAnswersAreCheckedBeforeAnythingIsSent) {
  const auto register_with = [&](const std::string& text) {
    return [&, text] { (void)web.register_fido2_complete(loginid::Username("alice"), text); };
  };
  const auto attestation_without = [](const std::string& member) {
    json answer = browser_attestation();
    answer.erase(member);
    return answer.dump();
  };
  const auto attestation_with = [](const std::string& member, const json& value) {
    json answer = browser_attestation();
    answer[member] = value;
    return answer.dump();
  };

  expect_invalid(register_with(""), "attestation_payload: must not be empty");
  expect_invalid(register_with("{\"challenge\":"), "attestation_payload: not valid JSON");
  expect_invalid(register_with("[1,2]"), "attestation_payload: must be a JSON object");
  expect_invalid(register_with(std::string(100, '[') + std::string(100, ']')), "attestation_payload: not valid JSON");
  expect_invalid(register_with(R"({"challenge":"a","challenge":"b"})"), "attestation_payload: not valid JSON");
  for (const std::string member : {"challenge", "credential_uuid", "credential_id", "client_data", "attestation_data"}) {
    SCOPED_TRACE(member);
    expect_invalid(register_with(attestation_without(member)), "attestation_payload." + member + ": missing");
    expect_invalid(register_with(attestation_with(member, nullptr)), "attestation_payload." + member + ": missing");
    expect_invalid(register_with(attestation_with(member, "")), "attestation_payload." + member + ": must not be empty");
    expect_invalid(register_with(attestation_with(member, json::array())),
                   "attestation_payload." + member + ": must be a string");
  }
  expect_invalid(register_with(attestation_with("client_data", "eyJ0eXBlIjo+/w==")),
                 "attestation_payload.client_data: not base64url");
  // Padding is tolerated (the service drops it); the challenge is the service's own text, not decoded.
  fx.transport->answer(json_response(200, auth_json(fx.user_token())));
  EXPECT_NO_THROW((void)web.register_fido2_complete(loginid::Username("alice"), attestation_with("client_data", "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0=")));
  const auto sent = fx.transport->requests().size();
  EXPECT_EQ(sent, 1U) << "only the valid answer was sent";

  const auto login_with = [&](const std::string& text) {
    return [&, text] { (void)web.authenticate_fido2_complete(loginid::Username("alice"), text); };
  };
  for (const std::string member : {"challenge", "credential_id", "client_data", "authenticator_data", "signature"}) {
    json answer = browser_assertion();
    answer.erase(member);
    expect_invalid(login_with(answer.dump()), "assertion_payload." + member + ": missing");
  }
  json assertion = browser_assertion();
  assertion["signature"] = "MEUC IQDx";
  expect_invalid(login_with(assertion.dump()), "assertion_payload.signature: not base64url");
  // An assertion is not an attestation: the members each complete needs are asked for by name.
  expect_invalid(login_with(browser_attestation().dump()), "assertion_payload.authenticator_data: missing");
  expect_invalid(register_with(browser_assertion().dump()), "attestation_payload.credential_uuid: missing");
  expect_invalid([&] { (void)web.complete_add_fido2_credential(loginid::Username("alice"), "null"); },
                 "attestation_payload: must be a JSON object");
  EXPECT_EQ(fx.transport->requests().size(), sent) << "nothing more was sent";
}

TEST_F(Fido2Requests, BadArgumentsAreRefusedBeforeAnythingIsSent) {
  const std::string attestation = browser_attestation().dump();
  const std::string assertion = browser_assertion().dump();
  expect_invalid([&] { (void)web.register_fido2_init(loginid::Username("")); }, "username: must not be empty");
  expect_invalid([&] { (void)web.register_fido2_init(loginid::Username("bad\xff")); }, "username: not valid UTF-8");
  expect_invalid([&] { (void)web.register_fido2_init(loginid::Username("alice"), {.display_name = ""}); },
                 "options.display_name: must not be empty");
  expect_invalid([&] { (void)web.register_fido2_init(loginid::Username("alice"), {.override_name = ""}); },
                 "options.override_name: must not be empty");
  expect_invalid([&] { (void)web.register_fido2_init(loginid::Username("alice"), {.register_session = ""}); },
                 "options.register_session: must not be empty");
  expect_invalid([&] { (void)web.register_fido2_complete(loginid::Username(""), attestation); }, "username: must not be empty");
  expect_invalid([&] { (void)web.register_fido2_complete(loginid::Username("alice"), attestation, {.credential_name = ""}); },
                 "options.credential_name: must not be empty");
  expect_invalid([&] { (void)web.authenticate_fido2_init(loginid::Username("")); }, "username: must not be empty");
  expect_invalid([&] { (void)web.authenticate_fido2_complete(loginid::Username(""), assertion); }, "username: must not be empty");
  expect_invalid([&] { (void)web.init_add_fido2_credential_with_code(loginid::Username(""), "1", CodeType::short_code); },
                 "username: must not be empty");
  expect_invalid([&] { (void)web.init_add_fido2_credential_with_code(loginid::Username("alice"), "", CodeType::short_code); },
                 "code: must not be empty");
  expect_invalid([&] { (void)web.init_add_fido2_credential_with_code(loginid::Username("alice"), "1", static_cast<CodeType>(9)); },
                 "code_type");
  expect_invalid(
      [&] { (void)web.init_add_fido2_credential_with_code(loginid::Username("alice"), "1", CodeType::short_code, {.display_name = ""}); },
      "options.display_name: must not be empty");
  expect_invalid([&] { (void)web.complete_add_fido2_credential(loginid::Username(""), attestation); }, "username: must not be empty");
  expect_invalid([&] { (void)mgmt.force_fido2_credential_init(loginid::UserId("")); }, "user_id: must not be empty");

  // The inits sign a service token: a client without the private key says so.
  const LoginID no_key(kClientId, std::string{}, fx.options());
  expect_invalid([&] { (void)no_key.register_fido2_init(loginid::Username("alice")); }, "private_key_pem");
  expect_invalid([&] { (void)no_key.authenticate_fido2_init(loginid::Username("alice")); }, "private_key_pem");
  expect_invalid([&] { (void)no_key.init_add_fido2_credential_with_code(loginid::Username("alice"), "1", CodeType::short_code); },
                 "private_key_pem");
  EXPECT_TRUE(fx.transport->requests().empty());
}

}  // namespace
}  // namespace loginid::test
