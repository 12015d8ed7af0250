#pragma once
/// @file jwt.hpp
/// Compact JWTs signed with ES256: encode, decode, and verify against an explicit policy.
/// The algorithm is never taken from the token: ES256 is the only one accepted.
///
/// A token's payload (and header) is read through loginid::Claims, a small immutable accessor:
/// typed getters for the registered and LoginID claims, any claim as text or as JSON text, and the
/// whole payload as JSON text. No JSON library appears in this header (docs/sdk.md, "Compatibility").

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "loginid/error.hpp"
#include "loginid/keys.hpp"
#include "loginid/version.hpp"

namespace loginid::detail {
struct ClaimsData;  // the parsed JSON object; see src/jose/claims_data.hpp
}  // namespace loginid::detail

namespace loginid::inline v1 {

/// The clock used for time-based checks; injectable for tests.
using Clock = std::function<std::chrono::system_clock::time_point()>;

/// The size cap, checked before any decoding.
inline constexpr std::size_t kMaxTokenSize = 16 * 1024;

/// A JSON object read from a token (its payload, or its header): immutable, cheap to copy
/// (copies share the parsed object), safe to read from many threads.
///
/// Getters return nullopt when the claim is absent or has another JSON type: a claim of the wrong
/// type is never converted. Values are returned by value (they outlive the Claims).
///
/// @code
/// loginid::Claims claims = client.verify_token_claims(jwt, "alice");
/// std::string user_id = claims.subject().value_or("");
/// std::optional<std::string> department = claims.get_string("department");  // a custom claim
/// std::string everything = claims.to_json();
/// @endcode
class Claims final {
 public:
  /// The empty object `{}`.
  Claims();
  /// Parses a JSON object strictly (UTF-8, no duplicate member names, bounded nesting).
  /// @throws InvalidArgument naming what is wrong (not JSON, not an object, duplicate key, ...).
  [[nodiscard]] static Claims from_json(std::string_view json_object);

  // ---- registered claims (RFC 7519) ------------------------------------------------------------
  [[nodiscard]] std::optional<std::string> issuer() const;   ///< `iss`
  [[nodiscard]] std::optional<std::string> subject() const;  ///< `sub` (the user id in LoginID's tokens)
  /// `aud`: a string or an array of strings; empty when absent or of another type.
  [[nodiscard]] std::vector<std::string> audience() const;
  [[nodiscard]] std::optional<std::chrono::system_clock::time_point> expires_at() const;  ///< `exp`
  [[nodiscard]] std::optional<std::chrono::system_clock::time_point> not_before() const;  ///< `nbf`
  [[nodiscard]] std::optional<std::chrono::system_clock::time_point> issued_at() const;   ///< `iat`

  // ---- LoginID's claims (API.md, "Tokens LoginID makes") ---------------------------------------
  [[nodiscard]] std::optional<std::string> username() const;      ///< `udata`
  [[nodiscard]] std::optional<std::string> session_id() const;    ///< `sid`
  [[nodiscard]] std::optional<std::string> namespace_id() const;  ///< `nid`
  [[nodiscard]] std::optional<std::string> action() const;        ///< `action`: login, register, ...

  // ---- any claim ------------------------------------------------------------------------------
  /// Whether the claim `name` is present (with any value, null included).
  [[nodiscard]] bool contains(std::string_view name) const noexcept;
  /// The member names, in the object's (sorted) order.
  [[nodiscard]] std::vector<std::string> names() const;
  /// A string claim; nullopt when absent or of another type.
  [[nodiscard]] std::optional<std::string> get_string(std::string_view name) const;
  /// An integer claim (a JSON number without fraction that fits in 64 bits).
  [[nodiscard]] std::optional<std::int64_t> get_int(std::string_view name) const;
  /// A number claim (integer or not); nullopt when absent or of another type.
  [[nodiscard]] std::optional<double> get_number(std::string_view name) const;
  /// A boolean claim; nullopt when absent or of another type.
  [[nodiscard]] std::optional<bool> get_bool(std::string_view name) const;
  /// A NumericDate claim (seconds since the epoch) as a time point.
  [[nodiscard]] std::optional<std::chrono::system_clock::time_point> get_time(std::string_view name) const;
  /// Any claim (object, array, anything) as compact JSON text.
  [[nodiscard]] std::optional<std::string> get_json(std::string_view name) const;
  /// The whole object as compact JSON text.
  [[nodiscard]] std::string to_json() const;

  /// Same JSON value (member order and number spelling aside).
  friend bool operator==(const Claims& a, const Claims& b) noexcept;

 private:
  explicit Claims(std::shared_ptr<const detail::ClaimsData> data) noexcept : data_(std::move(data)) {}
  std::shared_ptr<const detail::ClaimsData> data_;
  friend struct detail::ClaimsData;
};

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
  Claims header{};   ///< the JOSE header (`alg`, `kid`, `typ`, ...)
  Claims payload{};  ///< the claims
  std::string signing_input{};  ///< "<header b64>.<payload b64>": the bytes that were signed
  std::string signature{};      ///< raw signature bytes (base64url-decoded)
};

/// Splits and parses `token`, checking size, structure, base64url, JSON objects, duplicate keys,
/// `alg` == ES256, `typ` (when present) == JWT, and no `crit`. Does not check the signature or
/// any claim. Non-throwing: on failure returns nullopt and sets `ec` (a TokenErrc, or
/// std::errc::not_enough_memory).
std::optional<DecodedJwt> decode_jwt(std::string_view token, std::error_code& ec) noexcept;
/// Throwing overload. @throws TokenError (std::bad_alloc when out of memory).
DecodedJwt decode_jwt(std::string_view token);

/// Checks the time claims, audience and issuer of `payload` against `policy`.
std::error_code check_claims(const Claims& payload, const VerifyPolicy& policy) noexcept;

/// Checks the signature of an already decoded token (exactly 64 bytes r||s).
std::error_code check_signature(const DecodedJwt& jwt, const PublicKey& key) noexcept;

/// decode_jwt + check_claims (cheap, first) + check_signature. Returns the payload.
std::optional<Claims> verify_jwt(std::string_view token, const PublicKey& key, const VerifyPolicy& policy,
                                 std::error_code& ec) noexcept;
/// Throwing overload. @throws TokenError with the reason (std::bad_alloc when out of memory).
Claims verify_jwt(std::string_view token, const PublicKey& key, const VerifyPolicy& policy = {});

/// Signs `payload` as a compact JWS with header {"alg":"ES256","typ":"JWT"} (+ "kid" when given).
/// @code
/// std::string token = loginid::sign_jwt(loginid::Claims::from_json(R"({"sub":"alice"})"), key);
/// @endcode
std::string sign_jwt(const Claims& payload, const PrivateKey& key, std::optional<std::string_view> kid = std::nullopt);

}  // namespace loginid::inline v1
