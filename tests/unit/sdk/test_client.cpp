// LoginID (the application client): service and tx tokens, create_tx, verify_token /
// verify_transaction against tokens signed by a fake LoginID key, wait_code and public-key
// authentication request building, and local validation, all against a recording fake transport.

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "jose/tokens.hpp"
#include "loginid/client.hpp"
#include "loginid/management.hpp"
#include "test_client_fake.hpp"

namespace loginid::test {
namespace {

using nlohmann::json;

json auth_json(const std::optional<std::string>& jwt, const std::string& username = "alice") {
  return auth_response(jwt, username);
}

// A clock the fake service moves forward, as if it held a long poll for that long.
class SteppedClock {
 public:
  [[nodiscard]] Clock as_clock() {
    return [this] { return kNow + std::chrono::milliseconds(elapsed_ms_.load()); };
  }
  void advance(std::chrono::milliseconds by) { elapsed_ms_ += by.count(); }

 private:
  std::atomic<std::int64_t> elapsed_ms_{0};
};

class Client : public ::testing::Test {
 protected:
  Fixture fx;
  LoginID client{kClientId, fx.app_pem(), fx.options()};

  json bearer_claims(const HttpRequest& request) const { return test::bearer_claims(request, fx.app_key.public_key()); }
};

TEST_F(Client, ConstructionValidatesItsArguments) {
  EXPECT_THROW(LoginID("", fx.app_pem(), fx.options()), InvalidArgument);
  EXPECT_THROW(LoginID(kClientId, std::string("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n"),
                       fx.options()),
               KeyError);
  try {
    LoginID(kClientId, std::string("not a key at all, secret-ish text"), fx.options());
    FAIL() << "accepted garbage as a key";
  } catch (const KeyError& e) {
    EXPECT_EQ(std::string(e.what()).find("secret-ish"), std::string::npos) << "the key text leaked into the error";
  }
  const LoginID no_key(kClientId, std::string{}, fx.options());
  EXPECT_FALSE(no_key.has_private_key());
  EXPECT_TRUE(client.has_private_key());
  EXPECT_EQ(client.client_id(), kClientId);
  EXPECT_EQ(client.base_url(), kBaseUrl);
  const LoginID parsed(kClientId, fx.app_key, fx.options());
  EXPECT_TRUE(parsed.has_private_key());
}

// Issue 16 finding 8: the PEM is taken as a SecretString, from a std::string rvalue whose buffer the
// client takes over and wipes (an lvalue does not compile: tests/compile_fail). The caller's
// string is left empty, also when the key is refused.
TEST_F(Client, ThePemPassedInIsTakenOverAndTheCallersStringEmptied) {
  std::string pem = fx.app_pem();
  const LoginID taken(kClientId, std::move(pem), fx.options());
  EXPECT_TRUE(taken.has_private_key());
  EXPECT_TRUE(pem.empty());  // NOLINT(bugprone-use-after-move): what the move left behind is the point
  std::string bad = "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n";
  EXPECT_THROW(LoginID(kClientId, std::move(bad), fx.options()), KeyError);
  EXPECT_TRUE(bad.empty());  // NOLINT(bugprone-use-after-move)
  std::string kept = fx.app_pem();
  const LoginID copied(kClientId, SecretString(std::string_view(kept)), fx.options());  // a copy, on purpose
  EXPECT_TRUE(copied.has_private_key());
  EXPECT_EQ(kept, fx.app_pem());
}

// Issue 16 finding 8: a ca_bundle beside a custom transport would be silently ignored; it is refused.
TEST_F(Client, ACaBundleBesideACustomTransportIsRefused) {
  Options conflicting = fx.options();
  ASSERT_TRUE(conflicting.transport);
  conflicting.ca_bundle = "/etc/ssl/corp/root-ca.pem";
  for (const auto& make : std::vector<std::function<void()>>{
           [&] { LoginID(kClientId, fx.app_pem(), conflicting); },
           [&] { LoginIdManagement(kClientId, fx.app_pem(), conflicting); }}) {
    try {
      make();
      ADD_FAILURE() << "a ca_bundle the custom transport never uses was accepted";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("Options::ca_bundle"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("custom Options::transport"), std::string::npos) << e.what();
    }
  }
  // The custom transport alone is fine (a ca_bundle alone goes to the libcurl transport: test_sdk_https).
  EXPECT_NO_THROW(LoginID(kClientId, fx.app_pem(), fx.options()));
}

TEST_F(Client, ServiceTokenCarriesScopeClientAndUser) {
  const json plain = decode_jwt_as_json(client.generate_service_token("users.retrieve")).payload;
  EXPECT_EQ(plain["type"], "users.retrieve");
  EXPECT_EQ(plain["client_id"], kClientId);
  EXPECT_EQ(plain["iat"], now_seconds());
  EXPECT_EQ(plain["nonce"].get<std::string>().size(), 16U);
  EXPECT_FALSE(plain.contains("username"));
  EXPECT_FALSE(plain.contains("user_id"));

  const std::string token =
      client.generate_service_token("auth.login", {.username = Username("alice"), .user_id = UserId("u-1"), .nonce = "n0nce"});
  const auto decoded = decode_jwt_as_json(token);
  EXPECT_EQ(decoded.header, (json{{"alg", "ES256"}, {"typ", "JWT"}}));
  EXPECT_EQ(decoded.payload["username"], "alice");
  EXPECT_FALSE(decoded.payload.contains("user_id")) << "user_id only when no username";
  EXPECT_EQ(decoded.payload["nonce"], "n0nce");
  EXPECT_FALSE(detail::check_signature_json(decoded, fx.app_key.public_key()));

  EXPECT_EQ(decode_jwt_as_json(client.generate_service_token("x", {.user_id = UserId("u-1")})).payload["user_id"], "u-1");
  EXPECT_THROW((void)client.generate_service_token(""), InvalidArgument);
  const LoginID no_key(kClientId, std::string{}, fx.options());
  EXPECT_THROW((void)no_key.generate_service_token("users.retrieve"), InvalidArgument);
}

TEST_F(Client, TxAuthTokenHashesThePayload) {
  const json claims = decode_jwt_as_json(client.generate_tx_auth_token("Pay 10 EUR", "nonce-1")).payload;
  EXPECT_EQ(claims["type"], "tx.create");
  EXPECT_EQ(claims["nonce"], "nonce-1");
  EXPECT_EQ(claims["payload_hash"], detail::sha256_b64url("Pay 10 EUR"));
  EXPECT_THROW((void)client.generate_tx_auth_token(""), InvalidArgument);
}

TEST_F(Client, CreateTxSendsTheTxTokenAndTheSameNonceInTheBody) {
  fx.transport->answer(json_response(200, {{"id", "tx-1"}, {"url", "https://x/tx-1"}}));
  EXPECT_EQ(client.create_transaction("Pay 10 EUR", {.nonce = "nonce-1"}).id, "tx-1");
  auto requests = fx.transport->requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].url, std::string(kBaseUrl) + "/tx");
  EXPECT_EQ(header_of(requests[0], "X-Client-ID"), kClientId);
  EXPECT_EQ(body_of(requests[0]), (json{{"client_id", kClientId}, {"tx_payload", "Pay 10 EUR"}, {"nonce", "nonce-1"}}));
  const json bearer = bearer_claims(requests[0]);
  EXPECT_EQ(bearer["type"], "tx.create");
  EXPECT_EQ(bearer["nonce"], "nonce-1");
  EXPECT_EQ(bearer["payload_hash"], detail::sha256_b64url("Pay 10 EUR"));

