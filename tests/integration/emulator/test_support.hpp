#pragma once
// Shared checks of the emulator tests.

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "integration/emulator/emulator_client.hpp"
#include "loginid/jwt.hpp"
#include "claims_json.hpp"

namespace loginid::testing {

inline bool is_rfc3339_ms(const nlohmann::json& value) {
  static const std::regex pattern(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$)");
  return value.is_string() && std::regex_match(value.get<std::string>(), pattern);
}

inline bool is_uuid_text(const nlohmann::json& value) {
  static const std::regex pattern(R"(^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$)");
  return value.is_string() && std::regex_match(value.get<std::string>(), pattern);
}

/// A namespace id as LoginID makes them: 16 lowercase hex digits (API.md correction 4).
inline bool is_namespace_id_text(const nlohmann::json& value) {
  static const std::regex pattern(R"(^[0-9a-f]{16}$)");
  return value.is_string() && std::regex_match(value.get<std::string>(), pattern);
}

/// A client id as LoginID makes them: 88 base64url characters ending in "==".
inline bool is_client_id_text(const nlohmann::json& value) {
  static const std::regex pattern(R"(^[A-Za-z0-9_-]{86}==$)");
  return value.is_string() && std::regex_match(value.get<std::string>(), pattern);
}

inline std::set<std::string> keys_of(const nlohmann::json& object) {
  std::set<std::string> keys;
  for (const auto& item : object.items()) keys.insert(item.key());
  return keys;
}

/// Verifies a token the emulator signed with the key /certs serves for its kid; returns the claims.
inline nlohmann::json verify_with_certs(EmulatorClient& client, const std::string& token, const std::string& audience) {
  auto decoded = decode_jwt_as_json(token);
  EXPECT_EQ(decoded.header.value("alg", ""), "ES256");
  EXPECT_EQ(decoded.header.value("typ", ""), "JWT");
  auto kid = decoded.header.at("kid").get<std::string>();
  auto certs = client.send("GET", "/certs?kid=" + kid);
  EXPECT_EQ(certs.status, 200);
  VerifyPolicy policy;
  policy.audience = audience;
  policy.issuer = "loginid.io";
  return verify_jwt_as_json(token, PublicKey::from_pem(certs.body), policy);
}

inline void expect_error(const Reply& reply, int status, const std::string& code) {
  EXPECT_EQ(reply.status, status) << reply.body;
  EXPECT_EQ(reply.json.value("code", ""), code) << reply.body;
  EXPECT_TRUE(reply.json.contains("message") && reply.json["message"].is_string()) << reply.body;
  EXPECT_FALSE(reply.header("X-Request-ID").empty());
}

}  // namespace loginid::testing
