#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

#include "claims_json.hpp"
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

std::set<std::string> member_names(const Json& claims) {
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

TEST(Tokens, ForkedChildDoesNotReplayTheParentsRandomBytes) {
  (void)random_alphanumeric();  // the parent's buffer is now filled
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_NE(pid, -1);
  if (pid == 0) {
    const std::string child = random_alphanumeric(32);
    const bool written = ::write(fds[1], child.data(), child.size()) == static_cast<ssize_t>(child.size());
    ::_exit(written ? 0 : 1);
  }
  ::close(fds[1]);
  std::string from_child(32, '\0');
  const ssize_t got = ::read(fds[0], from_child.data(), from_child.size());
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_EQ(got, 32);
  EXPECT_NE(from_child, random_alphanumeric(32));
}

TEST(Tokens, ServiceTokenPayloadEscapesAndEqualsTheClaims) {
  // The token's payload text is written directly (not through Claims): it must parse to exactly
  // the claims, whatever the strings hold.
  const PrivateKey key = PrivateKey::generate();
  const std::string tricky = "q\"b\\s/c\x01\x1f\n\t\u00e9\u20ac\U0001F600\x7f";
  const ServiceTokenRequest request{.client_id = tricky, .scope = "s", .username = tricky, .nonce = "n", .now = kNow};
  const auto decoded = decode_jwt_as_json(make_service_token(key, request));
  EXPECT_EQ(decoded.payload, service_token_claims(request));
  EXPECT_EQ(decoded.payload["client_id"], tricky);
  EXPECT_EQ(decoded.payload["username"], tricky);
}

TEST(Tokens, InvalidUtf8InAFieldIsRefusedByName) {
  const PrivateKey key = PrivateKey::generate();
  for (const char* bad : {"\xff", "a\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80"}) {
    try {
      (void)make_service_token(key, {.client_id = "c", .scope = "s", .username = bad, .now = kNow});
      ADD_FAILURE() << "accepted invalid UTF-8";
    } catch (const InvalidArgument& e) {
      EXPECT_STREQ(e.what(), "username: not valid UTF-8");
    }
  }
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
  const Json claims = service_token_claims(
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
  const Json with_id = service_token_claims({.client_id = "c", .scope = "s", .user_id = "u-1", .now = kNow});
  EXPECT_EQ(member_names(with_id), (std::set<std::string>{"client_id", "type", "nonce", "iat", "user_id"}));
  EXPECT_EQ(with_id["user_id"], "u-1");
  const Json neither = service_token_claims({.client_id = "c", .scope = "s", .now = kNow});
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
  const auto decoded = decode_jwt_as_json(token);
  EXPECT_EQ(decoded.header, Json({{"alg", "ES256"}, {"typ", "JWT"}}));
  EXPECT_EQ(decoded.payload["type"], "users.retrieve");
  VerifyPolicy policy;
  policy.clock = [] { return kNow; };
  EXPECT_EQ(verify_jwt_as_json(token, key.public_key(), policy), decoded.payload);
}

TEST(Tokens, TxAuthTokenClaims) {
  const Json claims = tx_auth_token_claims("tx payload", "n0nce", kNow);
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
  EXPECT_EQ(verify_jwt_as_json(token, key.public_key(), policy), claims);
}

}  // namespace
}  // namespace loginid::detail