  // Generated nonce: the same one in token and body; optional fields sent when given.
  const TxResult tx = client.create_transaction("Pay 5", {.tx_type = "payment", .username = Username("alice")});
  EXPECT_EQ(tx.id, "tx-1");
  EXPECT_EQ(tx.url, "https://x/tx-1");
  requests = fx.transport->requests();
  ASSERT_EQ(requests.size(), 2U);
  const json body = body_of(requests[1]);
  EXPECT_EQ(body["nonce"], tx.nonce);
  EXPECT_EQ(tx.nonce.size(), 16U);
  EXPECT_EQ(body["tx_type"], "payment");
  EXPECT_EQ(body["username"], "alice");
  EXPECT_EQ(bearer_claims(requests[1])["nonce"], tx.nonce);
}

TEST_F(Client, CreateTxIsNotRepeatedAndRejectsWrongShapes) {
  fx.transport->answer(json_response(200, {{"url", "x"}}));
  try {
    (void)client.create_transaction("p").id;
    FAIL();
  } catch (const BadResponse& e) {
    EXPECT_NE(std::string(e.what()).find("response.id"), std::string::npos);
  }
  const LoginID retrying(kClientId, fx.app_pem(), fx.options(3));
  fx.transport->answer(json_response(502, {{"code", "bad_gateway"}, {"message", "x"}}));
  const auto before = fx.transport->requests().size();
  EXPECT_THROW((void)retrying.create_transaction("p").id, Error);
  EXPECT_EQ(fx.transport->requests().size(), before + 1) << "create_tx must not be repeated once it reached the server";
  const LoginID no_key(kClientId, std::string{}, fx.options());
  EXPECT_THROW((void)no_key.create_transaction("p").id, InvalidArgument);
}

