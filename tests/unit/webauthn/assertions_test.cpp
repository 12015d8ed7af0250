// Fresh assertions signed with the W3C vectors' credential private keys (and with freshly generated
// RSA keys): the counter must grow, a regression or a repeat is refused, and every other §7.2 check
// is exercised on a credential registered through verify_registration.
#include <gtest/gtest.h>

#include <openssl/err.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "webauthn/verify.hpp"
#include "webauthn_test_util.hpp"

namespace loginid::webauthn {
namespace {

namespace fs = std::filesystem;
using namespace test;  // NOLINT
using nlohmann::json;

std::string unb64(const json& value) { return loginid::detail::base64url_decode(value.get<std::string>()).value(); }

Policy example_policy() {
  Policy p;
  p.rp_id = std::string(kRpId);
  p.allowed_origins = {std::string(kOrigin)};
  return p;
}

/// A registered credential and its private key; signs assertions.
struct Authenticator {
  Pkey key;
  int alg = 0;
  std::string cose;  // as stored after registration
  std::uint8_t flags = kUp;

  std::string auth(std::uint32_t count) const { return auth_data(kRpId, flags, count); }

  Result<AuthenticationResult> assert_with(std::uint32_t count, std::uint32_t stored,
                                           std::string_view challenge = kChallenge,
                                           const Policy& policy = example_policy()) const {
    const std::string cdj = client_data("webauthn.get", challenge, kOrigin);
    const std::string ad = auth(count);
    const std::string sig = sign(key.get(), alg, ad + sha256(cdj));
    AuthenticationInput in;
    in.client_data_json = cdj;
    in.authenticator_data = ad;
    in.signature = sig;
    in.expected_challenge = kChallenge;
    in.stored_public_key_cose = cose;
    in.stored_sign_count = stored;
    return verify_authentication(in, policy);
  }
};

/// Counter rules on one credential: grows from 0, from a value, refuses equal and lower.
void check_counter_rules(const Authenticator& a) {
  auto first = a.assert_with(1, 0);
  ASSERT_TRUE(first.ok()) << first.failure().message;
  EXPECT_EQ(first->sign_count, 1U);
  EXPECT_TRUE(first->flags.up);
  auto next = a.assert_with(1000, 1);
  ASSERT_TRUE(next.ok()) << next.failure().message;
  EXPECT_EQ(next->sign_count, 1000U);
  EXPECT_TRUE(a.assert_with(0, 0).ok()) << "an authenticator without a counter keeps 0";
  EXPECT_TRUE(a.assert_with(0xffffffffU, 0xfffffffeU).ok());
  for (const auto& [count, stored] : {std::pair{1000U, 1000U}, std::pair{999U, 1000U}, std::pair{0U, 1000U}}) {
    const auto r = a.assert_with(count, stored);
    ASSERT_FALSE(r.ok()) << count << " after " << stored << " accepted";
    EXPECT_EQ(r.reason(), Errc::sign_count_not_increased);
    EXPECT_NE(r.failure().message.find("may have been cloned"), std::string::npos);
  }
  EXPECT_EQ(a.assert_with(5, 0, "another challenge").reason(), Errc::challenge_mismatch);
}

std::optional<json> w3c_vectors() {
  const char* dir = std::getenv("LOGINID_TESTDATA_DIR");
  if (dir == nullptr || *dir == '\0') {
    return std::nullopt;
  }
  std::ifstream in(fs::path(dir) / "webauthn" / "w3c_l3_test_vectors.json");
  if (!in) {
    return std::nullopt;
  }
  return json::parse(in);
}

Pkey private_key_of(const json& c) {
  const std::string raw = unhex(c.at("credential_private_key_hex").get<std::string>());
  const int alg = c.at("alg");
  switch (alg) {
    case -7: return ec_private_key("P-256", raw);
    case -35: return ec_private_key("P-384", raw);
    case -36: return ec_private_key("P-521", raw);
    default: {
      const int type = alg == -53 ? EVP_PKEY_ED448 : EVP_PKEY_ED25519;
      return Pkey(EVP_PKEY_new_raw_private_key(type, nullptr, reinterpret_cast<const unsigned char*>(raw.data()),
                                               raw.size()));
    }
  }
}

/// The registration's stored key, through the library (what a relying party would keep).
std::string registered_cose(const json& c) {
  Policy p = example_policy();
  if (c.contains("attestation_trust_root_der_b64url")) {
    p.attestation_trust_roots_der = {unb64(c.at("attestation_trust_root_der_b64url"))};
  }
  p.allow_cross_origin = c.at("options").at("allow_cross_origin");
  if (!c.at("options").at("top_origin").is_null()) {
    p.allowed_top_origins = {c.at("options").at("top_origin")};
  }
  const std::string cdj = unb64(c.at("client_data_json_b64url"));
  const std::string object = unb64(c.at("attestation_object_b64url"));
  const auto r = verify_registration({cdj, object, c.at("challenge_b64url").get<std::string>()}, p);
  if (!r) {
    throw std::runtime_error(c.at("id").get<std::string>() + ": " + r.failure().message);
  }
  return r->credential_public_key_cose;
}

TEST(WebauthnAssertions, FreshAssertionsWithTheW3cCredentialKeys) {
  const auto cases = w3c_vectors();
  if (!cases) {
    if (std::getenv("CI") != nullptr && std::string_view(std::getenv("CI")) == "true") {
      FAIL() << "CI=true but the W3C WebAuthn vectors are missing";
    }
    GTEST_SKIP() << "LOGINID_TESTDATA_DIR has no webauthn/w3c_l3_test_vectors.json; skipped";
  }
  std::set<int> algs;
  for (const json& c : *cases) {
    if (c.at("kind") != "registration" || c.at("expected") != "valid" || !c.contains("credential_private_key_hex")) {
      continue;
    }
    SCOPED_TRACE(c.at("id").get<std::string>());
    Authenticator a{private_key_of(c), c.at("alg"), registered_cose(c)};
    ASSERT_TRUE(a.key);
    check_counter_rules(a);
    algs.insert(a.alg);
  }
  EXPECT_EQ(algs, (std::set<int>{-7, -35, -36, -8, -53}));
}

TEST(WebauthnAssertions, RsaAndPssCredentials) {
  const Pkey rsa = generate("RSA", nullptr, 2048);  // one key for every alg: generating is slow
  for (const int alg : {-257, -258, -259, -37, -38, -39}) {
    SCOPED_TRACE(alg);
    EVP_PKEY_up_ref(rsa.get());
    Authenticator a{Pkey(rsa.get()), alg, cose_key(rsa.get(), alg)};
    check_counter_rules(a);
  }
}

TEST(WebauthnAssertions, EveryOtherAuthenticationCheck) {
  Authenticator a{generate("EC", "P-256"), -7, {}};
  a.cose = cose_key(a.key.get(), -7);
  Policy uv = example_policy();
  uv.require_user_verification = true;
  EXPECT_EQ(a.assert_with(1, 0, kChallenge, uv).reason(), Errc::user_not_verified);
  Policy other_rp = example_policy();
  other_rp.rp_id = "example.com";
  EXPECT_EQ(a.assert_with(1, 0, kChallenge, other_rp).reason(), Errc::rp_id_hash_mismatch);
  a.flags = kUp | kUv | kBe | kBs;
  const auto backed_up = a.assert_with(1, 0, kChallenge, uv);
  ASSERT_TRUE(backed_up.ok()) << backed_up.failure().message;
  EXPECT_TRUE(backed_up->flags.uv && backed_up->flags.be && backed_up->flags.bs);
  a.flags = 0;
  EXPECT_EQ(a.assert_with(1, 0).reason(), Errc::user_not_present);

  // Type, signature, and BE against the stored record, built by hand.
  a.flags = kUp;
  const std::string ad = a.auth(7);
  const std::string create = client_data("webauthn.create", kChallenge, kOrigin);
  const std::string get = client_data("webauthn.get", kChallenge, kOrigin);
  const std::string sig = sign(a.key.get(), -7, ad + sha256(get));
  AuthenticationInput in;
  in.client_data_json = get;
  in.authenticator_data = ad;
  in.signature = sig;
  in.expected_challenge = kChallenge;
  in.stored_public_key_cose = a.cose;
  EXPECT_TRUE(verify_authentication(in, example_policy()).ok());
  in.stored_backup_eligible = true;
  EXPECT_EQ(verify_authentication(in, example_policy()).reason(), Errc::backup_eligibility_changed);
  in.stored_backup_eligible = false;
  EXPECT_TRUE(verify_authentication(in, example_policy()).ok());
  in.client_data_json = create;
  EXPECT_EQ(verify_authentication(in, example_policy()).reason(), Errc::type_mismatch);
  in.client_data_json = get;
  const std::string other_sig = sign(a.key.get(), -7, ad + sha256(get + " "));
  in.signature = other_sig;
  EXPECT_EQ(verify_authentication(in, example_policy()).reason(), Errc::bad_signature);
  const std::string huge(5000, 's');
  in.signature = huge;
  EXPECT_EQ(verify_authentication(in, example_policy()).reason(), Errc::bad_signature);
  in.signature = "";
  EXPECT_EQ(verify_authentication(in, example_policy()).reason(), Errc::bad_signature);
  in.signature = sig;
  const std::string ad_trailing = ad + "x";
  in.authenticator_data = ad_trailing;
  EXPECT_EQ(verify_authentication(in, example_policy()).reason(), Errc::malformed_authenticator_data);
  in.authenticator_data = ad;
  in.stored_public_key_cose = "junk";
  const auto bad_key = verify_authentication(in, example_policy());
  EXPECT_EQ(bad_key.reason(), Errc::unsupported_credential_public_key);
  EXPECT_NE(bad_key.failure().message.find("stored credential public key"), std::string::npos)
      << bad_key.failure().message;
  EXPECT_EQ(ERR_peek_error(), 0UL);
}

TEST(WebauthnAssertions, AParsedKeyCanBeReused) {
  Authenticator a{generate("EC", "P-384"), -35, {}};
  a.cose = cose_key(a.key.get(), -35);
  const auto key = CredentialPublicKey::from_cose(a.cose);
  ASSERT_TRUE(key.ok()) << key.failure().message;
  EXPECT_EQ(key->alg(), -35);
  EXPECT_EQ(key->cose(), a.cose);
  EXPECT_NE(key->to_pem().find("BEGIN PUBLIC KEY"), std::string::npos);
  const std::string cdj = client_data("webauthn.get", kChallenge, kOrigin);
  const std::string ad = a.auth(3);
  const std::string sig = sign(a.key.get(), -35, ad + sha256(cdj));
  AuthenticationInput in;
  in.client_data_json = cdj;
  in.authenticator_data = ad;
  in.signature = sig;
  in.expected_challenge = kChallenge;
  const auto r = verify_authentication(in, example_policy(), key.value());
  ASSERT_TRUE(r.ok()) << r.failure().message;
  EXPECT_EQ(r->sign_count, 3U);
}

}  // namespace
}  // namespace loginid::webauthn
