// TokenVerifier: every rejection reason with tokens signed by a key the fake /certs serves, claim
// checks before any key fetch, tx_hash recomputed from the caller's payload, and the verified-token
// cache (a hit still enforces audience, username and time claims).

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>

#include "jose/base64url.hpp"
#include "jose/tokens.hpp"
#include "loginid/jwt.hpp"
#include "sdk/token_cache.hpp"
#include "sdk/token_verifier.hpp"
#include "jose/jwt_json.hpp"
#include "test_transport_fake.hpp"

namespace loginid::detail {
namespace {

using std::chrono::seconds;
using test::answer;

constexpr const char* kClient = "client-app";
constexpr const char* kKid = "9f0e2c1a-0000-4000-8000-000000000001";

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<seconds>(t.time_since_epoch()).count();
}

struct Harness {
  test::ManualClock clock;
  std::shared_ptr<test::ScriptedTransport> transport = std::make_shared<test::ScriptedTransport>();
  PrivateKey loginid_key = PrivateKey::generate();
  std::shared_ptr<const ServiceClient> service;
  std::unique_ptr<TokenVerifier> verifier;

  explicit Harness(const std::function<void(Options&)>& tweak = {}) {
    serve_certs();
    Options options;
    options.base_url = "http://127.0.0.1:9";
    options.transport = transport;
    options.clock = clock.as_clock();
    options.retry.max_attempts = 1;
    if (tweak) {
      tweak(options);
    }
    service = std::make_shared<const ServiceClient>(options, kClient, [](std::chrono::milliseconds, const CancellationToken&) {});
    verifier = std::make_unique<TokenVerifier>(service);
  }

  void serve_certs() {
    transport->set_handler([pem = loginid_key.public_key().to_pem()](const HttpRequest& r, int) {
      if (r.url == std::string("http://127.0.0.1:9/certs?kid=") + kKid) {
        return answer(200, pem, {{"Cache-Control", "max-age=60"}});
      }
      return answer(404, R"({"code":"not_found","message":"unknown kid"})");
    });
  }
  void serve_nothing() {
    transport->set_handler([](const HttpRequest&, int) {
      return answer(404, R"({"code":"not_found","message":"unknown kid"})");
    });
  }

  [[nodiscard]] Json user_claims() const {
    const auto now = unix_seconds(clock.now());
    return Json{{"iss", "loginid.io"}, {"sub", "user-1"}, {"aud", kClient}, {"iat", now},
                  {"exp", now + 3600},   {"udata", "alice"}};
  }
  [[nodiscard]] std::string sign(const Json& claims, std::optional<std::string_view> kid = kKid) const {
    return sign_jwt_json(claims, loginid_key, kid);
  }