TEST_F(Client, VerifyTokenChecksSignatureAudienceAndUsername) {
  const std::string good = fx.user_token();
  EXPECT_TRUE(client.verify_token(good));
  EXPECT_TRUE(client.verify_token(good, Username("alice")));
  EXPECT_FALSE(client.verify_token(good, Username("bob")));
  EXPECT_FALSE(client.verify_token(fx.user_token("other-client")));
  EXPECT_FALSE(client.verify_token("not.a.token"));
  EXPECT_FALSE(client.verify_token(""));

  std::error_code ec;
  auto claims = client.verify_token_claims(good, Username("alice"), ec);
  ASSERT_TRUE(claims.has_value()) << ec.message();
  EXPECT_EQ(claims->username(), "alice");

  EXPECT_FALSE(client.verify_token_claims(fx.user_token("other-client"), std::nullopt, ec));
  EXPECT_EQ(ec, TokenErrc::audience_mismatch);
  EXPECT_FALSE(client.verify_token_claims(good, Username("bob"), ec));
  EXPECT_EQ(ec, TokenErrc::username_mismatch);
  const std::string expired = fx.user_token(kClientId, "alice", {{"exp", now_seconds() - 3600}});
  EXPECT_FALSE(client.verify_token_claims(expired, std::nullopt, ec));
  EXPECT_EQ(ec, TokenErrc::expired);

  // Signed by someone else under LoginID's kid.
  const std::string forged = sign_jwt(decode_jwt(good).payload, PrivateKey::generate(), kKid);
  EXPECT_FALSE(client.verify_token_claims(forged, std::nullopt, ec));
  EXPECT_EQ(ec, TokenErrc::bad_signature);

  EXPECT_EQ(client.verify_token_claims(good, Username("alice")).subject(), "8d3c6a64-8a3f-4d55-9d6e-3b1a0c0f0e01");
  try {
    (void)client.verify_token_claims(good, Username("bob"));
    FAIL();
  } catch (const TokenError& e) {
    EXPECT_EQ(e.reason(), TokenErrc::username_mismatch);
  }
  // A client without a private key still verifies.
  const LoginID verifier_only(kClientId, std::string{}, fx.options());
  EXPECT_TRUE(verifier_only.verify_token(good, Username("alice")));
}

TEST_F(Client, VerifyTransactionRecomputesTheHashFromTheCallersPayload) {
  const std::string payload = "Pay 10 EUR to Bob";
  const json tx_claims{{"nonce", "n1"}, {"server_nonce", "s1"}, {"tx_hash", detail::tx_hash(payload, "n1", "s1")}};
  const std::string token = fx.user_token(kClientId, "alice", tx_claims);
  EXPECT_TRUE(client.verify_transaction(token, payload));
  EXPECT_FALSE(client.verify_transaction(token, "Pay 1000 EUR to Eve"));
  std::error_code ec;
  EXPECT_FALSE(client.verify_transaction_claims(token, "Pay 1000 EUR to Eve", ec));
  EXPECT_EQ(ec, TokenErrc::tx_hash_mismatch);
  EXPECT_EQ(client.verify_transaction_claims(token, payload).get_string("server_nonce"), "s1");
  EXPECT_THROW((void)client.verify_transaction_claims(fx.user_token("other", "alice", tx_claims), payload), TokenError);
}

