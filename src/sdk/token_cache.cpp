#include "token_cache.hpp"

#include <openssl/evp.h>

#include <cstring>
#include <new>
#include <stdexcept>

namespace loginid::detail {
namespace {

// One fetched SHA-256 implementation for the process, and one digest context per thread: the
// one-shot EVP_Digest would fetch the algorithm and allocate a context on every call.
const EVP_MD* sha256() {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) {
    throw std::runtime_error("OpenSSL has no SHA-256");
  }
  return md;
}

struct DigestContext {
  DigestContext() : ctx(EVP_MD_CTX_new()) {}
  ~DigestContext() { EVP_MD_CTX_free(ctx); }
  DigestContext(const DigestContext&) = delete;
  DigestContext& operator=(const DigestContext&) = delete;
  EVP_MD_CTX* ctx;
};

}  // namespace

TokenDigest token_digest(std::string_view token) {
  thread_local DigestContext context;
  TokenDigest digest{};
  unsigned int length = 0;
  if (context.ctx == nullptr || EVP_DigestInit_ex2(context.ctx, sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(context.ctx, token.data(), token.size()) != 1 ||
      EVP_DigestFinal_ex(context.ctx, digest.data(), &length) != 1 || length != digest.size()) {
    throw std::runtime_error("SHA-256 failed");
  }
  return digest;
}

TokenCache::TokenCache(TokenCacheOptions options) : options_(options) { ForkRegistry::instance().add(this); }

TokenCache::~TokenCache() { ForkRegistry::instance().remove(this); }

void TokenCache::lock_for_fork() noexcept { mutex_.lock(); }
void TokenCache::unlock_in_parent() noexcept { mutex_.unlock(); }
// Not unlock(): glibc tells a write unlock from a read unlock by the owner's thread id, and the
// child's thread has another one.
void TokenCache::restart_in_child() noexcept { new (&mutex_) std::shared_mutex(); }

std::size_t TokenCache::DigestHash::operator()(const TokenDigest& d) const noexcept {
  std::size_t value = 0;
  std::memcpy(&value, d.data(), sizeof value);  // already uniformly distributed
  return value;
}

std::shared_ptr<const ClaimsData> TokenCache::find(const TokenDigest& digest,
                                               std::chrono::system_clock::time_point now) const {
  const std::shared_lock lock(mutex_);
  const auto it = entries_.find(digest);
  if (it == entries_.end() || now >= it->second.expires_at) {
    return nullptr;
  }
  return it->second.claims;
}

void TokenCache::make_room(std::chrono::system_clock::time_point now) {
  while (!by_expiry_.empty() && (by_expiry_.begin()->first <= now || entries_.size() >= options_.max_entries)) {
    entries_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
}

void TokenCache::insert(const TokenDigest& digest, std::shared_ptr<const ClaimsData> claims,
                        std::chrono::system_clock::time_point expires_at, std::chrono::system_clock::time_point now) {
  if (options_.max_entries == 0 || expires_at <= now) {
    return;
  }
  const std::unique_lock lock(mutex_);
  if (entries_.contains(digest)) {
    return;  // the same token verified twice at once: the first entry is as good
  }
  make_room(now);
  entries_.emplace(digest, Entry{std::move(claims), expires_at});
  by_expiry_.emplace(expires_at, digest);
}

std::size_t TokenCache::size() const {
  const std::shared_lock lock(mutex_);
  return entries_.size();
}

}  // namespace loginid::detail
