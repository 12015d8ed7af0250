#pragma once
// LoginID's public keys by `kid` (GET /certs?kid=): shared by every thread of a client, fetched once
// per kid however many threads meet it at once (single flight), kept for Cache-Control max-age
// (clamped), bounded in size, served stale when a refresh fails, and never holding a lock during
// network I/O. Unknown kids are remembered (negative cache) and their fetches rate-limited, so tokens
// with random kids cannot make the SDK flood the service.

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "fork_safety.hpp"
#include "loginid/error.hpp"
#include "loginid/keys.hpp"
#include "service_client.hpp"

namespace loginid::detail {

/// Longer kids are refused (bad_kid) without any request.
inline constexpr std::size_t kMaxKidLength = 256;

/// The key, or why there is none: bad_kid, key_not_found (the service said 404; remembered for
/// negative_ttl), key_unavailable (fetch failed with nothing cached, the caller's deadline passed
/// first, or a kid never seen while the per-minute budget of unknown-kid fetches is spent),
/// std::errc::operation_canceled (the caller's cancellation).
struct KeyLookup {
  std::optional<PublicKey> key;
  std::error_code error{};
};

/// The key cache within a call of the async engine (CallContext::deferred_keys): a lookup the
/// cache cannot answer without a fetch records the kid in `missing` and fails with
/// std::errc::operation_would_block, instead of fetching on the loop thread. The engine then
/// fetches it as an async request (KeyCache::claim_fetch, certs_call, store_fetched), puts what
/// that gave in `fetched`, and runs the verification again: its lookup of the kid answers from
/// `fetched` (also when the fetch failed and nothing is cached: key_unavailable, as find() says).
struct DeferredKeys {
  std::optional<std::string> missing;
  std::unordered_map<std::string, KeyLookup> fetched;
};

/// max-age from a Cache-Control value, or nullopt when absent or unusable (no-store/no-cache give 0).
std::optional<std::chrono::seconds> parse_max_age(std::string_view cache_control) noexcept;

class KeyCache {
 public:
  /// Fetches through `service` (Idempotency::safe), with its clock and Options::key_cache.
  explicit KeyCache(std::shared_ptr<const ServiceClient> service);
  ~KeyCache();
  KeyCache(const KeyCache&) = delete;
  KeyCache& operator=(const KeyCache&) = delete;

  /// Thread-safe; never throws.
  KeyLookup find(std::string_view kid) const noexcept;
  /// The same at a time the caller already read from the client's clock (one reading serves a
  /// whole verification).
  KeyLookup find(std::string_view kid, std::chrono::system_clock::time_point now) const noexcept;
  /// The same within the limits of the caller's call: a fetch, and waiting for another thread's
  /// fetch of the same kid, end at its deadline or at once when it is cancelled. A cancelled fetch
  /// leaves the cache as it was: a thread that waited for it fetches anew.
  KeyLookup find(std::string_view kid, std::chrono::system_clock::time_point now,
                 const CallContext& context) const noexcept;

  // ---- the async engine's fetches (see DeferredKeys): the same request, rate limit, parsing and
  // storing as find()'s own, with the exchange made by the engine on its loop.

  /// The request that fetches the key for `kid` (GET /certs?kid=, Idempotency::safe).
  [[nodiscard]] static ApiCall certs_call(std::string_view kid);
  /// Before fetching `kid`: nullopt when it may be fetched now, else the refusal find() would give
  /// (bad_kid; key_unavailable when the per-minute budget of unknown-kid fetches is spent, logged).
  /// Takes a slot of that budget for a kid never seen, as find() does. Thread-safe; never throws.
  [[nodiscard]] std::optional<KeyLookup> claim_fetch(std::string_view kid) const noexcept;
  /// Stores what the fetch of `kid` gave (its 2xx answer, or what the call threw) exactly as
  /// find() stores its own, and returns what find() would have returned: the key, key_not_found
  /// (404: remembered), the cached key when a refresh failed (logged), key_unavailable when there
  /// is none, std::errc::operation_canceled when the call was cancelled (the cache unchanged).
  /// Thread-safe; never throws.
  KeyLookup store_fetched(std::string_view kid, std::variant<ApiResponse, std::exception_ptr> outcome) const noexcept;

 private:
  KeyLookup find_within(std::string_view kid, std::chrono::system_clock::time_point now,
                        const CallContext* context) const noexcept;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace loginid::detail
