#pragma once
/// @file error.hpp
/// Everything the SDK throws derives from loginid::Error (besides std::bad_alloc, which is never
/// turned into anything else). One `catch (const loginid::Error&)` sees every failure; the
/// subclasses say which kind it was:
///
/// | class            | kind()             | when |
/// | ---------------- | ------------------ | ---- |
/// | InvalidArgument  | invalid_argument   | a bad argument or option, before anything is sent |
/// | KeyError         | key                | a key that is not EC P-256 PEM/JWK (an InvalidArgument) |
/// | ServiceError     | service            | the service answered with an error status (code, message, request id) |
/// | TransportError   | transport          | no answer: connection failed, deadline passed, I/O error, too large |
/// | BadResponse      | bad_response       | a 2xx answer whose shape is wrong (names the member) |
/// | TokenError       | token              | a token that does not verify (a TokenErrc reason) |
/// | Cancelled        | cancelled          | the caller cancelled the call (CallOptions::cancellation) |
///
/// Messages never contain a secret (private keys, passwords, whole tokens).

#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "loginid/extensible_enum.hpp"
#include "loginid/version.hpp"

namespace loginid::inline v1 {

/// Which subclass of Error a failure is (for logging and for code that switches instead of catching).
/// A minor release may add kinds (with their classes): give a switch over it a `default:`.
enum class ErrorKind {
  invalid_argument,
  key,
  service,
  transport,
  bad_response,
  token,
  cancelled,
};

/// The name of a kind ("invalid_argument", "service", ...).
[[nodiscard]] const char* to_string(ErrorKind kind) noexcept;

/// The base of every SDK exception. what() is one line that never holds a secret.
class Error : public std::runtime_error {
 public:
  /// Which subclass this is.
  [[nodiscard]] ErrorKind kind() const noexcept { return kind_; }
  /// The HTTP status of the answer that failed the call; 0 when there was none.
  [[nodiscard]] int status() const noexcept { return status_; }
  /// The `X-Request-ID` of that answer (quote it to LoginID support); empty when none.
  [[nodiscard]] const std::string& request_id() const noexcept { return request_id_; }

 protected:
  /// For the subclasses: `what` becomes what(); `status` and `request_id` describe the answer, if any.
  Error(ErrorKind kind, const std::string& what, int status = 0, std::string request_id = {});

