#pragma once
// The tests build and read token claims as nlohmann::json; the public API takes and gives
// loginid::Claims (no JSON library in its headers). These convert between the two.

#include <nlohmann/json.hpp>

#include "jose/jwt_json.hpp"
#include "loginid/jwt.hpp"

namespace loginid {

/// A Claims holding `object` (a JSON object).
inline Claims claims_of(const nlohmann::json& object) { return Claims::from_json(object.dump()); }

/// The JSON object behind `claims`.
inline nlohmann::json json_of(const Claims& claims) { return nlohmann::json::parse(claims.to_json()); }

/// decode_jwt with the header and payload as JSON values. Throws TokenError.
inline detail::DecodedJwtJson decode_jwt_as_json(std::string_view token) {
  std::error_code ec;
  auto decoded = detail::decode_jwt_json(token, ec);
  if (!decoded) throw TokenError(ec);
  return std::move(*decoded);
}

/// verify_jwt with the payload as a JSON value. Throws TokenError.
inline nlohmann::json verify_jwt_as_json(std::string_view token, const PublicKey& key, const VerifyPolicy& policy = {}) {
  std::error_code ec;
  auto payload = detail::verify_jwt_json(token, key, policy, ec);
  if (!payload) throw TokenError(ec);
  return std::move(*payload);
}

}  // namespace loginid
