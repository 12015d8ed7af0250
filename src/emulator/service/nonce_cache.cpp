#include "emulator/service/nonce_cache.hpp"

namespace loginid::detail::emulator {
namespace {
std::string key_of(const std::string& client_id, const std::string& nonce) { return client_id + '\n' + nonce; }
}  // namespace

bool NonceCache::remember(const std::string& client_id, const std::string& nonce, std::int64_t expires_at,
                          std::int64_t now) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = seen_.try_emplace(key_of(client_id, nonce), expires_at);
  if (!inserted) {
    if (it->second >= now) return false;
    it->second = expires_at;  // an expired entry not yet pruned: the nonce is usable again
  }
  pending_.push_back({client_id, nonce, expires_at});
  if (seen_.size() >= prune_at_) prune(now);
  return true;
}

void NonceCache::preload(const std::vector<store::SeenNonce>& nonces) {
  std::lock_guard lock(mutex_);
  for (const auto& n : nonces) seen_[key_of(n.client_id, n.nonce)] = n.expires_at;
}

std::vector<store::SeenNonce> NonceCache::take_pending() {
  std::lock_guard lock(mutex_);
  std::vector<store::SeenNonce> out;
  out.swap(pending_);
  return out;
}

void NonceCache::prune(std::int64_t now) {
  std::erase_if(seen_, [now](const auto& entry) { return entry.second < now; });
  // Amortised: the next prune comes when the live set has doubled.
  prune_at_ = std::max<std::size_t>(4096, seen_.size() * 2);
}

}  // namespace loginid::detail::emulator
