#pragma once
// JWKs as JSON values, for the JOSE core's own users (the emulator's /.well-known/jwks.json, the SDK):
// the public PublicKey/PrivateKey functions take and give JWK text.

#include <string_view>

#include <nlohmann/json.hpp>

#include "loginid/keys.hpp"

namespace loginid::detail {

/// Parses JWK text strictly; KeyError naming `what` ("public key", "private key") otherwise.
nlohmann::json parse_jwk(std::string_view jwk_json, std::string_view what);

/// The friend of PublicKey/PrivateKey through which the JOSE core reads and makes keys.
struct KeyAccess {
  /// From a JWK object (`kty` EC, `crv` P-256, `x`, `y`). Throws KeyError.
  static PublicKey public_key_from_jwk(const nlohmann::json& jwk);
  /// `{"kty":"EC","crv":"P-256","x":...,"y":...}`
  static nlohmann::json public_key_jwk(const PublicKey& key);
};

}  // namespace loginid::detail
