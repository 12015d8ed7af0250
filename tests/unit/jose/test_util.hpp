#pragma once
// Helpers for the JOSE unit tests: craft tokens with any header/payload text, signed correctly,
// so each test can isolate exactly one rejection reason.

#include <string>
#include <string_view>

#include "jose/base64url.hpp"
#include "loginid/keys.hpp"

namespace loginid::test {

inline std::string b64(std::string_view s) { return detail::base64url_encode(s); }

/// "<b64 header>.<b64 payload>.<b64 ES256 signature>" over exactly the given texts.
inline std::string signed_token(std::string_view header_json, std::string_view payload_json, const PrivateKey& key) {
  std::string input = b64(header_json) + "." + b64(payload_json);
  const std::string sig = key.sign_es256(input);
  return input + "." + b64(sig);
}

inline constexpr std::string_view kEs256Header = R"({"alg":"ES256","typ":"JWT"})";

}  // namespace loginid::test
