#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <functional>
#include <string>
#include <vector>

#include "jose/base64url.hpp"
#include "loginid/error.hpp"
#include "loginid/keys.hpp"
#include "openssl_util.hpp"

namespace loginid {
namespace {

// The public key functions take and give JWK text; these tests build JWKs as JSON values.
PublicKey public_from_jwk(const nlohmann::json& jwk) { return PublicKey::from_jwk(jwk.dump()); }
PrivateKey private_from_jwk(const nlohmann::json& jwk) { return PrivateKey::from_jwk(jwk.dump()); }
nlohmann::json jwk_of(const PublicKey& key) { return nlohmann::json::parse(key.to_jwk()); }

using test::Pkey;

/// Runs `parse`, expects a KeyError whose message contains `expected` and none of `secrets`.
void expect_key_error(const std::function<void()>& parse, const std::string& expected,
                      const std::vector<std::string>& secrets = {}) {
  try {
    parse();
    ADD_FAILURE() << "no KeyError; expected one saying: " << expected;
  } catch (const KeyError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(expected), std::string::npos) << "message: " << message;
    for (const auto& secret : secrets) {
      EXPECT_EQ(message.find(secret), std::string::npos) << "key material in message: " << message;
    }
  }
}

/// A run of the base64 body of a PEM: what must never show up in an error.
std::string pem_body_fragment(const std::string& pem) {
  const auto start = pem.find('\n') + 1;
  return pem.substr(start + 10, 24);
}

Pkey gen(const char* type, const char* param = nullptr) {
  Pkey key(param != nullptr ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, param)
                            : EVP_PKEY_Q_keygen(nullptr, nullptr, type));
  if (!key) {
    throw std::runtime_error("keygen failed");
  }
  return key;
}

Pkey gen_rsa() {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
  if (!key) {
    throw std::runtime_error("RSA keygen failed");
  }
  return key;
}

TEST(Keys, GeneratedKeySignsAndItsPublicHalfVerifies) {
  const PrivateKey key = PrivateKey::generate();
  const std::string sig = key.sign_es256("message");
  EXPECT_EQ(sig.size(), 64U);
  EXPECT_TRUE(key.public_key().verify_es256("message", sig));
  EXPECT_FALSE(key.public_key().verify_es256("messagf", sig));
  EXPECT_FALSE(PrivateKey::generate().public_key().verify_es256("message", sig));
}

TEST(Keys, SignaturesAreRandomisedButAllVerify) {
  const PrivateKey key = PrivateKey::generate();
  const std::string a = key.sign_es256("m");
  const std::string b = key.sign_es256("m");
  EXPECT_NE(a, b);
  EXPECT_TRUE(key.public_key().verify_es256("m", a));
  EXPECT_TRUE(key.public_key().verify_es256("m", b));
}

TEST(Keys, Pkcs8PemRoundTrip) {
  const PrivateKey key = PrivateKey::generate();
  const SecretString pem = key.to_pem();
  EXPECT_TRUE(pem.view().starts_with("-----BEGIN PRIVATE KEY-----"));
  const PrivateKey again = PrivateKey::from_pem(pem.view());
  EXPECT_EQ(again.public_key(), key.public_key());
  EXPECT_TRUE(key.public_key().verify_es256("x", again.sign_es256("x")));
}

TEST(Keys, LoadsOpenSslPkcs8AndSec1PrivateKeys) {
  const Pkey ossl = gen("EC", "P-256");
  const std::string pkcs8 = test::pkcs8_pem(ossl.get());
  const std::string sec1 = test::traditional_pem(ossl.get());
  ASSERT_TRUE(sec1.starts_with("-----BEGIN EC PRIVATE KEY-----"));
  const PrivateKey from_pkcs8 = PrivateKey::from_pem(pkcs8);
  const PrivateKey from_sec1 = PrivateKey::from_pem(sec1);
  EXPECT_EQ(from_pkcs8.public_key(), from_sec1.public_key());
  // Our signature verifies with OpenSSL's own verifier once put in DER form.
  const std::string sig = from_sec1.sign_es256("interop");
  EXPECT_TRUE(test::openssl_verify_der(ossl.get(), "interop", test::p1363_to_der(sig)));
}