 private:
  ErrorKind kind_;
  int status_;
  std::string request_id_;
};

/// The `code` of a service error (API.md, "error"). Unknown codes keep their text.
class ServiceCode final : public ExtensibleEnum<ServiceCode> {
 public:
  using ExtensibleEnum::ExtensibleEnum;
  static const ServiceCode bad_request;          ///< 400: malformed JSON, missing or mistyped field
  static const ServiceCode invalid_code_type;    ///< 400: code type not short/long/phrase
  static const ServiceCode unauthorized;         ///< 401: service token missing, bad, stale or replayed
  static const ServiceCode forbidden;            ///< 403: the token's scope does not allow the call
  static const ServiceCode not_found;            ///< 404: unknown user, credential, transaction, kid
  static const ServiceCode user_already_exists;  ///< 409: username taken
  static const ServiceCode user_inactive;        ///< 403: the user is deactivated
  static const ServiceCode code_invalid;         ///< 400: wrong, used or invalidated code
  static const ServiceCode code_expired;         ///< 410: the code's lifetime is over
  /// 408: the code was not authorized in time (status 0 when wait_code's own deadline ended the wait)
  static const ServiceCode code_timeout;
  static const ServiceCode payload_too_large;    ///< 413: request body over 64 KiB
  static const ServiceCode too_many_requests;    ///< 429: rate or waiter limit (see Retry-After)
  static const ServiceCode password_mismatch;    ///< 400: the password confirmation differs
  static const ServiceCode password_too_weak;    ///< 400: under the password policy
  static const ServiceCode credential_invalid;   ///< 401: wrong password, assertion that does not verify
  static const ServiceCode challenge_invalid;    ///< 400: unknown, used or expired challenge
  static const ServiceCode credential_exists;    ///< 409: the authenticator is already registered
  static const ServiceCode not_implemented;      ///< 501: a feature the service (emulator) does not offer
  static const ServiceCode internal_error;       ///< 500: a bug at the service
  /// Set by the SDK when an error answer has no `{"code","message"}` body (the text is the message).
  static const ServiceCode unknown_error;
};

inline const ServiceCode ServiceCode::bad_request{"bad_request"};
inline const ServiceCode ServiceCode::invalid_code_type{"invalid_code_type"};
inline const ServiceCode ServiceCode::unauthorized{"unauthorized"};
inline const ServiceCode ServiceCode::forbidden{"forbidden"};
inline const ServiceCode ServiceCode::not_found{"not_found"};
inline const ServiceCode ServiceCode::user_already_exists{"user_already_exists"};
inline const ServiceCode ServiceCode::user_inactive{"user_inactive"};
inline const ServiceCode ServiceCode::code_invalid{"code_invalid"};
inline const ServiceCode ServiceCode::code_expired{"code_expired"};
inline const ServiceCode ServiceCode::code_timeout{"code_timeout"};
inline const ServiceCode ServiceCode::payload_too_large{"payload_too_large"};
inline const ServiceCode ServiceCode::too_many_requests{"too_many_requests"};
inline const ServiceCode ServiceCode::password_mismatch{"password_mismatch"};
inline const ServiceCode ServiceCode::password_too_weak{"password_too_weak"};
inline const ServiceCode ServiceCode::credential_invalid{"credential_invalid"};
inline const ServiceCode ServiceCode::challenge_invalid{"challenge_invalid"};
inline const ServiceCode ServiceCode::credential_exists{"credential_exists"};
inline const ServiceCode ServiceCode::not_implemented{"not_implemented"};
inline const ServiceCode ServiceCode::internal_error{"internal_error"};
inline const ServiceCode ServiceCode::unknown_error{"unknown_error"};

/// The service refused the call: an HTTP error status with the service's `{"code","message"}`
/// (Azure SDK's RequestFailedException). what() is "<code>: <message>".
class ServiceError : public Error {
 public:
  /// An error answer: its HTTP `status`, the body's `code` and `message`, and its `X-Request-ID`.
  ServiceError(int status, ServiceCode code, std::string message, std::string request_id = {});
  /// The service's error code (`not_found`, `user_already_exists`, ...; unknown codes keep their text).
  [[nodiscard]] const ServiceCode& code() const noexcept { return code_; }
  /// The service's human-readable message.
  [[nodiscard]] const std::string& message() const noexcept { return message_; }

 private:
  ServiceCode code_;
  std::string message_;
};

/// The exchange ended without an HTTP answer. Thrown by the SDK for a call that could not reach
/// the service in time, and by an HttpTransport (the transport seam) for one attempt.
class TransportError : public Error {
 public:
  /// What ended the exchange; decides whether a retry may help and whether the request may have
  /// reached the server.
  enum class Reason {
    connect_failed,   ///< DNS, refused, TLS handshake: the request certainly did not reach the server
    timeout,          ///< the deadline passed (the request may have reached the server)
    io_failed,        ///< reset or truncated while sending or receiving (may have reached the server)
    refused_locally,  ///< not sent at all (bad URL, insecure scheme refused, ...)
    /// The TLS handshake failed in a way a retry cannot fix, so the request certainly did not reach
    /// the server: its certificate was not trusted (unknown CA, expired, issued for another host
    /// name), the CA bundle could not be used, or it speaks no TLS 1.2+ (or no TLS at all). The
    /// message says which and what to do. Never retried.
    tls_failed,
    /// The answer was larger than the SDK accepts: its body over
    /// CurlTransportOptions::max_response_bytes, or its header lines over the transport's 64 KiB
    /// bound. The server got the request (may_have_reached_server()); the message names the bound
    /// that was exceeded. Never retried: a server that sends too much sends too much again.
    response_too_large,
  };
  /// A failure for `reason`; `message` (what()) says what happened, without secrets.
  TransportError(Reason reason, const std::string& message);
  /// What ended the exchange.
  [[nodiscard]] Reason reason() const noexcept { return reason_; }
  /// False only when the server cannot have seen the request; a creating call is retried only then.
  [[nodiscard]] bool may_have_reached_server() const noexcept {
    return reason_ == Reason::timeout || reason_ == Reason::io_failed || reason_ == Reason::response_too_large;
  }

