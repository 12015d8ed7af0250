#pragma once
/// @file error.hpp
/// The SDK's exceptions and the token-verification reasons.

#include <stdexcept>
#include <string>
#include <system_error>

namespace loginid {

/// A call to the LoginID service failed: the service refused it (status >= 400, `code` from its
/// `{"code","message"}` body, `unknown_error` when the body was not JSON), or the service could
/// not be reached (status 0, code `connection_failed` or `timeout`; `tls_failed` when its
/// certificate did not verify, never retried), or its answer had the wrong
/// shape (code `bad_response`). wait_code's own deadline is status 0, code `code_timeout` (the
/// service's code for the same outcome). what() is "<code>: <message>" and never holds a secret.
class Error : public std::runtime_error {
 public:
  Error(int status, std::string code, std::string message, std::string request_id = {});
  /// HTTP status; 0 when no HTTP answer was received.
  [[nodiscard]] int status() const noexcept { return status_; }
  /// The service's snake_case error code (API.md, "error").
  [[nodiscard]] const std::string& code() const noexcept { return code_; }
  [[nodiscard]] const std::string& message() const noexcept { return message_; }
  /// The `X-Request-ID` of the failed answer, empty when none.
  [[nodiscard]] const std::string& request_id() const noexcept { return request_id_; }

 private:
  int status_;
  std::string code_;
  std::string message_;
  std::string request_id_;
};

/// A caller passed a bad argument (a bad key, an unknown code type, a missing username...).
/// The message names the argument and what was wrong; it never contains key material.
class InvalidArgument : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// A key could not be parsed or is not an EC P-256 key. The message says what was wrong
/// ("not PEM", "curve is secp384r1, want P-256", "point not on curve"), never the key.
class KeyError : public InvalidArgument {
 public:
  using InvalidArgument::InvalidArgument;
};

/// Why a token was rejected. Each value is a distinct, testable reason.
enum class TokenErrc {
  ok = 0,
  too_large = 1,           ///< over the size cap (checked before any decoding)
  malformed = 2,           ///< not three dot-separated segments, or an empty segment
  bad_base64 = 3,          ///< a segment is not strict base64url (padding, bad char, non-canonical bits)
  bad_json = 4,            ///< header or payload is not valid JSON / not UTF-8
  not_object = 5,          ///< header or payload is JSON but not an object
  duplicate_key = 6,       ///< header or payload repeats a member name
  alg_not_allowed = 7,     ///< `alg` is absent or not ES256 (none, HS256, RS256, ...)
  bad_typ = 8,             ///< `typ` present and not "JWT"
  crit_header = 9,         ///< a `crit` header is present
  bad_signature = 10,      ///< signature is not 64 bytes r||s or does not verify
  missing_kid = 11,        ///< the token names no `kid` and a key lookup needs one
  bad_kid = 12,            ///< the `kid` is not a string or is unusable (too long, ...)
  key_not_found = 13,      ///< the service has no key for this `kid`
  key_unavailable = 14,    ///< the key could not be fetched (network) and none is cached
  bad_claim = 15,          ///< a registered claim has the wrong type (e.g. `exp` not a number)
  audience_mismatch = 16,  ///< `aud` missing or does not contain the expected audience
  issuer_mismatch = 17,    ///< `iss` missing or not the expected issuer
  expired = 18,            ///< now > exp + leeway
  not_yet_valid = 19,      ///< now < nbf - leeway
  issued_in_future = 20,   ///< iat > now + leeway
  too_old = 21,            ///< now > iat + max_age + leeway
  missing_claim = 22,      ///< a claim the check needs is absent (e.g. `iat` with max_age)
  username_mismatch = 23,  ///< `udata` differs from the expected username
  tx_hash_mismatch = 24,   ///< `tx_hash` differs from the hash recomputed from the caller's payload
};

/// The error category of TokenErrc (name "loginid.token"); messages are short reasons.
const std::error_category& token_category() noexcept;
std::error_code make_error_code(TokenErrc e) noexcept;

/// Thrown by the throwing verification overloads. what() is "invalid token: <reason>".
class TokenError : public std::runtime_error {
 public:
  explicit TokenError(std::error_code reason);
  [[nodiscard]] std::error_code code() const noexcept { return reason_; }
  [[nodiscard]] TokenErrc reason() const noexcept { return static_cast<TokenErrc>(reason_.value()); }

 private:
  std::error_code reason_;
};

}  // namespace loginid

template <>
struct std::is_error_code_enum<loginid::TokenErrc> : std::true_type {};
