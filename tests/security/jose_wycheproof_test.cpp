// Wycheproof verdicts for the JOSE core (../shared/testdata/wycheproof, read in place).
//
// How the files map onto our API:
// - ECDSA P1363: PublicKey::verify_es256 on the raw r||s signature must give every verdict.
// - JWS: the ES256 groups (keys that are EC P-256) must give their verdict. Their payload is "foo",
//   not JSON, so the verdict is taken at the JWS layer (detail::decode_jws + verify_es256 with the
//   group's JWK); the JWT layer then refuses even the valid ones, with bad_json and nothing else.
//   Every other group's tokens (HS*, RS*, PS*, ES512, none, JSON serialization) must be refused
//   by our ES256-only verifier, whichever P-256 key it is given.
// - JWK: a keyset test passes only through keys PublicKey::from_jwk accepts, picked by kid.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "jose/jws.hpp"
#include "loginid/jwt.hpp"

namespace loginid {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::optional<fs::path> testdata_dir() {
  const char* dir = std::getenv("LOGINID_TESTDATA_DIR");
  if (dir == nullptr || *dir == '\0') {
    return std::nullopt;
  }
  const fs::path path = fs::path(dir) / "wycheproof";
  if (!fs::is_directory(path)) {
    return std::nullopt;
  }
  return path;
}

#define LOAD_OR_SKIP(var, file)                                                                               \
  const auto dir_##var = testdata_dir();                                                                      \
  if (!dir_##var) {                                                                                           \
    GTEST_SKIP() << "LOGINID_TESTDATA_DIR is unset or has no wycheproof/ folder; Wycheproof vectors skipped"; \
  }                                                                                                           \
  const json var = load(*dir_##var / (file))

json load(const fs::path& path) {
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("cannot read " + path.string());
  }
  return json::parse(in);
}

std::string unhex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

int count_tests(const json& file) {
  int n = 0;
  for (const auto& group : file.at("testGroups")) {
    n += static_cast<int>(group.at("tests").size());
  }
  return n;
}

TEST(Wycheproof, EcdsaP256Sha256P1363) {
  LOAD_OR_SKIP(file, "ecdsa_secp256r1_sha256_p1363_test.json");
  int checked = 0;
  int valid = 0;
  int jwk_keys = 0;
  for (const auto& group : file.at("testGroups")) {
    ASSERT_EQ(group.at("publicKey").at("curve"), "secp256r1");
    ASSERT_EQ(group.at("sha"), "SHA-256");
    // The PEM and (where the file gives one) the JWK form of each key must load to the same key.
    const PublicKey key = PublicKey::from_pem(group.at("publicKeyPem").get<std::string>());
    if (group.contains("publicKeyJwk")) {
      ASSERT_EQ(PublicKey::from_jwk(group.at("publicKeyJwk").dump()), key);
      ++jwk_keys;
    }
    for (const auto& test : group.at("tests")) {
      const std::string result = test.at("result");
      ASSERT_TRUE(result == "valid" || result == "invalid") << "unexpected verdict " << result;
      const bool ok = key.verify_es256(unhex(test.at("msg")), unhex(test.at("sig")));
      EXPECT_EQ(ok, result == "valid") << "tcId " << test.at("tcId") << " (" << test.at("comment") << ")";
      valid += result == "valid" ? 1 : 0;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 262);
  EXPECT_EQ(checked, file.at("numberOfTests").get<int>());
  EXPECT_EQ(valid, 173);
  EXPECT_GT(jwk_keys, 0);
}

/// The group's verification key: its public JWK, or its private one with the private part ignored.
const json& group_jwk(const json& group) { return group.contains("public") ? group.at("public") : group.at("private"); }

bool is_p256_jwk(const json& jwk) { return jwk.value("kty", "") == "EC" && jwk.value("crv", "") == "P-256"; }

/// Our JWS-level verdict: decodes under every ES256 rule and the signature verifies with `key`.
bool jws_accepted(std::string_view token, const PublicKey& key) {
  TokenErrc why{};
  const auto jws = detail::decode_jws(token, why);
  return jws && key.verify_es256(jws->signing_input, jws->signature);
}

TEST(Wycheproof, JsonWebSignature) {
  LOAD_OR_SKIP(file, "json_web_signature_test.json");
  // The one P-256 key of the file, to try every non-ES256 token against.
  std::optional<PublicKey> p256;
  for (const auto& group : file.at("testGroups")) {
    if (is_p256_jwk(group_jwk(group)) && group.at("comment") == "es256") {
      p256 = PublicKey::from_jwk(group_jwk(group).dump());
    }
  }
  ASSERT_TRUE(p256) << "the es256 group is missing";

  int es256_tests = 0;
  int es256_valid = 0;
  int other_tests = 0;
  int non_compact = 0;
  for (const auto& group : file.at("testGroups")) {
    const json& jwk = group_jwk(group);
    const bool es256_group = is_p256_jwk(jwk);
    std::optional<PublicKey> key;
    if (es256_group) {
      try {
        key = PublicKey::from_jwk(jwk.dump());
      } catch (const KeyError&) {  // e.g. "use":"enc": the group's tokens must then all fail
      }
    }
    for (const auto& test : group.at("tests")) {
      const std::string token = test.at("jws");
      const bool valid = test.at("result") == "valid";
      const auto id = test.at("tcId").get<int>();
      std::error_code ec;
      if (token.starts_with("{")) {
        ++non_compact;  // JSON serialization: not a compact token at all
        EXPECT_FALSE(decode_jwt(token, ec)) << "tcId " << id;
        EXPECT_EQ(ec, TokenErrc::malformed) << "tcId " << id;
      }
      if (es256_group) {
        ++es256_tests;
        es256_valid += valid ? 1 : 0;
        const bool accepted = key && jws_accepted(token, *key);
        EXPECT_EQ(accepted, valid) << "tcId " << id << " (" << test.at("comment") << ")";
        if (accepted) {
          // Valid JWS, but its payload "foo" is not a JWT claims set.
          EXPECT_FALSE(verify_jwt(token, *key, {}, ec));
          EXPECT_EQ(ec, TokenErrc::bad_json) << "tcId " << id;
        }
      } else {
        ++other_tests;
        EXPECT_FALSE(jws_accepted(token, *p256)) << "tcId " << id << " (" << test.at("comment") << ")";
        EXPECT_FALSE(verify_jwt(token, *p256, {}, ec)) << "tcId " << id;
        EXPECT_NE(ec, TokenErrc::ok);
      }
    }
  }
  EXPECT_EQ(es256_tests + other_tests, count_tests(file));
  EXPECT_EQ(es256_tests + other_tests, file.at("numberOfTests").get<int>());
  EXPECT_EQ(es256_tests, 41);  // es256 (15), SpecialCaseEs256 (24), ec_key_for_encryption (2)
  EXPECT_EQ(es256_valid, 2);
  EXPECT_GE(non_compact, 1);
}

TEST(Wycheproof, JsonWebKey) {
  LOAD_OR_SKIP(file, "json_web_key_test.json");
  int checked = 0;
  int loaded = 0;
  int refused = 0;
  for (const auto& group : file.at("testGroups")) {
    // The keyset a verifier would hold: the public set, else the private set (private parts ignored).
    const json& set = group.contains("public") ? group.at("public") : group.at("private");
    std::map<std::string, PublicKey> usable;
    for (const auto& jwk : set.at("keys")) {
      const bool p256_for_es256 = is_p256_jwk(jwk) && jwk.value("alg", "ES256") == "ES256" &&
                                  jwk.value("use", "sig") == "sig";
      try {
        usable.emplace(jwk.value("kid", ""), PublicKey::from_jwk(jwk.dump()));
        ++loaded;
        // Only well-formed EC P-256 signing keys may load.
        EXPECT_TRUE(p256_for_es256) << "loaded " << jwk.dump();
      } catch (const KeyError& e) {
        ++refused;
        const std::string message = e.what();
        if (jwk.contains("d")) {
          EXPECT_EQ(message.find(jwk.at("d").get<std::string>()), std::string::npos) << "d leaked: " << message;
        }
      }
      if (jwk.contains("d") && !p256_for_es256) {
        EXPECT_THROW((void)PrivateKey::from_jwk(jwk.dump()), KeyError) << jwk.dump();
      }
    }
    for (const auto& test : group.at("tests")) {
      ++checked;
      const std::string token = test.at("jws");
      const bool valid = test.at("result") == "valid";
      TokenErrc why{};
      const auto decoded = detail::decode_jws(token, why);
      bool accepted = false;
      if (decoded) {
        const auto kid = decoded->header.find("kid");
        if (kid != decoded->header.end() && kid->is_string()) {
          const auto key = usable.find(kid->get<std::string>());
          accepted = key != usable.end() && key->second.verify_es256(decoded->signing_input, decoded->signature);
        }
      }
      const bool es256 = token.starts_with("eyJhbGciOiJFUzI1NiI");  // {"alg":"ES256"
      EXPECT_EQ(accepted, valid && es256) << "tcId " << test.at("tcId") << " (" << test.at("comment") << ")";
    }
  }
  EXPECT_EQ(checked, file.at("numberOfTests").get<int>());
  EXPECT_EQ(checked, 26);
  // The file's one proper P-256 signing key loads; its broken variants (alg ES521/ES224, use enc,
  // point off the curve, crv P-384, kty RSA) and every non-EC key are refused.
  EXPECT_EQ(loaded, 1);
  EXPECT_GT(refused, 10);
}

}  // namespace
}  // namespace loginid
