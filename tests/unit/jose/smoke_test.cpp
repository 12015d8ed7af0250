// End-to-end smoke test of the JOSE core: a key pair signs a service token that verifies.
#include <gtest/gtest.h>

#include "jose/tokens.hpp"
#include "loginid/jwt.hpp"

namespace loginid {
namespace {

TEST(JoseSmoke, ServiceTokenRoundTrip) {
  const PrivateKey key = PrivateKey::generate();
  const auto now = std::chrono::system_clock::now();
  const std::string token =
      detail::make_service_token(key, {.client_id = "client-1", .scope = "users.retrieve", .now = now});
  VerifyPolicy policy;
  policy.clock = [now] { return now; };
  const Claims claims = verify_jwt(token, key.public_key(), policy);
  EXPECT_EQ(claims.at("client_id"), "client-1");
  EXPECT_EQ(claims.at("type"), "users.retrieve");
  EXPECT_EQ(claims.at("nonce").get<std::string>().size(), 16U);

  // The same key reloaded from its PEM verifies too; another key does not.
  const PrivateKey reloaded = PrivateKey::from_pem(key.to_pem().view());
  EXPECT_NO_THROW(verify_jwt(token, reloaded.public_key(), policy));
  EXPECT_EQ(reloaded.public_key(), key.public_key());
  std::error_code ec;
  EXPECT_FALSE(verify_jwt(token, PrivateKey::generate().public_key(), policy, ec));
  EXPECT_EQ(ec, TokenErrc::bad_signature);
}

}  // namespace
}  // namespace loginid