TEST_F(Client, WaitCodeLongPollsWithoutABearerAndVerifiesTheJwt) {
  fx.transport->answer(json_response(200, auth_json(fx.user_token())));
  const AuthResult auth = client.wait_code(Username("alice"), "123456", CodeType::short_code);
  EXPECT_TRUE(auth.is_authenticated);
  ASSERT_TRUE(auth.jwt && auth.claims);
  EXPECT_EQ(auth.claims->username(), "alice");
  EXPECT_EQ(auth.user.username, "alice");
  EXPECT_EQ(auth.client.type, "web");
  EXPECT_FALSE(auth.credential.has_value());

  auto requests = fx.transport->requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].url, std::string(kBaseUrl) + "/authenticate/code/wait");
  EXPECT_EQ(body_of(requests[0]), (json{{"client_id", kClientId},
                                        {"username", "alice"},
                                        {"authentication_code", {{"code", "123456"}, {"type", "short"}}}}));
  EXPECT_EQ(requests[0].timeout, fx.options().wait_timeout) << "the long poll gets the wait budget";

  fx.transport->answer(json_response(200, auth_json(std::nullopt)));
  const AuthResult no_jwt = client.wait_code(Username("alice"), "word word word word", CodeType::phrase, {.no_jwt = true});
  EXPECT_FALSE(no_jwt.jwt.has_value());
  requests = fx.transport->requests();
  EXPECT_EQ(body_of(requests[1])["no_jwt"], true);
  EXPECT_EQ(body_of(requests[1])["authentication_code"]["type"], "phrase");

  // The result of generate_code handed on whole: its text and type go to the wire as above.
  fx.transport->answer(json_response(200, auth_json(fx.user_token())));
  CodeResult generated;
  generated.code = "abcdEFGH12345678";
  generated.code_type = CodeType::long_code;
  (void)client.wait_code(Username("alice"), generated);
  requests = fx.transport->requests();
  EXPECT_EQ(body_of(requests[2]), (json{{"client_id", kClientId},
                                        {"username", "alice"},
                                        {"authentication_code", {{"code", "abcdEFGH12345678"}, {"type", "long"}}}}));
}

TEST_F(Client, WaitCodeRefusesBadJwtsAndSurfacesServiceErrors) {
  fx.transport->answer(json_response(200, auth_json(fx.user_token("other-client"))));
  try {
    (void)client.wait_code(Username("alice"), "123456", CodeType::short_code);
    FAIL();
  } catch (const TokenError& e) {
    EXPECT_EQ(e.reason(), TokenErrc::audience_mismatch);
  }
  fx.transport->answer(json_response(200, auth_json(fx.user_token(kClientId, "mallory"))));
  try {
    (void)client.wait_code(Username("alice"), "123456", CodeType::short_code);
    FAIL();
  } catch (const TokenError& e) {
    EXPECT_EQ(e.reason(), TokenErrc::username_mismatch);
  }
  fx.transport->answer(json_response(200, auth_json(std::nullopt)));
  try {
    (void)client.wait_code(Username("alice"), "123456", CodeType::short_code);
    FAIL();
  } catch (const BadResponse& e) {
    EXPECT_NE(std::string(e.what()).find("jwt"), std::string::npos);
  }

  // A 408 that came back at once (the fixture's clock stands still) was no long poll: asking
  // again would spin, so it is the answer.
  const LoginID retrying(kClientId, fx.app_pem(), fx.options(3));
  fx.transport->answer(json_response(408, {{"code", "code_timeout"}, {"message", "gave up waiting"}}));
  const auto before = fx.transport->requests().size();
  try {
    (void)retrying.wait_code(Username("alice"), "123456", CodeType::short_code);
    FAIL();
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.status(), 408);
    EXPECT_EQ(e.code(), ServiceCode::code_timeout);
  }
  EXPECT_EQ(fx.transport->requests().size(), before + 1) << "an instant 408 is not repeated";

  EXPECT_THROW((void)client.wait_code(Username(""), "1", CodeType::short_code), InvalidArgument);
  EXPECT_THROW((void)client.wait_code(Username("alice"), "", CodeType::short_code), InvalidArgument);
  EXPECT_THROW((void)client.wait_code(Username("alice"), "1", static_cast<CodeType>(5)), InvalidArgument);
}

