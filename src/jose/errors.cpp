#include <string>

#include "loginid/error.hpp"

namespace loginid::inline v1 {
namespace {

std::string with_code(const std::string& code, const std::string& message) {
  return message.empty() ? code : code + ": " + message;
}

class TokenCategory final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "loginid.token"; }
  [[nodiscard]] std::string message(int value) const override { return reason_text(static_cast<TokenErrc>(value)); }

 private:
  static const char* reason_text(TokenErrc e) noexcept {
    switch (e) {
      case TokenErrc::ok: return "ok";
      case TokenErrc::too_large: return "token is larger than 16 KiB";
      case TokenErrc::malformed: return "token is not three non-empty dot-separated segments";
      case TokenErrc::bad_base64: return "a token segment is not valid base64url";
      case TokenErrc::bad_json: return "token header or payload is not valid JSON";
      case TokenErrc::not_object: return "token header or payload is not a JSON object";
      case TokenErrc::duplicate_key: return "token header or payload repeats a member name";
      case TokenErrc::alg_not_allowed: return "token algorithm is missing or not ES256";
      case TokenErrc::bad_typ: return "token typ is not JWT";
      case TokenErrc::crit_header: return "token has a crit header";
      case TokenErrc::bad_signature: return "token signature is invalid";
      case TokenErrc::missing_kid: return "token has no kid";
      case TokenErrc::bad_kid: return "token kid is not a usable string";
      case TokenErrc::key_not_found: return "no key is known for the token's kid";
      case TokenErrc::key_unavailable: return "the key for the token's kid could not be fetched";
      case TokenErrc::bad_claim: return "a token claim has the wrong type";
      case TokenErrc::audience_mismatch: return "token audience does not match";
      case TokenErrc::issuer_mismatch: return "token issuer does not match";
      case TokenErrc::expired: return "token has expired";
      case TokenErrc::not_yet_valid: return "token is not valid yet (nbf)";
      case TokenErrc::issued_in_future: return "token is issued in the future (iat)";
      case TokenErrc::too_old: return "token is older than the allowed maximum age";
      case TokenErrc::missing_claim: return "token lacks a required claim";
      case TokenErrc::username_mismatch: return "token username does not match";
      case TokenErrc::tx_hash_mismatch: return "token tx_hash does not match the transaction payload";
    }
    return "unknown token error";
  }
};

}  // namespace

const char* to_string(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::invalid_argument: return "invalid_argument";
    case ErrorKind::key: return "key";
    case ErrorKind::service: return "service";
    case ErrorKind::transport: return "transport";
    case ErrorKind::bad_response: return "bad_response";
    case ErrorKind::token: return "token";
    case ErrorKind::cancelled: return "cancelled";
  }
  return "unknown";
}

Error::Error(ErrorKind kind, const std::string& what, int status, std::string request_id)
    : std::runtime_error(what), kind_(kind), status_(status), request_id_(std::move(request_id)) {}

ServiceError::ServiceError(int status, ServiceCode code, std::string message, std::string request_id)
    : Error(ErrorKind::service, with_code(code.to_string(), message), status, std::move(request_id)),
      code_(std::move(code)),
      message_(std::move(message)) {}

TransportError::TransportError(Reason reason, const std::string& message)
    : Error(ErrorKind::transport, message), reason_(reason) {}

Cancelled::Cancelled(const std::string& what) : Error(ErrorKind::cancelled, what) {}

BadResponse::BadResponse(int status, const std::string& problem, std::string request_id)
    : Error(ErrorKind::bad_response, "bad_response: " + problem, status, std::move(request_id)) {}

InvalidArgument::InvalidArgument(const std::string& message) : Error(ErrorKind::invalid_argument, message) {}
InvalidArgument::InvalidArgument(ErrorKind kind, const std::string& message) : Error(kind, message) {}

KeyError::KeyError(const std::string& message) : InvalidArgument(ErrorKind::key, message) {}

const std::error_category& token_category() noexcept {
  static const TokenCategory category;
  return category;
}

std::error_code make_error_code(TokenErrc e) noexcept { return {static_cast<int>(e), token_category()}; }

TokenError::TokenError(std::error_code reason)
    : Error(ErrorKind::token, "invalid token: " + reason.message()), reason_(reason) {}

}  // namespace loginid::inline v1