TEST(Keys, SpkiPemRoundTripAndOpenSslInterop) {
  const Pkey ossl = gen("EC", "P-256");
  const PublicKey pub = PublicKey::from_pem(test::spki_pem(ossl.get()));
  const std::string der = test::openssl_sign_der(ossl.get(), "payload");
  EXPECT_TRUE(pub.verify_es256("payload", test::der_to_p1363(der)));
  const std::string pem = pub.to_pem();
  EXPECT_TRUE(pem.starts_with("-----BEGIN PUBLIC KEY-----"));
  EXPECT_EQ(PublicKey::from_pem(pem), pub);
  EXPECT_EQ(PublicKey::from_pem_or_jwk(pem), pub);
  EXPECT_EQ(PublicKey::from_pem_or_jwk("\n  " + pem), pub);
}

TEST(Keys, DerSignatureIsRejected) {
  const Pkey ossl = gen("EC", "P-256");
  const PublicKey pub = PublicKey::from_pem(test::spki_pem(ossl.get()));
  const std::string der = test::openssl_sign_der(ossl.get(), "payload");
  EXPECT_FALSE(pub.verify_es256("payload", der));
}

TEST(Keys, SignatureOfWrongLengthOrOutOfRangeIsRejected) {
  const PrivateKey key = PrivateKey::generate();
  const PublicKey pub = key.public_key();
  const std::string sig = key.sign_es256("m");
  ASSERT_TRUE(pub.verify_es256("m", sig));
  EXPECT_FALSE(pub.verify_es256("m", sig.substr(0, 63)));
  EXPECT_FALSE(pub.verify_es256("m", sig + '\0'));
  EXPECT_FALSE(pub.verify_es256("m", std::string(1, '\0') + sig));
  EXPECT_FALSE(pub.verify_es256("m", ""));
  EXPECT_FALSE(pub.verify_es256("m", std::string(64, '\0')));  // r = s = 0
  // s replaced by n (the group order): out of range even though s mod n = 0.
  const std::string n = *detail::base64url_decode("_____wAAAAD__________7zm-q2nF56E87nKwvxjJVE");
  EXPECT_FALSE(pub.verify_es256("m", sig.substr(0, 32) + n));
  EXPECT_FALSE(pub.verify_es256("m", n + sig.substr(32)));
  std::string flipped = sig;
  flipped[10] = static_cast<char>(flipped[10] ^ 1);
  EXPECT_FALSE(pub.verify_es256("m", flipped));
}

TEST(Keys, OtherCurvesAreRefusedByName) {
  const Pkey p384 = gen("EC", "P-384");
  expect_key_error([&] { (void)PrivateKey::from_pem(test::pkcs8_pem(p384.get())); }, "curve is secp384r1, want P-256",
                   {pem_body_fragment(test::pkcs8_pem(p384.get()))});
  expect_key_error([&] { (void)PublicKey::from_pem(test::spki_pem(p384.get())); }, "curve is secp384r1, want P-256");
  const Pkey k1 = gen("EC", "secp256k1");
  expect_key_error([&] { (void)PrivateKey::from_pem(test::traditional_pem(k1.get())); }, "curve is secp256k1");
  expect_key_error([&] { (void)PublicKey::from_pem(test::spki_pem(k1.get())); }, "curve is secp256k1");
}

TEST(Keys, OtherKeyTypesAreRefusedByName) {
  const Pkey rsa = gen_rsa();
  const std::string rsa_pem = test::pkcs8_pem(rsa.get());
  expect_key_error([&] { (void)PrivateKey::from_pem(rsa_pem); }, "key type is RSA, want EC P-256",
                   {pem_body_fragment(rsa_pem)});
  expect_key_error([&] { (void)PublicKey::from_pem(test::spki_pem(rsa.get())); }, "key type is RSA");
  const Pkey ed = gen("ED25519");
  expect_key_error([&] { (void)PrivateKey::from_pem(test::pkcs8_pem(ed.get())); }, "key type is ED25519");
  expect_key_error([&] { (void)PublicKey::from_pem(test::spki_pem(ed.get())); }, "key type is ED25519");
}

