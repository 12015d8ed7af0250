#include "token_verifier.hpp"

#include <openssl/crypto.h>

#include <optional>

#include "jose/jwt_view.hpp"
#include "jose/tokens.hpp"
#include "key_cache.hpp"
#include "token_cache.hpp"

namespace loginid::detail {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

// A cached verification is never trusted longer than this, whatever the token's exp says (and an
// absurd exp cannot overflow the time arithmetic).
constexpr auto kMaxCacheLifetime = std::chrono::hours(24);

std::error_code check_username(const Json& payload, const TokenExpectations& expect) noexcept {
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
std::optional<TimePoint> cache_expiry(const Json& payload, TimePoint now) {
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

std::error_code string_claim(const Json& payload, const char* name, const std::string*& out) noexcept {
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

  // One reading of the client's clock serves every check of a verification. A throwing injected
  // clock fails the claim checks, as check_claims reports it.
  std::error_code read_clock(TimePoint& now) const noexcept {
    try {
      now = service->now();
      return {};
    } catch (...) {
      return TokenErrc::bad_claim;
    }
  }

  // Cheap checks that depend on the caller's expectations and the time: run on every token,
  // cached or not. Nothing is copied: the rules borrow the options and the expectations.
  [[nodiscard]] std::error_code check_expectations(const Json& payload, const TokenExpectations& expect,
                                                   TimePoint now) const {
    const auto& options = service->options();
    ClaimRules rules;
    rules.now = now;
    rules.leeway = options.leeway;
    rules.max_age = options.max_token_age;
    rules.audience = expect.audience;
    if (const auto why = claims_reason(payload, rules); why != TokenErrc::ok) {
      return why;
    }
    return check_username(payload, expect);
  }

  // `context`: the caller's limits, or null for the client's defaults.
  [[nodiscard]] KeyLookup key_for(const Json& header, TimePoint now, const CallContext* context) const {
    const auto it = header.find("kid");
    if (it == header.end()) {
      return KeyLookup{std::nullopt, TokenErrc::missing_kid};
    }
    if (!it->is_string()) {
      return KeyLookup{std::nullopt, TokenErrc::bad_kid};
    }
    const auto& kid = it->get_ref<const std::string&>();
    return context ? keys.find(kid, now, *context) : keys.find(kid, now);
  }

  // The full path: decode, claims, key, signature. The claims on success.
  std::shared_ptr<const ClaimsData> verify_afresh(std::string_view token, const TokenExpectations& expect,
                                              std::optional<TimePoint> now, std::error_code& ec,
                                              const CallContext* context) const {
    JwtView jwt;
    TokenErrc why = TokenErrc::ok;
    if (!decode_jwt_view(token, jwt, why)) {
      ec = why;
      return nullptr;
    }
    if (!now) {
      now.emplace();
      if ((ec = read_clock(*now))) {
        return nullptr;
      }
    }
    if ((ec = check_expectations(jwt.payload, expect, *now))) {
      return nullptr;
    }
    const auto lookup = key_for(*jwt.header, *now, context);
    if (!lookup.key) {
      ec = lookup.error;
      return nullptr;
    }
    if (!lookup.key->verify_es256(jwt.signing_input, jwt.signature.bytes())) {
      ec = TokenErrc::bad_signature;
      return nullptr;
    }
    return std::make_shared<const ClaimsData>(ClaimsData{std::move(jwt.payload)});
  }

  // The claims of a verified token, shared with the verified-token cache when it is on.
  std::shared_ptr<const ClaimsData> verify(std::string_view token, const TokenExpectations& expect,
                                       std::error_code& ec, const CallContext* context) const {
    if (!verified || token.size() > kMaxTokenSize) {
      return verify_afresh(token, expect, std::nullopt, ec, context);
    }
    const auto digest = token_digest(token);
    const auto now = service->now();
    if (auto hit = verified->find(digest, now)) {
      ec = check_expectations(hit->object, expect, now);
      return ec ? nullptr : std::move(hit);
    }
    auto claims = verify_afresh(token, expect, now, ec, context);
    if (claims) {
      if (const auto expiry = cache_expiry(claims->object, now)) {
        verified->insert(digest, claims, *expiry, now);
      }
    }
    return claims;
  }
};

TokenVerifier::TokenVerifier(std::shared_ptr<const ServiceClient> service)
    : impl_(std::make_unique<Impl>(std::move(service))) {}

TokenVerifier::~TokenVerifier() = default;

const KeyCache& TokenVerifier::keys() const noexcept { return impl_->keys; }

std::optional<Claims> TokenVerifier::verify(std::string_view token, const TokenExpectations& expect,
                                            std::error_code& ec) const noexcept {
  return verify_within(token, expect, ec, nullptr);
}

std::optional<Claims> TokenVerifier::verify(std::string_view token, const TokenExpectations& expect,
                                            std::error_code& ec, const CallContext& context) const noexcept {
  return verify_within(token, expect, ec, &context);
}

std::optional<Claims> TokenVerifier::verify_within(std::string_view token, const TokenExpectations& expect,
                                                   std::error_code& ec, const CallContext* context) const noexcept {
  ec.clear();
  try {
    auto claims = impl_->verify(token, expect, ec, context);
    if (!claims) {
      return std::nullopt;
    }
    return ClaimsData::wrap(std::move(claims));
  } catch (...) {  // only an allocation can fail here
    ec = std::make_error_code(std::errc::not_enough_memory);
    return std::nullopt;
  }
}

std::optional<Claims> TokenVerifier::verify_transaction(std::string_view token, std::string_view tx_payload,
                                                        const TokenExpectations& expect,
                                                        std::error_code& ec) const noexcept {
  return check_transaction(verify_within(token, expect, ec, nullptr), tx_payload, ec);
}

std::optional<Claims> TokenVerifier::verify_transaction(std::string_view token, std::string_view tx_payload,
                                                        const TokenExpectations& expect, std::error_code& ec,
                                                        const CallContext& context) const noexcept {
  return check_transaction(verify_within(token, expect, ec, &context), tx_payload, ec);
}

std::optional<Claims> TokenVerifier::check_transaction(std::optional<Claims> claims, std::string_view tx_payload,
                                                       std::error_code& ec) noexcept {
  if (!claims) {
    return std::nullopt;
  }
  try {
    const std::string* nonce = nullptr;
    const std::string* server_nonce = nullptr;
    const std::string* claimed = nullptr;
    const Json& payload = ClaimsData::json(*claims);
    if ((ec = string_claim(payload, "nonce", nonce)) || (ec = string_claim(payload, "server_nonce", server_nonce)) ||
        (ec = string_claim(payload, "tx_hash", claimed))) {
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
