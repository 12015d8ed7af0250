#pragma once
/// @file jwt.hpp
/// Compact JWTs signed with ES256: encode, decode, and verify against an explicit policy.
/// The algorithm is never taken from the token: ES256 is the only one accepted.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <nlohmann/json.hpp>

#include "loginid/error.hpp"
#include "loginid/keys.hpp"

namespace loginid {

/// A token's claims (or header): a JSON object.
using Claims = nlohmann::json;

/// The clock used for time-based checks; injectable for tests.
using Clock = std::function<std::chrono::system_clock::time_point()>;

/// The size cap, checked before any decoding.
inline constexpr std::size_t kMaxTokenSize = 16 * 1024;

/// What a verification checks besides the signature.
struct VerifyPolicy final {
  /// When set, `aud` (a string or an array of strings) must contain it.
  std::optional<std::string> audience{};
  /// When set, `iss` must equal it.
  std::optional<std::string> issuer{};
  /// Tolerance for `exp`, `nbf` and `iat`.
  std::chrono::seconds leeway{60};
  /// When set, `iat` is required and the token must be younger than this (plus leeway).
  std::optional<std::chrono::seconds> max_age{};
  /// When true, a token without `exp` is rejected (missing_claim).
  bool require_exp = false;
  /// Empty means std::chrono::system_clock::now.
  Clock clock{};
};

/// A token split and parsed, nothing verified.
struct DecodedJwt final {
  Claims header{};
  Claims payload{};
  std::string signing_input{};  ///< "<header b64>.<payload b64>": the bytes that were signed
  std::string signature{};      ///< raw signature bytes (base64url-decoded)
};

/// Splits and parses `token`, checking size, structure, base64url, JSON objects, duplicate keys,
/// `alg` == ES256, `typ` (when present) == JWT, and no `crit`. Does not check the signature or
/// any claim. Non-throwing: on failure returns nullopt and sets `ec`.
std::optional<DecodedJwt> decode_jwt(std::string_view token, std::error_code& ec) noexcept;
/// Throwing overload: TokenError.
DecodedJwt decode_jwt(std::string_view token);

/// Checks the time claims, audience and issuer of `payload` against `policy`.
std::error_code check_claims(const Claims& payload, const VerifyPolicy& policy) noexcept;

/// Checks the signature of an already decoded token (exactly 64 bytes r||s).
std::error_code check_signature(const DecodedJwt& jwt, const PublicKey& key) noexcept;

/// decode_jwt + check_claims (cheap, first) + check_signature. Returns the payload.
std::optional<Claims> verify_jwt(std::string_view token, const PublicKey& key, const VerifyPolicy& policy,
                                 std::error_code& ec) noexcept;
/// Throwing overload: TokenError with the reason.
Claims verify_jwt(std::string_view token, const PublicKey& key, const VerifyPolicy& policy = {});

/// Signs `payload` as a compact JWS with header {"alg":"ES256","typ":"JWT"} (+ "kid" when given).
std::string sign_jwt(const Claims& payload, const PrivateKey& key, std::optional<std::string_view> kid = std::nullopt);

}  // namespace loginid
