#pragma once
// The JWS layer under the JWT functions: a compact ES256 JWS whose payload is any bytes. JWTs add
// "the payload is a JSON object" on top. Kept separate so the JWS rules (size, structure, strict
// base64url, header) can be checked on their own, e.g. against Wycheproof's JWS vectors, whose
// payloads are not JSON.

#include <optional>
#include <string>
#include <string_view>

#include "loginid/error.hpp"
#include "jose/claims_data.hpp"
#include "loginid/jwt.hpp"

namespace loginid::detail {

struct DecodedJws {
  Json header;
  std::string payload;        ///< base64url-decoded payload bytes
  std::string signing_input;  ///< "<header b64>.<payload b64>"
  std::string signature;      ///< raw signature bytes
};

/// Everything decode_jwt checks except the payload's JSON. nullopt with `why` on failure. Throws
/// only std::bad_alloc.
std::optional<DecodedJws> decode_jws(std::string_view token, TokenErrc& why);

/// Signs already-serialised payload JSON (a JSON object's text; not checked) as a compact ES256
/// JWS with header {"alg":"ES256","typ":"JWT"} (+ "kid"). The token builders use it to skip
/// building a JSON tree on the hot path.
std::string sign_payload_json(std::string_view payload_json, const PrivateKey& key,
                              std::optional<std::string_view> kid = std::nullopt);

/// Appends `text` as a JSON string literal (quotes included), escaping as JSON requires.
/// Throws InvalidArgument naming `field` when `text` is not valid UTF-8.
void append_json_string(std::string& out, std::string_view text, std::string_view field);

}  // namespace loginid::detail
