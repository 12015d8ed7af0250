#pragma once
// The JWS layer under the JWT functions: a compact ES256 JWS whose payload is any bytes. JWTs add
// "the payload is a JSON object" on top. Kept separate so the JWS rules (size, structure, strict
// base64url, header) can be checked on their own, e.g. against Wycheproof's JWS vectors, whose
// payloads are not JSON.

#include <optional>
#include <string>
#include <string_view>

#include "loginid/error.hpp"
#include "loginid/jwt.hpp"

namespace loginid::detail {

struct DecodedJws {
  Claims header;
  std::string payload;        ///< base64url-decoded payload bytes
  std::string signing_input;  ///< "<header b64>.<payload b64>"
  std::string signature;      ///< raw signature bytes
};

/// Everything decode_jwt checks except the payload's JSON. nullopt with `why` on failure.
std::optional<DecodedJws> decode_jws(std::string_view token, TokenErrc& why) noexcept;

}  // namespace loginid::detail