// The service holds one long poll for less than Options::wait_timeout (the emulator: 30 s): the
// SDK asks again with what is left of its budget, so the caller's wait is the one it configured.
TEST_F(Client, WaitCodeAsksAgainWhenTheServiceEndsItsLongPollFirst) {
  SteppedClock clock;
  Options options = fx.options();
  options.clock = clock.as_clock();
  const LoginID waiting(kClientId, fx.app_pem(), options);
  const std::string token = fx.user_token();
  int polls = 0;  // the transport calls the handler under its lock, one request at a time
  fx.transport->answer_with([&](const HttpRequest&) {
    const bool authorized = ++polls == 3;
    clock.advance(std::chrono::seconds(authorized ? 5 : 30));  // the service held the poll
    return authorized ? json_response(200, auth_json(token))
                      : json_response(408, {{"code", "code_timeout"}, {"message", "the code was not authorized in time"}});
  });
  const AuthResult auth = waiting.wait_code(Username("alice"), "123456", CodeType::short_code);
  EXPECT_EQ(auth.jwt, token);
  const auto requests = fx.transport->requests();
  ASSERT_EQ(requests.size(), 3U);
  EXPECT_EQ(requests[0].timeout, std::chrono::seconds(120)) << "the first poll gets the whole budget";
  EXPECT_EQ(requests[1].timeout, std::chrono::seconds(90)) << "a later poll gets what is left";
  EXPECT_EQ(requests[2].timeout, std::chrono::seconds(60));
  EXPECT_EQ(body_of(requests[2]), body_of(requests[0])) << "the same wait, asked again";
}

TEST_F(Client, WaitCodeEndsWithCodeTimeoutWhenItsBudgetIsSpent) {
  SteppedClock clock;
  Options options = fx.options();
  options.clock = clock.as_clock();
  options.wait_timeout = std::chrono::seconds(45);
  const LoginID waiting(kClientId, fx.app_pem(), options);

  // The service's 408 arrives with under a second of the budget left: that is the answer.
  fx.transport->answer_with([&](const HttpRequest&) {
    clock.advance(std::chrono::milliseconds(44'500));
    return json_response(408, {{"code", "code_timeout"}, {"message", "the code was not authorized in time"}});
  });
  try {
    (void)waiting.wait_code(Username("alice"), "123456", CodeType::short_code);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), 408);
    EXPECT_EQ(failure_of(e).code, "code_timeout");
  }
  EXPECT_EQ(fx.transport->requests().size(), 1U);

  // Our own deadline fires while the service still holds the wait: the same code_timeout, saying
  // which budget ran out, not a transport "timeout" that reads like an unreachable service.
  fx.transport->answer_with([&](const HttpRequest& request) -> HttpResponse {
    clock.advance(request.timeout);
    throw TransportError(TransportError::Reason::timeout, "Operation timed out after 45000 milliseconds with 0 bytes received");
  });
  try {
    (void)waiting.wait_code(Username("alice"), "123456", CodeType::short_code);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), 0);
    EXPECT_EQ(failure_of(e).code, "code_timeout");
    EXPECT_EQ(e.kind(), ErrorKind::service);
    EXPECT_NE(failure_of(e).message.find("within 45 s"), std::string::npos) << e.what();
    EXPECT_NE(failure_of(e).message.find("Options::wait_timeout"), std::string::npos) << e.what();
  }

  // A service out of reach stays connection_failed: that is not a slow user.
  fx.transport->answer_with([&](const HttpRequest&) -> HttpResponse {
    throw TransportError(TransportError::Reason::connect_failed, "Connection refused");
  });
  try {
    (void)waiting.wait_code(Username("alice"), "123456", CodeType::short_code);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), 0);
    EXPECT_EQ(failure_of(e).code, "connection_failed");
  }
}

