// The tokens the emulator issues at the end of its FIDO2 flows are the ones the SDK accepts: a
// passkey login's user token passes verify_token, and a transaction confirmed by signing its hash
// with a passkey passes verify_transaction (API.md: the WebAuthn challenge is the tx hash). The
// page's side is played over HTTP with the tests' software authenticator.

#include <gtest/gtest.h>

#include "emulator_process.hpp"
#include "integration/emulator/soft_authenticator.hpp"
#include "loginid/loginid.hpp"

namespace loginid::test {
namespace {

using testing::SoftAuthenticator;

class SdkFido2 : public ::testing::Test {
 protected:
  EmulatorProcess emulator;
  LoginID web{emulator.client_id("web"), emulator.private_key("web"), emulator.options()};

  /// A page's call (client_id in the body, no token: the default web application's public init).
  nlohmann::json page(const std::string& path, nlohmann::json body) {
    body["client_id"] = emulator.client_id("web");
    return emulator.admin("POST", path, body);
  }

  nlohmann::json register_passkey(const std::string& username, SoftAuthenticator& authenticator) {
    auto init = page("/register/fido2/init", {{"username", username}});
    return page("/register/fido2/complete",
                {{"username", username}, {"attestation_payload", authenticator.create(init.at("attestation_payload"))}});
  }
};

TEST_F(SdkFido2, APasskeyLoginTokenPassesVerifyToken) {
  SoftAuthenticator authenticator;
  auto registration = register_passkey("pat@example.com", authenticator);
  EXPECT_TRUE(web.verify_token(registration.at("jwt").get<std::string>(), "pat@example.com"));
  auto init = page("/authenticate/fido2/init", {{"username", "pat@example.com"}});
  auto login = page("/authenticate/fido2/complete", {{"username", "pat@example.com"},
                                                     {"assertion_payload", authenticator.get(init.at("assertion_payload"))}});
  const auto jwt = login.at("jwt").get<std::string>();
  EXPECT_TRUE(web.verify_token(jwt, "pat@example.com"));
  EXPECT_FALSE(web.verify_token(jwt, "someone-else@example.com"));
}

TEST_F(SdkFido2, ATransactionConfirmedWithAPasskeyPassesVerifyTransaction) {
  SoftAuthenticator authenticator;
  register_passkey("payer@example.com", authenticator);
  const std::string payload = R"({"amount":"10.00","currency":"EUR","to":"Bob"})";
  const std::string tx_id = web.create_tx(payload);  // the backend, through the SDK
  auto init = page("/api/tx/init", {{"username", "payer@example.com"}, {"tx_id", tx_id}});
  const auto& options = init.at("assertion_options");
  auto signed_payload = authenticator.get(options);
  auto confirmed = page("/api/tx/complete", {{"username", "payer@example.com"},
                                             {"tx_id", tx_id},
                                             {"challenge", options.at("challenge")},
                                             {"key_handle", signed_payload.at("credential_id")},
                                             {"client_data", signed_payload.at("client_data")},
                                             {"auth_data", signed_payload.at("authenticator_data")},
                                             {"sign_data", signed_payload.at("signature")}});
  EXPECT_EQ(confirmed.at("success"), true);
  const auto jwt = confirmed.at("jwt").get<std::string>();
  EXPECT_TRUE(web.verify_transaction(jwt, payload));
  const Claims claims = web.verify_transaction_claims(jwt, payload);
  EXPECT_EQ(claims.at("tx_hash"), options.at("challenge")) << "the authenticator signed the hash the SDK recomputes";
  EXPECT_FALSE(web.verify_transaction(jwt, R"({"amount":"1000.00","currency":"EUR","to":"Eve"})"));
}

}  // namespace
}  // namespace loginid::test
