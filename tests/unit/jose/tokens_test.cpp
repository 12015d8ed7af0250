#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>

#include "jose/tokens.hpp"

namespace loginid::detail {
namespace {

using namespace std::chrono_literals;

const std::chrono::system_clock::time_point kNow{std::chrono::milliseconds(1'700'000'000'900)};

bool is_alphanumeric(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

std::set<std::string> member_names(const Claims& claims) {
  std::set<std::string> names;
  for (const auto& item : claims.items()) {
    names.insert(item.key());
  }
  return names;
}

TEST(Tokens, RandomAlphanumericHasTheLengthAndAlphabet) {
  EXPECT_EQ(random_alphanumeric().size(), 16U);
  EXPECT_EQ(random_alphanumeric(0), "");
  const std::string many = random_alphanumeric(5000);
  EXPECT_EQ(many.size(), 5000U);
  EXPECT_TRUE(is_alphanumeric(many));
  // 5000 draws from 62 symbols: every symbol shows up (missing one has probability < 1e-30).
  EXPECT_EQ(std::set<char>(many.begin(), many.end()).size(), 62U);
  EXPECT_NE(random_alphanumeric(), random_alphanumeric());
}

TEST(Tokens, Sha256Base64UrlKnownAnswer) {
  // FIPS 180-2 "abc" digest ba7816bf..., in base64url without padding.
  EXPECT_EQ(sha256_b64url("abc"), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
  EXPECT_EQ(sha256_b64url("").size(), 43U);
}

TEST(Tokens, TxHashIsTheHashOfTheConcatenation) {
  EXPECT_EQ(tx_hash("a", "b", "c"), sha256_b64url("abc"));
  EXPECT_EQ(tx_hash("pay", "n1", "s1"), sha256_b64url("payn1s1"));
  EXPECT_NE(tx_hash("pay", "n1", "s1"), tx_hash("pay", "n1", "s2"));
}

TEST(Tokens, ServiceTokenClaimsWithUsername) {
  const Claims claims = service_token_claims(
      {.client_id = "cid", .scope = "codes.generate", .username = "alice", .user_id = "u-1", .now = kNow});
  EXPECT_EQ(member_names(claims), (std::set<std::string>{"client_id", "type", "nonce", "iat", "username"}));
  EXPECT_EQ(claims["client_id"], "cid");
  EXPECT_EQ(claims["type"], "codes.generate");
  EXPECT_EQ(claims["username"], "alice");
  EXPECT_EQ(claims["iat"], 1'700'000'000);  // whole seconds, rounded down
  EXPECT_TRUE(claims["iat"].is_number_integer());
  EXPECT_EQ(claims["nonce"].get<std::string>().size(), 16U);
  EXPECT_TRUE(is_alphanumeric(claims["nonce"]));
}

TEST(Tokens, ServiceTokenClaimsUserIdOnlyWithoutUsername) {
  const Claims with_id = service_token_claims({.client_id = "c", .scope = "s", .user_id = "u-1", .now = kNow});
  EXPECT_EQ(member_names(with_id), (std::set<std::string>{"client_id", "type", "nonce", "iat", "user_id"}));
  EXPECT_EQ(with_id["user_id"], "u-1");
  const Claims neither = service_token_claims({.client_id = "c", .scope = "s", .now = kNow});
  EXPECT_EQ(member_names(neither), (std::set<std::string>{"client_id", "type", "nonce", "iat"}));
}

TEST(Tokens, GivenNonceIsUsedAndFreshOnesDiffer) {
  EXPECT_EQ(service_token_claims({.client_id = "c", .scope = "s", .nonce = "fixed", .now = kNow})["nonce"], "fixed");
  EXPECT_NE(service_token_claims({.client_id = "c", .scope = "s", .now = kNow})["nonce"],
            service_token_claims({.client_id = "c", .scope = "s", .now = kNow})["nonce"]);
}

TEST(Tokens, ServiceTokenIsAnEs256JwtThatVerifies) {
  const PrivateKey key = PrivateKey::generate();
  const std::string token = make_service_token(key, {.client_id = "c", .scope = "users.retrieve", .now = kNow});
  const DecodedJwt decoded = decode_jwt(token);
  EXPECT_EQ(decoded.header, Claims({{"alg", "ES256"}, {"typ", "JWT"}}));
  EXPECT_EQ(decoded.payload["type"], "users.retrieve");
  VerifyPolicy policy;
  policy.clock = [] { return kNow; };
  EXPECT_EQ(verify_jwt(token, key.public_key(), policy), decoded.payload);
}

TEST(Tokens, TxAuthTokenClaims) {
  const Claims claims = tx_auth_token_claims("tx payload", "n0nce", kNow);
  EXPECT_EQ(member_names(claims), (std::set<std::string>{"type", "nonce", "payload_hash", "iat"}));
  EXPECT_EQ(claims["type"], "tx.create");
  EXPECT_EQ(claims["nonce"], "n0nce");
  EXPECT_EQ(claims["payload_hash"], sha256_b64url("tx payload"));
  EXPECT_EQ(claims["iat"], 1'700'000'000);
  EXPECT_EQ(tx_auth_token_claims("p", std::nullopt, kNow)["nonce"].get<std::string>().size(), 16U);

  const PrivateKey key = PrivateKey::generate();
  const std::string token = make_tx_auth_token(key, "tx payload", "n0nce", kNow);
  VerifyPolicy policy;
  policy.clock = [] { return kNow; };
  EXPECT_EQ(verify_jwt(token, key.public_key(), policy), claims);
}

}  // namespace
}  // namespace loginid::detail
