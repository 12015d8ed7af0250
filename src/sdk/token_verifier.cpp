#include "token_verifier.hpp"

#include <openssl/crypto.h>

#include <optional>

#include "jose/tokens.hpp"
#include "key_cache.hpp"
#include "token_cache.hpp"

namespace loginid::detail {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

// A cached verification is never trusted longer than this, whatever the token's exp says (and an
// absurd exp cannot overflow the time arithmetic).
constexpr auto kMaxCacheLifetime = std::chrono::hours(24);

std::error_code check_username(const Claims& payload, const TokenExpectations& expect) noexcept {
  if (!expect.username) {
    return {};
  }
  const auto it = payload.find("udata");
  if (it == payload.end() || !it->is_string() || it->get_ref<const std::string&>() != *expect.username) {
    return TokenErrc::username_mismatch;
  }
  return {};
}

// The token's exp as a cache expiry, or nullopt when it has none (then it is not cached: LoginID's
// own user tokens carry no exp, and a cache entry must end at the token's exp).
std::optional<TimePoint> cache_expiry(const Claims& payload, TimePoint now) {
  const auto it = payload.find("exp");
  if (it == payload.end() || !it->is_number()) {
    return std::nullopt;
  }
  const double exp = it->get<double>();
  const double limit = std::chrono::duration<double>((now + kMaxCacheLifetime).time_since_epoch()).count();
  if (!(exp < limit)) {
    return now + kMaxCacheLifetime;
  }
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::duration<double>(exp)));
}

std::error_code string_claim(const Claims& payload, const char* name, const std::string*& out) noexcept {
  const auto it = payload.find(name);
  if (it == payload.end()) {
    return TokenErrc::missing_claim;
  }
  if (!it->is_string()) {
    return TokenErrc::bad_claim;
  }
  out = &it->get_ref<const std::string&>();
  return {};
}

}  // namespace

struct TokenVerifier::Impl {
  std::shared_ptr<const ServiceClient> service;
  KeyCache keys;
  mutable std::optional<TokenCache> verified;  // internally synchronised

  explicit Impl(std::shared_ptr<const ServiceClient> client) : service(client), keys(client) {
    if (client->options().token_cache.enabled) {
      verified.emplace(client->options().token_cache);
    }
  }

  [[nodiscard]] VerifyPolicy policy_for(const TokenExpectations& expect) const {
    const auto& options = service->options();
    VerifyPolicy policy;
    policy.audience = expect.audience;
    policy.leeway = options.leeway;
    policy.max_age = options.max_token_age;
    policy.clock = options.clock;
    return policy;
  }

  // Cheap checks that depend on the caller's expectations and the time: run on every token,
  // cached or not.
  [[nodiscard]] std::error_code check_expectations(const Claims& payload, const TokenExpectations& expect) const {
    if (const auto ec = check_claims(payload, policy_for(expect))) {
      return ec;
    }
    return check_username(payload, expect);
  }

  [[nodiscard]] KeyLookup key_for(const Claims& header) const {
    const auto it = header.find("kid");
    if (it == header.end()) {
      return KeyLookup{std::nullopt, TokenErrc::missing_kid};
    }
    if (!it->is_string()) {
      return KeyLookup{std::nullopt, TokenErrc::bad_kid};
    }
    return keys.find(it->get_ref<const std::string&>());
  }

  // The claims of a verified token, shared with the verified-token cache when it is on.
  std::shared_ptr<const Claims> verify(std::string_view token, const TokenExpectations& expect,
                                       std::error_code& ec) const {
    std::optional<TokenDigest> digest;
    if (verified && token.size() <= kMaxTokenSize) {
      digest = token_digest(token);
      if (auto hit = verified->find(*digest, service->now())) {
        ec = check_expectations(*hit, expect);
        return ec ? nullptr : std::move(hit);
      }
    }
    auto decoded = decode_jwt(token, ec);
    if (!decoded) {
      return nullptr;
    }
    if ((ec = check_expectations(decoded->payload, expect))) {
      return nullptr;
    }
    const auto lookup = key_for(decoded->header);
    if (!lookup.key) {
      ec = lookup.error;
      return nullptr;
    }
    if ((ec = check_signature(*decoded, *lookup.key))) {
      return nullptr;
    }
    std::shared_ptr<const Claims> claims = std::make_shared<Claims>(std::move(decoded->payload));
    if (digest) {
      const auto now = service->now();
      if (const auto expiry = cache_expiry(*claims, now)) {
        verified->insert(*digest, claims, *expiry, now);
      }
    }
    return claims;
  }
};

TokenVerifier::TokenVerifier(std::shared_ptr<const ServiceClient> service)
    : impl_(std::make_unique<Impl>(std::move(service))) {}

TokenVerifier::~TokenVerifier() = default;

std::shared_ptr<const Claims> TokenVerifier::verify_shared(std::string_view token, const TokenExpectations& expect,
                                                           std::error_code& ec) const noexcept {
  ec.clear();
  try {
    return impl_->verify(token, expect, ec);
  } catch (...) {
    ec = std::make_error_code(std::errc::not_enough_memory);
    return nullptr;
  }
}

std::optional<Claims> TokenVerifier::verify(std::string_view token, const TokenExpectations& expect,
                                            std::error_code& ec) const noexcept {
  auto claims = verify_shared(token, expect, ec);
  if (!claims) {
    return std::nullopt;
  }
  try {
    if (claims.use_count() == 1) {
      // Nobody else holds it (no cache): made non-const by Impl::verify, so it may be moved from.
      return std::move(const_cast<Claims&>(*claims));
    }
    return *claims;
  } catch (...) {
    ec = std::make_error_code(std::errc::not_enough_memory);
    return std::nullopt;
  }
}

std::optional<Claims> TokenVerifier::verify_transaction(std::string_view token, std::string_view tx_payload,
                                                        const TokenExpectations& expect,
                                                        std::error_code& ec) const noexcept {
  auto claims = verify(token, expect, ec);
  if (!claims) {
    return std::nullopt;
  }
  try {
    const std::string* nonce = nullptr;
    const std::string* server_nonce = nullptr;
    const std::string* claimed = nullptr;
    if ((ec = string_claim(*claims, "nonce", nonce)) || (ec = string_claim(*claims, "server_nonce", server_nonce)) ||
        (ec = string_claim(*claims, "tx_hash", claimed))) {
      return std::nullopt;
    }
    // Recomputed from the caller's payload: the token's own claim is what is being checked.
    const std::string expected = tx_hash(tx_payload, *nonce, *server_nonce);
    if (expected.size() != claimed->size() || CRYPTO_memcmp(expected.data(), claimed->data(), expected.size()) != 0) {
      ec = TokenErrc::tx_hash_mismatch;
      return std::nullopt;
    }
    return claims;
  } catch (...) {
    ec = std::make_error_code(std::errc::not_enough_memory);
    return std::nullopt;
  }
}

}  // namespace loginid::detail