  std::error_code reason(std::string_view token, std::optional<std::string> username = std::nullopt) const {
    std::error_code ec;
    const auto claims = verifier->verify(token, TokenExpectations{kClient, std::move(username)}, ec);
    EXPECT_EQ(claims.has_value(), !ec);
    return ec;
  }
};

TEST(TokenVerifier, AcceptsAGoodTokenAndReturnsItsClaims) {
  Harness h;
  std::error_code ec;
  const auto claims = h.verifier->verify(h.sign(h.user_claims()), TokenExpectations{kClient, "alice"}, ec);
  ASSERT_TRUE(claims) << ec.message();
  EXPECT_EQ(claims->subject(), "user-1");
  EXPECT_EQ(h.transport->count(), 1U);  // one /certs fetch
}

TEST(TokenVerifier, TokenWithoutExpLikeRealLoginIdTokens) {
  Harness h;
  auto claims = h.user_claims();
  claims.erase("exp");
  EXPECT_FALSE(h.reason(h.sign(claims)));
}

TEST(TokenVerifier, Expired) {
  Harness h;
  auto claims = h.user_claims();
  claims["exp"] = unix_seconds(h.clock.now()) - 61;  // past the 60 s leeway
  EXPECT_EQ(h.reason(h.sign(claims)), TokenErrc::expired);
  claims["exp"] = unix_seconds(h.clock.now()) - 59;  // within it
  EXPECT_FALSE(h.reason(h.sign(claims)));
}

TEST(TokenVerifier, WrongAudience) {
  Harness h;
  auto claims = h.user_claims();
  claims["aud"] = "another-app";
  EXPECT_EQ(h.reason(h.sign(claims)), TokenErrc::audience_mismatch);
  claims.erase("aud");
  EXPECT_EQ(h.reason(h.sign(claims)), TokenErrc::audience_mismatch);
  claims["aud"] = nlohmann::json::array({"x", kClient});
  EXPECT_FALSE(h.reason(h.sign(claims)));
}

TEST(TokenVerifier, ClaimChecksRunBeforeAnyKeyFetch) {
  Harness h;
  auto claims = h.user_claims();
  claims["aud"] = "another-app";
  EXPECT_EQ(h.reason(h.sign(claims)), TokenErrc::audience_mismatch);
  EXPECT_EQ(h.reason(h.sign(h.user_claims()), "bob"), TokenErrc::username_mismatch);
  EXPECT_EQ(h.transport->count(), 0U);
}

TEST(TokenVerifier, UsernameMismatch) {
  Harness h;
  const auto token = h.sign(h.user_claims());
  EXPECT_EQ(h.reason(token, "bob"), TokenErrc::username_mismatch);
  EXPECT_EQ(h.reason(token, "Alice"), TokenErrc::username_mismatch);
  EXPECT_FALSE(h.reason(token, "alice"));
  EXPECT_FALSE(h.reason(token));  // no username asked: udata not checked
  auto no_udata = h.user_claims();
  no_udata.erase("udata");
  EXPECT_EQ(h.reason(h.sign(no_udata), "alice"), TokenErrc::username_mismatch);
}

TEST(TokenVerifier, UnknownKid) {
  Harness h;
  EXPECT_EQ(h.reason(h.sign(h.user_claims(), "some-other-kid")), TokenErrc::key_not_found);
}

TEST(TokenVerifier, MissingOrBadKid) {
  Harness h;
  EXPECT_EQ(h.reason(h.sign(h.user_claims(), std::nullopt)), TokenErrc::missing_kid);
  EXPECT_EQ(h.reason(h.sign(h.user_claims(), std::string(300, 'k'))), TokenErrc::bad_kid);
}

TEST(TokenVerifier, TamperedSignatureAndPayload) {
  Harness h;
  const auto token = h.sign(h.user_claims());
  const auto last_dot = token.rfind('.');
  auto signature = *base64url_decode(token.substr(last_dot + 1));
  signature[10] = static_cast<char>(signature[10] ^ 0x01);
  EXPECT_EQ(h.reason(token.substr(0, last_dot + 1) + base64url_encode(signature)), TokenErrc::bad_signature);

  auto forged_claims = h.user_claims();
  forged_claims["sub"] = "admin";
  const auto forged = h.sign(forged_claims);
  const auto first_dot = token.find('.');
  const auto swapped = token.substr(0, first_dot) + forged.substr(first_dot, forged.rfind('.') - first_dot) +
                       token.substr(last_dot);
  EXPECT_EQ(h.reason(swapped), TokenErrc::bad_signature);
}

TEST(TokenVerifier, SignedByAnotherKeyUnderTheRightKid) {
  Harness h;
  const auto impostor = PrivateKey::generate();
  EXPECT_EQ(h.reason(sign_jwt_json(h.user_claims(), impostor, kKid)), TokenErrc::bad_signature);
}

TEST(TokenVerifier, StructuralFailuresComeFromDecode) {
  Harness h;
  EXPECT_EQ(h.reason("not-a-token"), TokenErrc::malformed);
  EXPECT_EQ(h.reason(std::string(kMaxTokenSize + 1, 'a')), TokenErrc::too_large);
}

TEST(TokenVerifier, KeyUnavailableWhenTheServiceIsDown) {
  Harness h;
  h.transport->set_handler([](const HttpRequest&, int) -> HttpResponse {
    throw TransportError(TransportError::Reason::connect_failed, "refused");
  });
  EXPECT_EQ(h.reason(h.sign(h.user_claims())), TokenErrc::key_unavailable);
}

TEST(TokenVerifier, MaxTokenAgeFromOptions) {
  Harness h([](Options& o) { o.max_token_age = seconds(100); });
  auto claims = h.user_claims();
  claims["iat"] = unix_seconds(h.clock.now()) - 200;
  EXPECT_EQ(h.reason(h.sign(claims)), TokenErrc::too_old);
}

// One reading of the clock serves a whole verification (claims, key cache), once the key is cached.
TEST(TokenVerifier, ReadsTheClockOncePerVerification) {
  auto calls = std::make_shared<std::atomic<int>>(0);
  Harness h([calls](Options& o) {
    o.clock = [calls, inner = o.clock] {
      ++*calls;
      return inner();
    };
  });
  const auto token = h.sign(h.user_claims());
  ASSERT_FALSE(h.reason(token, "alice"));  // fetches the key
  *calls = 0;
  EXPECT_FALSE(h.reason(token, "alice"));
  EXPECT_EQ(calls->load(), 1);
}

// A throwing injected clock fails the claim checks (as check_claims reports it), after the
// structural checks.
TEST(TokenVerifier, ThrowingClockIsABadClaim) {
  Harness h([](Options& o) {
    o.clock = []() -> std::chrono::system_clock::time_point { throw std::runtime_error("no time"); };
  });
  EXPECT_EQ(h.reason(h.sign(h.user_claims())), TokenErrc::bad_claim);
  EXPECT_EQ(h.reason("not-a-token"), TokenErrc::malformed);
  EXPECT_EQ(h.transport->count(), 0U);
}

Json tx_claims(const Harness& h, std::string_view payload) {
  auto claims = h.user_claims();
  claims["nonce"] = "client-nonce-123";
  claims["server_nonce"] = "server-nonce-456";
  claims["tx_hash"] = tx_hash(payload, "client-nonce-123", "server-nonce-456");
  return claims;
}

TEST(TokenVerifier, TransactionHashRecomputedFromTheCallersPayload) {
  Harness h;
  const auto token = h.sign(tx_claims(h, "pay 10 EUR to bob"));
  std::error_code ec;
  const TokenExpectations expect{kClient, std::nullopt};
  EXPECT_TRUE(h.verifier->verify_transaction(token, "pay 10 EUR to bob", expect, ec)) << ec.message();
  EXPECT_FALSE(h.verifier->verify_transaction(token, "pay 1000 EUR to eve", expect, ec));
  EXPECT_EQ(ec, TokenErrc::tx_hash_mismatch);
}

TEST(TokenVerifier, TransactionClaimsMissingOrMistyped) {
  Harness h;
  const TokenExpectations expect{kClient, std::nullopt};
  for (const char* name : {"nonce", "server_nonce", "tx_hash"}) {
    auto claims = tx_claims(h, "p");
    claims.erase(name);
    std::error_code ec;
    EXPECT_FALSE(h.verifier->verify_transaction(h.sign(claims), "p", expect, ec));
    EXPECT_EQ(ec, TokenErrc::missing_claim) << name;
    claims[name] = 42;
    EXPECT_FALSE(h.verifier->verify_transaction(h.sign(claims), "p", expect, ec));
    EXPECT_EQ(ec, TokenErrc::bad_claim) << name;
  }
}

// With the cache on, a hit must not need the key: after the key is gone from the service and the
// key cache's entry has expired, only the cache can make the token pass.
Harness cached_harness() {
  return Harness([](Options& o) {
    o.token_cache.enabled = true;
    o.key_cache.min_ttl = seconds(60);
  });
}

TEST(VerifiedTokenCache, HitServesWithoutTheKey) {
  auto h = cached_harness();
  const auto token = h.sign(h.user_claims());
  ASSERT_FALSE(h.reason(token, "alice"));
  h.serve_nothing();
  h.clock.advance(seconds(61));  // key cache entry expired; a refetch would say 404
  EXPECT_FALSE(h.reason(token, "alice"));
  EXPECT_EQ(h.transport->count(), 1U);
}

TEST(VerifiedTokenCache, HitStillEnforcesAudienceUsernameAndTime) {
  auto h = Harness([](Options& o) {
    o.token_cache.enabled = true;
    o.max_token_age = seconds(100);
  });
  const auto token = h.sign(h.user_claims());
  ASSERT_FALSE(h.reason(token, "alice"));
  h.serve_nothing();
  std::error_code ec;
  EXPECT_FALSE(h.verifier->verify(token, TokenExpectations{"another-app", std::nullopt}, ec));
  EXPECT_EQ(ec, TokenErrc::audience_mismatch);
  EXPECT_EQ(h.reason(token, "bob"), TokenErrc::username_mismatch);
  h.clock.advance(seconds(161));  // iat + max_age + leeway passed, exp (1 h) not yet
  EXPECT_EQ(h.reason(token, "alice"), TokenErrc::too_old);
  EXPECT_EQ(h.transport->count(), 1U);  // all of it answered from the cache
}

TEST(VerifiedTokenCache, EntryEndsAtExp) {
  auto h = cached_harness();
  auto claims = h.user_claims();
  claims["exp"] = unix_seconds(h.clock.now()) + 30;
  const auto token = h.sign(claims);
  ASSERT_FALSE(h.reason(token));
  h.clock.advance(seconds(31));  // past exp, within leeway: the full path runs again and needs the key
  h.serve_nothing();
  h.clock.advance(seconds(30));  // and the key entry (60 s) has expired too
  EXPECT_EQ(h.reason(token), TokenErrc::key_not_found);
}

TEST(VerifiedTokenCache, TokensWithoutExpAreNotCached) {
  auto h = cached_harness();
  auto claims = h.user_claims();
  claims.erase("exp");
  const auto token = h.sign(claims);
  ASSERT_FALSE(h.reason(token));
  h.serve_nothing();
  h.clock.advance(seconds(61));
  EXPECT_EQ(h.reason(token), TokenErrc::key_not_found);
}

TEST(VerifiedTokenCache, SharedHitHandsOutTheCachedClaimsWithoutACopy) {
  auto h = cached_harness();
  const auto token = h.sign(h.user_claims());
  std::error_code ec;
  const TokenExpectations expect{kClient, "alice"};
  const auto first = h.verifier->verify(token, expect, ec);
  const auto second = h.verifier->verify(token, expect, ec);
  ASSERT_TRUE(first && second) << ec.message();
  EXPECT_EQ(&ClaimsData::json(*first), &ClaimsData::json(*second));  // one object, shared
  EXPECT_EQ(second->username(), "alice");
  EXPECT_FALSE(h.verifier->verify(token, TokenExpectations{kClient, "bob"}, ec));
  EXPECT_EQ(ec, TokenErrc::username_mismatch);

  Harness uncached;
  const auto other = uncached.sign(uncached.user_claims());
  const auto a = uncached.verifier->verify(other, expect, ec);
  const auto b = uncached.verifier->verify(other, expect, ec);
  ASSERT_TRUE(a && b);
  EXPECT_NE(&ClaimsData::json(*a), &ClaimsData::json(*b));  // no cache: each verification is done afresh
}

TEST(TokenCacheUnit, BoundedAndExpiring) {
  TokenCacheOptions options;
  options.enabled = true;
  options.max_entries = 2;
  TokenCache cache(options);
  const std::chrono::system_clock::time_point now{seconds(1000)};
  auto claims = std::make_shared<const ClaimsData>(ClaimsData{Json{{"a", 1}}});
  cache.insert(token_digest("t1"), claims, now + seconds(10), now);
  cache.insert(token_digest("t2"), claims, now + seconds(20), now);
  cache.insert(token_digest("t3"), claims, now + seconds(30), now);  // evicts t1 (expires soonest)
  EXPECT_EQ(cache.size(), 2U);
  EXPECT_FALSE(cache.find(token_digest("t1"), now));
  EXPECT_TRUE(cache.find(token_digest("t2"), now));
  EXPECT_FALSE(cache.find(token_digest("t2"), now + seconds(20)));  // expired
  cache.insert(token_digest("t4"), claims, now + seconds(5), now + seconds(25));  // already expired: ignored
  EXPECT_FALSE(cache.find(token_digest("t4"), now));
  EXPECT_NE(token_digest("t1"), token_digest("t2"));
}

}  // namespace
}  // namespace loginid::detail