TEST_F(Client, PublicKeyAuthenticationRequestsAndAssertion) {
  const PrivateKey user_key = PrivateKey::generate();
  const std::string user_pem = user_key.public_key().to_pem();
  fx.transport->answer(json_response(200, {{"challenge_id", "ch-1"}, {"server_nonce", "random-challenge"}}));
  const PublicKeyChallenge challenge = client.authenticate_publickey_init(Username("alice"), user_pem);
  EXPECT_EQ(challenge.challenge_id, "ch-1");
  EXPECT_EQ(challenge.server_nonce, "random-challenge");

  const std::string assertion = LoginID::make_publickey_assertion(user_key, challenge.server_nonce);
  const DecodedJwt signed_challenge = decode_jwt(assertion);
  EXPECT_EQ(signed_challenge.payload.get_string("server_nonce"), "random-challenge");
  EXPECT_FALSE(check_signature(signed_challenge, user_key.public_key()));

  fx.transport->answer(json_response(200, auth_json(fx.user_token())));
  const AuthResult auth = client.authenticate_publickey_complete(Username("alice"), challenge, assertion);
  EXPECT_TRUE(auth.claims.has_value());

  const auto requests = fx.transport->requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[0].url, std::string(kBaseUrl) + "/authenticate/publickey/init");
  EXPECT_EQ(body_of(requests[0]),
            (json{{"client_id", kClientId}, {"username", "alice"}, {"publickey", user_pem}, {"publickey_alg", "ES256"}}));
  EXPECT_EQ(bearer_claims(requests[0])["type"], "auth.login");
  EXPECT_EQ(requests[1].url, std::string(kBaseUrl) + "/authenticate/publickey/complete");
  EXPECT_EQ(body_of(requests[1]), (json{{"client_id", kClientId},
                                        {"username", "alice"},
                                        {"challenge_id", "ch-1"},
                                        {"assertion", assertion}}));
  EXPECT_EQ(header_of(requests[1], "Authorization"), "") << "a complete call carries no service token";

  EXPECT_THROW((void)client.authenticate_publickey_init(Username("alice"), "garbage"), KeyError);
  const LoginID no_key(kClientId, std::string{}, fx.options());
  EXPECT_THROW((void)no_key.authenticate_publickey_init(Username("alice"), user_pem), InvalidArgument);
  EXPECT_THROW((void)client.authenticate_publickey_complete(Username("alice"), loginid::PublicKeyChallenge{.challenge_id = ""}, assertion), InvalidArgument);
  EXPECT_EQ(fx.transport->requests().size(), 2U);
  // Needing no service token, a complete call works from a client that holds no private key.
  EXPECT_TRUE(no_key.authenticate_publickey_complete(Username("alice"), loginid::PublicKeyChallenge{.challenge_id = "ch-1"}, assertion).claims.has_value());
  EXPECT_EQ(header_of(fx.transport->requests().back(), "Authorization"), "");
}

TEST_F(Client, RegisterPasswordSendsTheConfirmationAndVerifiesTheJwt) {
  fx.transport->answer(json_response(200, auth_json(fx.user_token())));
  const AuthResult auth = client.register_password(Username("alice"), "correct horse battery");
  EXPECT_TRUE(auth.claims.has_value());
  // What the user typed twice goes to the service, which answers password_mismatch itself.
  (void)client.register_password(Username("alice"), "correct horse battery", "correct horse batery");
  // A password with a NUL byte is sent whole (JSON \u0000), not cut at the NUL.
  const std::string with_nul("pass\0word", 9);
  (void)client.register_password(Username("alice"), with_nul);

  const auto requests = fx.transport->requests();
  ASSERT_EQ(requests.size(), 3U);
  EXPECT_EQ(requests[0].url, std::string(kBaseUrl) + "/register/password");
  EXPECT_EQ(body_of(requests[0]), (json{{"client_id", kClientId},
                                        {"username", "alice"},
                                        {"password", "correct horse battery"},
                                        {"password_confirmation", "correct horse battery"}}));
  EXPECT_EQ(bearer_claims(requests[0])["type"], "auth.register");
  EXPECT_EQ(body_of(requests[1])["password_confirmation"], "correct horse batery");
  EXPECT_EQ(body_of(requests[2])["password"].get<std::string>(), with_nul);

  // The JWT is checked like every authentication response's: another user's token is refused.
  fx.transport->answer(json_response(200, auth_json(fx.user_token(kClientId, "mallory"), "alice")));
  EXPECT_THROW((void)client.register_password(Username("alice"), "correct horse battery"), TokenError);
  fx.transport->answer(json_response(200, auth_json(std::nullopt)));
  try {
    (void)client.register_password(Username("alice"), "correct horse battery");
    FAIL() << "an answer without a JWT was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(failure_of(e).code, "bad_response");
  }
}