 private:
  Reason reason_;
};

/// The caller cancelled the call through CallOptions::cancellation (cancellation.hpp). Thrown as
/// soon as the cancellation is seen: before sending, during the exchange (the transfer is
/// aborted), during the wait between retries, while waiting for a signing key or a long poll.
/// Never retried. Whether the service saw the request is unknown when the exchange had begun.
/// An HttpTransport throws it too, for an exchange it aborted because HttpRequest::cancellation
/// was cancelled.
class Cancelled : public Error {
 public:
  /// `what` says which call was cancelled and where ("POST /codes/wait: cancelled while ...").
  explicit Cancelled(const std::string& what);
};

/// A 2xx answer whose shape is not the documented one. what() names the member and the problem
/// ("bad_response: user.status: expected a string, got a number").
class BadResponse : public Error {
 public:
  /// A bad answer with HTTP `status`; what() is "bad_response: <problem>".
  BadResponse(int status, const std::string& problem, std::string request_id = {});
};

/// A bad argument or option, found before anything was sent. The message names the argument
/// and what was wrong; it never contains key material or a password.
class InvalidArgument : public Error {
 public:
  /// `message` (what()) names the argument and what was wrong.
  explicit InvalidArgument(const std::string& message);

 protected:
  /// For KeyError, whose kind() is ErrorKind::key.
  InvalidArgument(ErrorKind kind, const std::string& message);
};

/// A key could not be parsed or is not an EC P-256 key. The message says what was wrong
/// ("not PEM", "curve is secp384r1, want P-256", "point not on curve"), never the key.
class KeyError : public InvalidArgument {
 public:
  /// `message` (what()) says what was wrong with the key, never the key.
  explicit KeyError(const std::string& message);
};

/// Why a token was rejected. Each value is a distinct, testable reason. (A verification that
/// runs out of memory reports std::errc::not_enough_memory, never one of these.)
enum class TokenErrc {
  ok = 0,
  too_large = 1,           ///< over the size cap (checked before any decoding)
  malformed = 2,           ///< not three dot-separated segments, or an empty segment
  bad_base64 = 3,          ///< a segment is not strict base64url (padding, bad char, non-canonical bits)
  bad_json = 4,            ///< header or payload is not valid JSON / not UTF-8 / nested too deep
  not_object = 5,          ///< header or payload is JSON but not an object
  duplicate_key = 6,       ///< header or payload repeats a member name
  alg_not_allowed = 7,     ///< `alg` is absent or not ES256 (none, HS256, RS256, ...)
  bad_typ = 8,             ///< `typ` present and not "JWT"
  crit_header = 9,         ///< a `crit` header is present
  bad_signature = 10,      ///< signature is not 64 bytes r||s or does not verify
  missing_kid = 11,        ///< the token names no `kid` and a key lookup needs one
  bad_kid = 12,            ///< the `kid` is not a string or is unusable (too long, ...)
  key_not_found = 13,      ///< the service has no key for this `kid`
  key_unavailable = 14,    ///< the key could not be fetched (network, deadline) and none is cached
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
/// `e` as a std::error_code of token_category() (also found by ADL: `std::error_code ec = e;`).
std::error_code make_error_code(TokenErrc e) noexcept;

/// Thrown by the throwing verification overloads, and by calls whose answer carries a user
/// token that does not verify. what() is "invalid token: <reason>".
class TokenError : public Error {
 public:
  /// A rejection for `reason` (a TokenErrc, or std::errc::not_enough_memory).
  explicit TokenError(std::error_code reason);
  /// The reason as an error code (category token_category()).
  [[nodiscard]] std::error_code code() const noexcept { return reason_; }
  /// The reason as a TokenErrc (meaningful when code() is of token_category()).
  [[nodiscard]] TokenErrc reason() const noexcept { return static_cast<TokenErrc>(reason_.value()); }

 private:
  std::error_code reason_;
};

}  // namespace loginid::inline v1

namespace std {
/// Makes TokenErrc an error code enum: a TokenErrc converts to and compares with std::error_code.
template <>
struct is_error_code_enum<loginid::TokenErrc> : true_type {};
}  // namespace std