TEST(Keys, GarbageAndWrongPemKindsAreRefused) {
  expect_key_error([] { (void)PrivateKey::from_pem(""); }, "not PEM");
  expect_key_error([] { (void)PrivateKey::from_pem("hello"); }, "not PEM");
  expect_key_error([] { (void)PublicKey::from_pem("hello"); }, "not PEM");
  expect_key_error([] { (void)PublicKey::from_pem_or_jwk(""); }, "JWK is not valid JSON");

  const PrivateKey key = PrivateKey::generate();
  const std::string priv_pem(key.to_pem().view());
  const std::string pub_pem = key.public_key().to_pem();
  expect_key_error([&] { (void)PublicKey::from_pem(priv_pem); }, "got a private key", {pem_body_fragment(priv_pem)});
  // A public key given where the private key belongs: say what was found and what to pass instead.
  expect_key_error([&] { (void)PrivateKey::from_pem(pub_pem); },
                   "got a public key (-----BEGIN PUBLIC KEY-----), want the private key (-----BEGIN PRIVATE KEY-----");
  expect_key_error([] { (void)PrivateKey::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"); },
                   "PEM label is 'CERTIFICATE', want PRIVATE KEY or EC PRIVATE KEY");
  // A label that is not plain capitals is not echoed (the input is not trusted text).
  expect_key_error([] { (void)PublicKey::from_pem("-----BEGIN x\x1b[31mevil-----\nAAAA\n"); },
                   "PEM label is unreadable, want PUBLIC KEY", {"evil"});

  std::string corrupt = priv_pem;
  corrupt[40] = corrupt[40] == 'A' ? 'B' : 'A';
  corrupt.insert(50, "!!");
  expect_key_error([&] { (void)PrivateKey::from_pem(corrupt); }, "corrupt", {pem_body_fragment(priv_pem)});
  expect_key_error([] { (void)PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"); },
                   "corrupt");
}

TEST(Keys, EncryptedPrivateKeyIsRefusedWithoutPrompting) {
  const Pkey ossl = gen("EC", "P-256");
  const std::string pem = test::pkcs8_pem(ossl.get(), "secret-password");
  ASSERT_TRUE(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
  expect_key_error([&] { (void)PrivateKey::from_pem(pem); }, "encrypted", {"secret-password", pem_body_fragment(pem)});
}

TEST(Keys, PointNotOnCurveIsRefused) {
  nlohmann::json jwk = jwk_of(PrivateKey::generate().public_key());
  std::string y = *detail::base64url_decode(jwk["y"].get<std::string>());
  y[31] = static_cast<char>(y[31] ^ 1);
  jwk["y"] = detail::base64url_encode(y);
  expect_key_error([&] { (void)public_from_jwk(jwk); }, "point not on the curve");
}

TEST(Keys, PublicJwkRoundTrip) {
  const PublicKey pub = PrivateKey::generate().public_key();
  const nlohmann::json jwk = jwk_of(pub);
  EXPECT_EQ(jwk.at("kty"), "EC");
  EXPECT_EQ(jwk.at("crv"), "P-256");
  EXPECT_EQ(jwk.size(), 4U);
  EXPECT_EQ(public_from_jwk(jwk), pub);
  EXPECT_EQ(PublicKey::from_jwk(jwk.dump()), pub);
  EXPECT_EQ(PublicKey::from_pem_or_jwk(jwk.dump()), pub);
  // Optional members consistent with ES256 are accepted.
  nlohmann::json extended = jwk;
  extended["alg"] = "ES256";
  extended["use"] = "sig";
  extended["kid"] = "k1";
  extended["key_ops"] = {"verify"};
  EXPECT_EQ(public_from_jwk(extended), pub);
}

TEST(Keys, JwkWithWrongMetadataIsRefused) {
  const nlohmann::json good = jwk_of(PrivateKey::generate().public_key());
  auto with = [&](const char* name, nlohmann::json value) {
    nlohmann::json jwk = good;
    jwk[name] = std::move(value);
    return jwk;
  };
  auto without = [&](const char* name) {
    nlohmann::json jwk = good;
    jwk.erase(name);
    return jwk;
  };
  expect_key_error([&] { (void)public_from_jwk(with("kty", "RSA")); }, R"("kty" is "RSA", want "EC")");
  expect_key_error([&] { (void)public_from_jwk(with("kty", 1)); }, R"("kty" is not a string)");
  expect_key_error([&] { (void)public_from_jwk(without("kty")); }, R"(lacks "kty")");
  expect_key_error([&] { (void)public_from_jwk(with("crv", "P-384")); }, R"("crv" is "P-384", want "P-256")");
  expect_key_error([&] { (void)public_from_jwk(with("crv", "secp256k1")); }, R"("crv" is "secp256k1")");
  expect_key_error([&] { (void)public_from_jwk(without("crv")); }, R"(lacks "crv")");
  expect_key_error([&] { (void)public_from_jwk(with("alg", "ES384")); }, R"("alg" is "ES384", want "ES256")");
  expect_key_error([&] { (void)public_from_jwk(with("use", "enc")); }, R"("use" is "enc", want "sig")");
  expect_key_error([&] { (void)public_from_jwk(with("key_ops", {"encrypt"})); }, R"(does not allow "verify")");
  expect_key_error([&] { (void)public_from_jwk(with("key_ops", "verify")); }, "not an array of strings");
  expect_key_error([&] { (void)public_from_jwk(nlohmann::json::array()); }, "JWK is not a JSON object");
}

TEST(Keys, JwkCoordinatesMustBeStrict32ByteBase64Url) {
  const nlohmann::json good = jwk_of(PrivateKey::generate().public_key());
  const std::string x = good["x"];
  auto with_x = [&](nlohmann::json value) {
    nlohmann::json jwk = good;
    jwk["x"] = std::move(value);
    return jwk;
  };
  const std::string x_bytes = *detail::base64url_decode(x);
  expect_key_error([&] { (void)public_from_jwk(with_x(detail::base64url_encode(x_bytes.substr(1)))); },
                   R"("x" is 31 bytes, want 32)");
  expect_key_error([&] { (void)public_from_jwk(with_x(detail::base64url_encode('\0' + x_bytes))); },
                   R"("x" is 33 bytes, want 32)");
  expect_key_error([&] { (void)public_from_jwk(with_x(x + "=")); }, R"("x" is not valid base64url)");
  expect_key_error([&] { (void)public_from_jwk(with_x(42)); }, R"("x" is not a string)");
  nlohmann::json no_y = good;
  no_y.erase("y");
  expect_key_error([&] { (void)public_from_jwk(no_y); }, R"(lacks "y")");
}

TEST(Keys, JwkTextMustBeStrictJson) {
  const nlohmann::json good = jwk_of(PrivateKey::generate().public_key());
  const std::string text = good.dump();
  expect_key_error([&] { (void)PublicKey::from_jwk(std::string_view(text.substr(0, text.size() - 1))); },
                   "JWK is not valid JSON");
  const std::string duplicated = R"({"kty":"EC","kty":"EC",)" + text.substr(1);
  expect_key_error([&] { (void)PublicKey::from_jwk(std::string_view(duplicated)); }, "JWK repeats a member name");
  expect_key_error([&] { (void)PublicKey::from_jwk(std::string_view("[1]")); }, "JWK is not a JSON object");
  const std::string deep = R"({"kty":"EC","x5c":)" + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  expect_key_error([&] { (void)PublicKey::from_jwk(std::string_view(deep)); }, "JWK is JSON nested deeper than 64 levels");
}

/// The private JWK of an OpenSSL key, built from its PKCS#8 by way of our own parser's public JWK
/// and OpenSSL's private scalar.
nlohmann::json private_jwk(EVP_PKEY* key) {
  nlohmann::json jwk = jwk_of(PublicKey::from_pem(test::spki_pem(key)));
  BIGNUM* d = nullptr;
  EVP_PKEY_get_bn_param(key, "priv", &d);
  std::string bytes(32, '\0');
  BN_bn2binpad(d, reinterpret_cast<unsigned char*>(bytes.data()), 32);
  BN_clear_free(d);
  jwk["d"] = detail::base64url_encode(bytes);
  return jwk;
}

TEST(Keys, PrivateJwkLoadsAndMatchesThePem) {
  const Pkey ossl = gen("EC", "P-256");
  const nlohmann::json jwk = private_jwk(ossl.get());
  const PrivateKey key = private_from_jwk(jwk);
  const PublicKey pub = PublicKey::from_pem(test::spki_pem(ossl.get()));
  EXPECT_EQ(key.public_key(), pub);
  EXPECT_TRUE(pub.verify_es256("jwk", key.sign_es256("jwk")));
  // PublicKey::from_jwk ignores d.
  EXPECT_EQ(public_from_jwk(jwk), pub);
}

TEST(Keys, PrivateJwkDIsCheckedWithoutLeakingIt) {
  const Pkey ossl = gen("EC", "P-256");
  const nlohmann::json good = private_jwk(ossl.get());
  const std::string d = good["d"];
  auto with_d = [&](nlohmann::json value) {
    nlohmann::json jwk = good;
    jwk["d"] = std::move(value);
    return jwk;
  };
  // A valid scalar of another key: in range, but not this point's.
  const std::string other_d = private_jwk(gen("EC", "P-256").get())["d"];
  expect_key_error([&] { (void)private_from_jwk(with_d(other_d)); }, "not matching the public point",
                   {d, other_d});
  expect_key_error([&] { (void)private_from_jwk(with_d(detail::base64url_encode(std::string(32, '\0')))); },
                   R"("d" is out of range)", {d});
  expect_key_error([&] { (void)private_from_jwk(with_d("_____wAAAAD__________7zm-q2nF56E87nKwvxjJVE")); },
                   R"("d" is out of range)", {d});
  const std::string short_d = detail::base64url_encode(detail::base64url_decode(d)->substr(1));
  expect_key_error([&] { (void)private_from_jwk(with_d(short_d)); }, R"("d" is 31 bytes, want 32)",
                   {d, short_d});
  expect_key_error([&] { (void)private_from_jwk(with_d(d + "=")); }, R"("d" is not valid base64url)", {d});
  nlohmann::json no_d = good;
  no_d.erase("d");
  expect_key_error([&] { (void)private_from_jwk(no_d); }, R"(lacks "d")");
  expect_key_error([&] { (void)private_from_jwk(with_d(nullptr)); }, R"("d" is not a string)");
}

TEST(Keys, CopiesShareAndMovedFromKeysFailSafely) {
  const PrivateKey key = PrivateKey::generate();
  PrivateKey copy = key;  // NOLINT(performance-unnecessary-copy-initialization): copying is the point
  EXPECT_EQ(copy.public_key(), key.public_key());
  PublicKey pub = key.public_key();
  const std::string sig = key.sign_es256("m");
  PublicKey moved_to = std::move(pub);
  EXPECT_TRUE(moved_to.verify_es256("m", sig));
  // NOLINTNEXTLINE(bugprone-use-after-move): a moved-from key must fail closed, not crash
  EXPECT_FALSE(pub.verify_es256("m", sig));
  PrivateKey moved_key = std::move(copy);
  EXPECT_THROW((void)copy.sign_es256("m"), KeyError);  // NOLINT(bugprone-use-after-move)
}

}  // namespace
}  // namespace loginid