TEST_F(Client, AuthenticatePasswordIsSentOnceAndSurfacesTheServiceRefusal) {
  std::vector<std::string> log_lines;
  Options options = fx.options(/*max_attempts=*/3);
  options.log = [&log_lines](LogLevel, std::string_view line) { log_lines.emplace_back(line); };
  const LoginID logged(kClientId, fx.app_pem(), options);
  const std::string password = "Tr0ub4dor&3-secret";

  fx.transport->answer(json_response(200, auth_json(fx.user_token())));
  EXPECT_TRUE(logged.authenticate_password(Username("alice"), password).claims.has_value());
  auto requests = fx.transport->requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].url, std::string(kBaseUrl) + "/authenticate/password");
  EXPECT_EQ(body_of(requests[0]), (json{{"client_id", kClientId}, {"username", "alice"}, {"password", password}}));
  EXPECT_EQ(bearer_claims(requests[0])["type"], "auth.login");

  fx.transport->answer(json_response(401, {{"code", "credential_invalid"}, {"message", "wrong username or password"}}));
  try {
    (void)logged.authenticate_password(Username("alice"), password);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), 401);
    EXPECT_EQ(failure_of(e).code, "credential_invalid");
  }
  // A 503 is not repeated: each attempt counts towards the service's lockout.
  fx.transport->answer(json_response(503, {{"code", "internal_error"}, {"message", "down"}}));
  EXPECT_THROW((void)logged.authenticate_password(Username("alice"), password), Error);
  EXPECT_THROW((void)logged.register_password(Username("alice"), password), Error);
  EXPECT_EQ(fx.transport->requests().size(), 4U);

  ASSERT_FALSE(log_lines.empty());
  for (const auto& line : log_lines) EXPECT_EQ(line.find(password), std::string::npos) << line;
}

TEST_F(Client, PasswordArgumentsAreCheckedLocallyWithoutEchoingThem) {
  auto expect_refused = [](const std::function<void()>& call, const std::string& names, const std::string& secret) {
    try {
      call();
      ADD_FAILURE() << "accepted; expected a complaint about " << names;
    } catch (const InvalidArgument& e) {
      EXPECT_EQ(std::string(e.what()).find(names + ":"), 0U) << e.what();
      if (!secret.empty()) {
        EXPECT_EQ(std::string(e.what()).find(secret), std::string::npos) << e.what();
      }
    }
  };
  const std::string bad_utf8 = "secret\xff\xfe-pass";
  expect_refused([&] { (void)client.register_password(Username("alice"), ""); }, "password", "");
  expect_refused([&] { (void)client.register_password(Username("alice"), bad_utf8); }, "password", "secret");
  expect_refused([&] { (void)client.register_password(Username("alice"), "ok-password", bad_utf8); }, "password_confirmation",
                 "secret");
  expect_refused([&] { (void)client.register_password(Username(""), "ok-password"); }, "username", "ok-password");
  expect_refused([&] { (void)client.authenticate_password(Username("alice"), ""); }, "password", "");
  expect_refused([&] { (void)client.authenticate_password(Username("alice"), bad_utf8); }, "password", "secret");
  const LoginID no_key(kClientId, std::string{}, fx.options());
  expect_refused([&] { (void)no_key.authenticate_password(Username("alice"), "ok-password"); }, "private_key_pem", "ok-password");
  EXPECT_TRUE(fx.transport->requests().empty());
}

TEST_F(Client, TransportFailuresSurfaceAsErrorsWithoutAStatus) {
  fx.transport->answer_with([](const HttpRequest&) -> HttpResponse {
    throw TransportError(TransportError::Reason::connect_failed, "connection refused");
  });
  try {
    (void)client.create_transaction("p").id;
    FAIL() << "no error";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.status(), 0);
    EXPECT_EQ(e.reason(), TransportError::Reason::connect_failed);
  }
  // A verification that needs a key it cannot fetch is a reason, not an exception.
  const LoginID cold(kClientId, std::string{}, [this] {
    Options o = fx.options();
    struct Unreachable final : HttpTransport {
      HttpResponse send(const HttpRequest&) override {
        throw TransportError(TransportError::Reason::connect_failed, "connection refused");
      }
    };
    o.transport = std::make_shared<Unreachable>();  // /certs included
    return o;
  }());
  std::error_code ec;
  EXPECT_FALSE(cold.verify_token_claims(fx.user_token(), std::nullopt, ec));
  EXPECT_TRUE(ec == TokenErrc::key_unavailable || ec == TokenErrc::key_not_found) << ec.message();
}

TEST_F(Client, CopiesShareStateAndWorkIndependently) {
  const LoginID copy = client;  // NOLINT(performance-unnecessary-copy-initialization): copying is the point
  EXPECT_TRUE(copy.verify_token(fx.user_token()));
  EXPECT_TRUE(client.verify_token(fx.user_token()));
  EXPECT_EQ(fx.transport->certs_fetches(), 1) << "copies share one key cache";
}

}  // namespace
}  // namespace loginid::test
