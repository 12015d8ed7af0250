#pragma once
// The JWT functions of loginid/jwt.hpp on JSON values instead of loginid::Claims, for the library's
// own users: the SDK's internals, the emulator (which builds and reads claims as JSON) and tests.

#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "jose/claims_data.hpp"
#include "loginid/jwt.hpp"

namespace loginid::detail {

struct DecodedJwtJson {
  Json header;
  Json payload;
  std::string signing_input;  ///< "<header b64>.<payload b64>"
  std::string signature;      ///< raw signature bytes
};

/// decode_jwt on JSON values. `ec` is a TokenErrc, or std::errc::not_enough_memory.
std::optional<DecodedJwtJson> decode_jwt_json(std::string_view token, std::error_code& ec) noexcept;
/// check_claims on a JSON payload.
std::error_code check_claims_json(const Json& payload, const VerifyPolicy& policy) noexcept;
/// check_signature of a token decoded by decode_jwt_json.
std::error_code check_signature_json(const DecodedJwtJson& jwt, const PublicKey& key) noexcept;
/// verify_jwt on JSON values.
std::optional<Json> verify_jwt_json(std::string_view token, const PublicKey& key, const VerifyPolicy& policy,
                                    std::error_code& ec) noexcept;
/// sign_jwt of a JSON object. @throws InvalidArgument (not an object, invalid UTF-8).
std::string sign_jwt_json(const Json& payload, const PrivateKey& key,
                          std::optional<std::string_view> kid = std::nullopt);

/// Throws what a failed verification with `ec` means: std::bad_alloc for
/// std::errc::not_enough_memory, Cancelled for std::errc::operation_canceled, TokenError otherwise.
[[noreturn]] void throw_token_error(std::error_code ec);

}  // namespace loginid::detail
