#pragma once
// The FIDO2 tests' side of a page: the published browser SDK's requests (client_id in the body, no
// X-Client-ID, an Origin), played with a SoftAuthenticator, against a live emulator.

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "integration/emulator/soft_authenticator.hpp"
#include "integration/emulator/test_support.hpp"
#include "jose/base64url.hpp"

namespace loginid::testing {

inline const std::string kPageOrigin = "http://localhost:5173";

/// A page's POST: the application's client_id in the body, Origin set, no token unless `headers` has one.
inline Reply page_post(EmulatorClient& client, const App& app, const std::string& path, nlohmann::json body,
                       httplib::Headers headers = {}) {
  body["client_id"] = app.client_id;
  headers.emplace("Origin", kPageOrigin);
  return client.send("POST", path, body, headers);
}

/// registerWithFido2: init, create, complete. Returns the complete's reply.
inline Reply register_passkey(EmulatorClient& client, const App& app, const std::string& username,
                              SoftAuthenticator& authenticator, const Act& act = {}) {
  auto init = page_post(client, app, "/register/fido2/init",
                        {{"username", username}, {"options", {{"register_session", nullptr}}}});
  EXPECT_EQ(init.status, 200) << init.body;
  if (init.status != 200) return init;
  auto payload = authenticator.create(init.json.at("attestation_payload"), act);
  return page_post(client, app, "/register/fido2/complete",
                   {{"username", username}, {"attestation_payload", payload}, {"no_jwt", false}});
}

/// authenticateWithFido2: init, get, complete. Returns the complete's reply.
inline Reply login_with_passkey(EmulatorClient& client, const App& app, const std::string& username,
                                SoftAuthenticator& authenticator, const Act& act = {}) {
  auto init = page_post(client, app, "/authenticate/fido2/init", {{"username", username}});
  EXPECT_EQ(init.status, 200) << init.body;
  if (init.status != 200) return init;
  auto payload = authenticator.get(init.json.at("assertion_payload"), act);
  return page_post(client, app, "/authenticate/fido2/complete",
                   {{"username", username}, {"assertion_payload", payload}, {"no_jwt", false}});
}

/// The bytes of a base64url text (empty when it is not base64url).
inline std::string b64url_bytes(const nlohmann::json& text) {
  return detail::base64url_decode(text.get<std::string>()).value_or("");
}

/// Whether the published browser SDK's base64 decoder keeps every byte of `bytes` (it drops a 0x00
/// completed by one of the last two characters; see the emulator's fido2.cpp).
inline bool survives_browser_sdk_decoder(const std::string& bytes) {
  const auto n = bytes.size();
  if (n == 0 || bytes[n - 1] == '\0') return false;
  return n % 3 == 1 || bytes[n - 2] != '\0';
}

/// The emulator's admin view of a credential (with its "fido2" details).
inline nlohmann::json admin_credential(EmulatorClient& client, const std::string& uuid) {
  const auto listed = client.admin("GET", "/emulator/credentials");
  for (const auto& credential : listed.json.at("credentials")) {
    if (credential.at("uuid") == uuid) return credential;
  }
  return nullptr;
}

}  // namespace loginid::testing
