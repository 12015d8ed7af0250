#pragma once
// Verification of the tokens LoginID issues (API.md, "Tokens LoginID makes"): cheap claim checks
// first, then the key for `kid` from the key cache (GET /certs?kid=, single flight, max-age, stale on
// error, negative cache, rate limit), then the ES256 signature; optional verified-token cache.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "loginid/jwt.hpp"
#include "key_cache.hpp"
#include "service_client.hpp"

namespace loginid::detail {

struct TokenExpectations {
  std::string audience;                 ///< the SDK's client id
  std::optional<std::string> username;  ///< when set, `udata` must equal it
};

class TokenVerifier {
 public:
  explicit TokenVerifier(std::shared_ptr<const ServiceClient> service);
  ~TokenVerifier();
  TokenVerifier(const TokenVerifier&) = delete;
  TokenVerifier& operator=(const TokenVerifier&) = delete;

  /// The verified claims, or nullopt with `ec` set to a TokenErrc (key_unavailable when the key
  /// could not be fetched and none is cached; std::errc::not_enough_memory when an allocation
  /// failed). A verified-token cache hit shares the cached, immutable claims (nothing is copied).
  /// Thread-safe; never throws.
  std::optional<Claims> verify(std::string_view token, const TokenExpectations& expect, std::error_code& ec) const noexcept;
  /// The same within the limits of the caller's call: fetching the key (or waiting for another
  /// thread's fetch) ends at its deadline (key_unavailable) or at once when it is cancelled
  /// (std::errc::operation_canceled).
  std::optional<Claims> verify(std::string_view token, const TokenExpectations& expect, std::error_code& ec,
                               const CallContext& context) const noexcept;

  /// verify() + tx_hash recomputed from the caller's payload and the token's nonce/server_nonce
  /// (never trusted from the token): tx_hash_mismatch when it differs.
  std::optional<Claims> verify_transaction(std::string_view token, std::string_view tx_payload,
                                           const TokenExpectations& expect, std::error_code& ec) const noexcept;
  /// The same within the limits of the caller's call (as verify()).
  std::optional<Claims> verify_transaction(std::string_view token, std::string_view tx_payload,
                                           const TokenExpectations& expect, std::error_code& ec,
                                           const CallContext& context) const noexcept;

  /// The key cache the verifications use (the async engine fetches into it: key_cache.hpp).
  [[nodiscard]] const KeyCache& keys() const noexcept;

 private:
  std::optional<Claims> verify_within(std::string_view token, const TokenExpectations& expect, std::error_code& ec,
                                      const CallContext* context) const noexcept;
  // The tx_hash check of verify_transaction on verified claims.
  static std::optional<Claims> check_transaction(std::optional<Claims> claims, std::string_view tx_payload,
                                                 std::error_code& ec) noexcept;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace loginid::detail
