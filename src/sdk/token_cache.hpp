#pragma once
// The optional verified-token cache (Options::token_cache): SHA-256(token) -> the verified claims,
// until the token's `exp`. Keyed by the digest so the cache never holds the bearer tokens
// themselves. It only remembers that a token's signature and structure were good; every hit is
// re-checked by the caller for audience, username and time claims.

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string_view>
#include <unordered_map>

#include "fork_safety.hpp"
#include "jose/claims_data.hpp"
#include "loginid/jwt.hpp"
#include "loginid/options.hpp"

namespace loginid::detail {

using TokenDigest = std::array<unsigned char, 32>;

/// SHA-256 of `token` (reuses a per-thread digest context: this runs on every verification).
TokenDigest token_digest(std::string_view token);

class TokenCache final : private ForkParticipant {
 public:
  explicit TokenCache(TokenCacheOptions options);
  ~TokenCache();
  TokenCache(const TokenCache&) = delete;
  TokenCache& operator=(const TokenCache&) = delete;

  /// The claims stored for `digest`, unless absent or past their `exp` at `now`.
  [[nodiscard]] std::shared_ptr<const ClaimsData> find(const TokenDigest& digest,
                                                   std::chrono::system_clock::time_point now) const;

  /// Remembers verified claims until `expires_at` (the token's exp). When full, expired entries go
  /// first, then the ones expiring soonest.
  void insert(const TokenDigest& digest, std::shared_ptr<const ClaimsData> claims,
              std::chrono::system_clock::time_point expires_at, std::chrono::system_clock::time_point now);

  [[nodiscard]] std::size_t size() const;

 private:
  // fork_safety.hpp: the map is whole in a child, whose lock is begun anew.
  void lock_for_fork() noexcept override;
  void unlock_in_parent() noexcept override;
  void restart_in_child() noexcept override;

  struct DigestHash {
    std::size_t operator()(const TokenDigest& d) const noexcept;
  };
  struct Entry {
    std::shared_ptr<const ClaimsData> claims;
    std::chrono::system_clock::time_point expires_at;
  };
  using ExpiryIndex = std::multimap<std::chrono::system_clock::time_point, TokenDigest>;

  void make_room(std::chrono::system_clock::time_point now);

  TokenCacheOptions options_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<TokenDigest, Entry, DigestHash> entries_;
  ExpiryIndex by_expiry_;
};

}  // namespace loginid::detail
