#pragma once
// The service's refusals. Each maps to one API.md error code and HTTP status in http/.

#include <cstdint>
#include <stdexcept>
#include <string>

namespace loginid::detail::emulator {

enum class Errc {
  bad_request,
  invalid_code_type,
  unauthorized,
  forbidden,
  origin_not_allowed,  ///< a browser page whose origin is not among the application's allowed origins
  not_found,
  method_not_allowed,
  user_already_exists,
  user_inactive,
  code_invalid,
  code_expired,
  code_timeout,
  payload_too_large,
  too_many_requests,
  password_mismatch,   ///< register_password: the confirmation differs
  password_too_weak,   ///< register_password: under the policy (the message names the rule)
  credential_invalid,  ///< a wrong password, or an assertion that does not verify (the message says which check)
  challenge_invalid,   ///< an unknown, used or expired challenge / challenge id
  credential_exists,   ///< registering an authenticator whose credential id is already registered
  not_implemented,     ///< a real-service feature the emulator does not emulate (document scan)
  shutting_down,
  client_gone,  ///< the client closed the connection of its wait_code: the answer goes to nobody (logged 499)
  internal_error,
};

/// A request the service refuses. The message is for the client: it names the field or the rule,
/// and never holds a secret (no keys, no tokens, no codes).
class ApiError : public std::runtime_error {
 public:
  ApiError(Errc code, const std::string& message) : std::runtime_error(message), code_(code) {}
  /// A too_many_requests refusal that says when to come back (the Retry-After header).
  ApiError(Errc code, const std::string& message, std::int64_t retry_after_seconds)
      : std::runtime_error(message), code_(code), retry_after_seconds_(retry_after_seconds) {}
  [[nodiscard]] Errc code() const noexcept { return code_; }
  [[nodiscard]] std::int64_t retry_after_seconds() const noexcept { return retry_after_seconds_; }

 private:
  Errc code_;
  std::int64_t retry_after_seconds_ = 1;
};

}  // namespace loginid::detail::emulator
