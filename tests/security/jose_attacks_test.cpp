// Known JWT attacks against the ES256-only verifier. Each forged token must be refused with the
// reason that names the attack, never accepted.
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <string>

#include "jose/base64url.hpp"
#include "loginid/jwt.hpp"

namespace loginid {
namespace {

std::string b64(std::string_view s) { return detail::base64url_encode(s); }

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, sizeof out, &len) == nullptr) {
    throw std::runtime_error("HMAC failed");
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

class JoseAttacks : public ::testing::Test {
 protected:
  PrivateKey key = PrivateKey::generate();
  PublicKey pub = key.public_key();
  std::string payload = b64(R"({"sub":"admin","aud":"client-1"})");

  TokenErrc reason(std::string_view token) const {
    VerifyPolicy policy;
    policy.audience = "client-1";
    std::error_code ec;
    const auto claims = verify_jwt(token, pub, policy, ec);
    EXPECT_FALSE(claims) << "forged token accepted: " << token;
    return static_cast<TokenErrc>(ec.value());
  }
};

TEST_F(JoseAttacks, Hs256KeyedWithThePublicKeyPem) {
  // The classic confusion: a verifier that takes alg from the token would HMAC with the PEM bytes.
  const std::string pem = pub.to_pem();
  for (const std::string& hmac_key : {pem, pem.substr(0, pem.size() - 1), pub.to_jwk()}) {
    const std::string input = b64(R"({"alg":"HS256","typ":"JWT"})") + "." + payload;
    EXPECT_EQ(reason(input + "." + b64(hmac_sha256(hmac_key, input))), TokenErrc::alg_not_allowed);
  }
  // Same MAC under a header that claims ES256: only 32 bytes, not a valid r||s.
  const std::string input = b64(R"({"alg":"ES256","typ":"JWT"})") + "." + payload;
  EXPECT_EQ(reason(input + "." + b64(hmac_sha256(pem, input))), TokenErrc::bad_signature);
}

TEST_F(JoseAttacks, AlgNoneInAnySpelling) {
  for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
    const std::string input = b64(std::string(R"({"alg":")") + alg + R"("})") + "." + payload;
    EXPECT_EQ(reason(input + "."), TokenErrc::malformed) << alg;  // unsigned: empty signature segment
    EXPECT_EQ(reason(input + "." + b64(key.sign_es256(input))), TokenErrc::alg_not_allowed) << alg;
  }
}

TEST_F(JoseAttacks, AlgWithHiddenCharacters) {
  for (const char* header : {R"({"alg":"ES256\u0000"})", R"({"alg":"ES256\n"})", R"({"alg":"\u0045S256x"})"}) {
    const std::string input = b64(header) + "." + payload;
    EXPECT_EQ(reason(input + "." + b64(key.sign_es256(input))), TokenErrc::alg_not_allowed) << header;
  }
}

TEST_F(JoseAttacks, PsychicSignatureZeroRAndS) {
  // CVE-2022-21449: r = s = 0 "verifies" in broken implementations.
  const std::string input = b64(R"({"alg":"ES256"})") + "." + payload;
  EXPECT_EQ(reason(input + "." + b64(std::string(64, '\0'))), TokenErrc::bad_signature);
}

TEST_F(JoseAttacks, EmbeddedJwkOrKeyUrlIsNeverUsed) {
  // The attacker signs with its own key and names it in the header (jwk / jku / x5u / kid).
  const PrivateKey attacker = PrivateKey::generate();
  const std::string jwk = attacker.public_key().to_jwk();
  for (const std::string& header :
       {R"({"alg":"ES256","jwk":)" + jwk + "}", std::string(R"({"alg":"ES256","jku":"https://evil.example/jwks"})"),
        std::string(R"({"alg":"ES256","x5u":"https://evil.example/cert"})"),
        std::string(R"({"alg":"ES256","kid":"../../dev/null"})")}) {
    const std::string input = b64(header) + "." + payload;
    EXPECT_EQ(reason(input + "." + b64(attacker.sign_es256(input))), TokenErrc::bad_signature) << header;
  }
}

TEST_F(JoseAttacks, DuplicateAlgCannotSmuggleAnotherAlgorithm) {
  const std::string input = b64(R"({"alg":"ES256","alg":"none"})") + "." + payload;
  EXPECT_EQ(reason(input + "." + b64(key.sign_es256(input))), TokenErrc::duplicate_key);
}

TEST_F(JoseAttacks, DuplicateClaimCannotSmuggleAnotherAudience) {
  const std::string input = b64(R"({"alg":"ES256"})") + "." + b64(R"({"aud":"client-1","aud":"other"})");
  EXPECT_EQ(reason(input + "." + b64(key.sign_es256(input))), TokenErrc::duplicate_key);
}

TEST_F(JoseAttacks, SignatureOfAnotherTokenIsRefused) {
  const std::string a = sign_jwt(Claims::from_json(R"({"sub":"user","aud":"client-1"})"), key);
  const std::string b_input = b64(R"({"alg":"ES256","typ":"JWT"})") + "." + payload;
  EXPECT_EQ(reason(b_input + a.substr(a.rfind('.'))), TokenErrc::bad_signature);
}

TEST_F(JoseAttacks, UnpaddedLengthAndWhitespaceTricks) {
  const std::string token = sign_jwt(Claims::from_json(R"({"sub":"user","aud":"client-1"})"), key);
  EXPECT_EQ(reason(" " + token), TokenErrc::bad_base64);
  EXPECT_EQ(reason(token + "\n"), TokenErrc::bad_base64);
  EXPECT_EQ(reason(token + '\0'), TokenErrc::bad_base64);
  EXPECT_EQ(reason("Bearer " + token), TokenErrc::bad_base64);
}

TEST_F(JoseAttacks, HugeOrDeeplyNestedInputFailsFastAndCleanly) {
  EXPECT_EQ(reason(std::string(10 * 1024 * 1024, 'A')), TokenErrc::too_large);
  const std::string deep = "{\"a\":" + std::string(5000, '[') + std::string(5000, ']') + "}";
  const std::string input = b64(R"({"alg":"ES256"})") + "." + b64(deep);
  EXPECT_EQ(reason(input + "." + b64(key.sign_es256(input))), TokenErrc::bad_json);
}

}  // namespace
}  // namespace loginid
