// Malformed, truncated, over-deep and over-large inputs: each refused with its named reason and a
// message naming the field, never a crash, and never an echo of a whole input.
#include <gtest/gtest.h>

#include <openssl/err.h>

#include "webauthn/cbor.hpp"
#include "webauthn/limits.hpp"
#include "webauthn/verify.hpp"
#include "webauthn_test_util.hpp"

namespace loginid::webauthn {
namespace {

using namespace test;  // NOLINT

Policy example_policy() {
  Policy p;
  p.rp_id = std::string(kRpId);
  p.allowed_origins = {std::string(kOrigin)};
  return p;
}

/// A valid `none` registration of a fresh ES256 key, with parts to vary.
struct Registration {
  Pkey key = generate("EC", "P-256");
  std::string cose = cose_key(key.get(), -7);
  std::string credential_id = std::string(32, '\x42');
  std::uint8_t flags = kUp | kAt;
  std::string cdj = client_data("webauthn.create", kChallenge, kOrigin);

  std::string auth() const { return auth_data(kRpId, flags, 0, credential_id, cose); }
  std::string object() const { return attestation_object("none", cbor_map({}), auth()); }
};

Result<RegistrationResult> register_with(std::string_view cdj, std::string_view object,
                                         const Policy& policy = example_policy()) {
  return verify_registration({cdj, object, kChallenge}, policy);
}

#define EXPECT_REFUSED(result, errc, fragment)                                          \
  do {                                                                                  \
    const auto& r_ = (result);                                                          \
    ASSERT_FALSE(r_.ok()) << "accepted, expected " << reason_name(errc);                \
    EXPECT_EQ(r_.reason(), errc) << r_.failure().message;                               \
    EXPECT_NE(r_.failure().message.find(fragment), std::string::npos) << r_.failure().message; \
    EXPECT_EQ(ERR_peek_error(), 0UL) << "OpenSSL errors left queued";                   \
  } while (0)

TEST(WebauthnHostile, TheBaseRegistrationIsValid) {
  const Registration reg;
  const auto r = register_with(reg.cdj, reg.object());
  ASSERT_TRUE(r.ok()) << r.failure().message;
  EXPECT_EQ(r->credential_id, reg.credential_id);
  EXPECT_EQ(r->credential_public_key_cose, reg.cose);
  EXPECT_EQ(r->attestation_type, AttestationType::none);
  EXPECT_EQ(r->aaguid_hex(), std::string(32, '1'));
}

// ---- CBOR of the attestation object

TEST(WebauthnHostile, EveryTruncationOfAnAttestationObjectIsRefused) {
  const Registration reg;
  const std::string object = reg.object();
  for (std::size_t n = 0; n < object.size(); ++n) {
    const auto r = register_with(reg.cdj, object.substr(0, n));
    ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes accepted";
    EXPECT_EQ(r.reason(), Errc::malformed_attestation_object) << n << ": " << r.failure().message;
  }
}

TEST(WebauthnHostile, TrailingBytesAfterTheAttestationObject) {
  const Registration reg;
  EXPECT_REFUSED(register_with(reg.cdj, reg.object() + '\0'), Errc::malformed_attestation_object,
                 "followed by 1 trailing bytes");
}

TEST(WebauthnHostile, DeepNestingIsRefusedBeforeDecoding) {
  const Registration reg;
  // 60000 nested one-element arrays: libcbor would build (and free) them recursively.
  const std::string deep = std::string(60000, '\x81') + '\x00';
  EXPECT_REFUSED(register_with(reg.cdj, deep), Errc::malformed_attestation_object, "deeper than 16");
  // Just within the limit is only refused for not being a map.
  const std::string ok_depth = std::string(limits::kMaxCborDepth, '\x81') + '\x00';
  EXPECT_REFUSED(register_with(reg.cdj, ok_depth), Errc::malformed_attestation_object, "not a CBOR map");
}

TEST(WebauthnHostile, HugeDeclaredContainersAreRefusedWithoutAllocation) {
  const Registration reg;
  EXPECT_REFUSED(register_with(reg.cdj, "\xbb\xff\xff\xff\xff\xff\xff\xff\xff"), Errc::malformed_attestation_object,
                 "more than 64 entries");
  EXPECT_REFUSED(register_with(reg.cdj, "\x9a\xff\xff\xff\xff"), Errc::malformed_attestation_object,
                 "more than 64 entries");
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < 65; ++i) {
    pairs.emplace_back(cbor_int(i), cbor_int(i));
  }
  EXPECT_REFUSED(register_with(reg.cdj, cbor_map(pairs)), Errc::malformed_attestation_object, "more than 64");
  // A byte string declaring 2^63 bytes: truncated, not allocated.
  EXPECT_REFUSED(register_with(reg.cdj, std::string("\x5b\x7f\xff\xff\xff\xff\xff\xff\xff", 9)),
                 Errc::malformed_attestation_object, "truncated");
}

TEST(WebauthnHostile, TooManyItemsInTotal) {
  const Registration reg;
  std::vector<std::string> inner(20, cbor_int(1));
  std::vector<std::string> outer(60, cbor_array(inner));  // 1 + 60 + 60*20 items
  EXPECT_REFUSED(register_with(reg.cdj, cbor_array(outer)), Errc::malformed_attestation_object,
                 "more than 1024 CBOR items");
}

TEST(WebauthnHostile, CborItemsOutsideCtap2CanonicalAreRefused) {
  const Registration reg;
  EXPECT_REFUSED(register_with(reg.cdj, "\xbf\x63\x66\x6d\x74\x64\x6e\x6f\x6e\x65\xff"),
                 Errc::malformed_attestation_object, "indefinite-length");
  EXPECT_REFUSED(register_with(reg.cdj, std::string("\xc0\x00", 2)), Errc::malformed_attestation_object, "tag");
  EXPECT_REFUSED(register_with(reg.cdj, std::string("\xf9\x00\x00", 3)), Errc::malformed_attestation_object,
                 "float");
  EXPECT_REFUSED(register_with(reg.cdj, "\x62\xc3\x28"), Errc::malformed_attestation_object, "not UTF-8");
  EXPECT_REFUSED(register_with(reg.cdj, "\x1c"), Errc::malformed_attestation_object, "not well-formed");
  EXPECT_REFUSED(register_with(reg.cdj, ""), Errc::malformed_attestation_object, "empty");
}

TEST(WebauthnHostile, AttestationObjectFieldsMustHaveTheirTypes) {
  const Registration reg;
  const std::string auth = reg.auth();
  const auto with = [&](std::string fmt, std::string stmt, std::string ad) {
    return cbor_map({{cbor_text("fmt"), std::move(fmt)}, {cbor_text("attStmt"), std::move(stmt)},
                     {cbor_text("authData"), std::move(ad)}});
  };
  EXPECT_REFUSED(register_with(reg.cdj, with(cbor_bytes("none"), cbor_map({}), cbor_bytes(auth))),
                 Errc::malformed_attestation_object, "fmt");
  EXPECT_REFUSED(register_with(reg.cdj, with(cbor_text("none"), cbor_array({}), cbor_bytes(auth))),
                 Errc::malformed_attestation_object, "attStmt");
  EXPECT_REFUSED(register_with(reg.cdj, with(cbor_text("none"), cbor_map({}), cbor_text("x"))),
                 Errc::malformed_attestation_object, "authData");
  EXPECT_REFUSED(register_with(reg.cdj, cbor_map({{cbor_text("fmt"), cbor_text("none")},
                                                  {cbor_text("fmt"), cbor_text("none")},
                                                  {cbor_text("attStmt"), cbor_map({})},
                                                  {cbor_text("authData"), cbor_bytes(auth)}})),
                 Errc::malformed_attestation_object, "repeats the map key \"fmt\"");
  EXPECT_REFUSED(register_with(reg.cdj, cbor_map({{cbor_array({}), cbor_int(1)}})),
                 Errc::malformed_attestation_object, "neither an integer nor a text");
  EXPECT_REFUSED(register_with(reg.cdj, attestation_object("none", cbor_map({{cbor_text("x"), cbor_int(1)}}), auth)),
                 Errc::attestation_statement_invalid, "none: attStmt is not empty");
  EXPECT_REFUSED(register_with(reg.cdj, attestation_object(std::string(40, 'f'), cbor_map({}), auth)),
                 Errc::malformed_attestation_object, "fmt");
}

TEST(WebauthnHostile, AttestationObjectOverTheSizeLimit) {
  const Registration reg;
  const std::string big = attestation_object("none", cbor_map({}), std::string(limits::kMaxAttestationObjectBytes, 'a'));
  EXPECT_REFUSED(register_with(reg.cdj, big), Errc::malformed_attestation_object, "the limit is 65536");
}

// ---- authenticator data

TEST(WebauthnHostile, AuthenticatorDataLayoutErrors) {
  Registration reg;
  const auto object_with = [](std::string auth) { return attestation_object("none", cbor_map({}), auth); };
  const std::string auth = reg.auth();
  EXPECT_REFUSED(register_with(reg.cdj, object_with(auth.substr(0, 36))), Errc::malformed_authenticator_data,
                 "at least 37");
  EXPECT_REFUSED(register_with(reg.cdj, object_with(auth.substr(0, 37 + 10))), Errc::malformed_authenticator_data,
                 "too short for attested credential data");
  EXPECT_REFUSED(register_with(reg.cdj, object_with(auth.substr(0, 37 + 18 + 5))), Errc::malformed_authenticator_data,
                 "credentialIdLength is 32, but only 5 bytes follow");
  EXPECT_REFUSED(register_with(reg.cdj, object_with(auth.substr(0, auth.size() - 1))),
                 Errc::malformed_authenticator_data, "credentialPublicKey is truncated");
  EXPECT_REFUSED(register_with(reg.cdj, object_with(auth + "x")), Errc::malformed_authenticator_data,
                 "1 trailing bytes");
  reg.flags |= kEd;  // announces extensions that are not there
  EXPECT_REFUSED(register_with(reg.cdj, reg.object()), Errc::malformed_authenticator_data, "extensions is empty");
  EXPECT_REFUSED(register_with(reg.cdj, object_with(reg.auth() + cbor_array({}))), Errc::malformed_authenticator_data,
                 "extensions are not a CBOR map");
  EXPECT_REFUSED(register_with(reg.cdj, object_with(reg.auth() + std::string(20, '\x81') + '\0')),
                 Errc::malformed_authenticator_data, "extensions nests");
  const auto with_ext = register_with(reg.cdj, object_with(reg.auth() + cbor_map({{cbor_text("credProtect"), cbor_int(2)}})));
  EXPECT_TRUE(with_ext.ok()) << with_ext.failure().message;
  EXPECT_TRUE(with_ext.ok() && with_ext->flags.ed);
}

TEST(WebauthnHostile, RegistrationWithoutAttestedCredentialData) {
  Registration reg;
  reg.flags = kUp;
  EXPECT_REFUSED(register_with(reg.cdj, reg.object()), Errc::missing_attested_credential_data, "AT flag clear");
}

TEST(WebauthnHostile, CredentialIdLengthLimit) {
  Registration reg;
  reg.credential_id = std::string(1023, 'i');
  EXPECT_TRUE(register_with(reg.cdj, reg.object()).ok());
  reg.credential_id = std::string(1024, 'i');
  EXPECT_REFUSED(register_with(reg.cdj, reg.object()), Errc::credential_id_too_long, "1024 bytes");
}

TEST(WebauthnHostile, AuthenticatorDataOverTheSizeLimit) {
  Registration reg;
  reg.credential_id = std::string(1000, 'i');
  const std::string ext = cbor_map({{cbor_text("x"), cbor_bytes(std::string(limits::kMaxAuthenticatorDataBytes, 'e'))}});
  const std::string object = attestation_object("none", cbor_map({}), auth_data(kRpId, kUp | kAt | kEd, 0, reg.credential_id, reg.cose, ext));
  EXPECT_REFUSED(register_with(reg.cdj, object), Errc::malformed_authenticator_data, "the limit is 8192");
}

TEST(WebauthnHostile, FlagRules) {
  Registration reg;
  reg.flags = kAt | kBs;
  EXPECT_REFUSED(register_with(reg.cdj, reg.object()), Errc::user_not_present, "UP");
  reg.flags = kAt | kUp | kBs;
  EXPECT_REFUSED(register_with(reg.cdj, reg.object()), Errc::backup_state_without_eligibility, "BS");
  reg.flags = kAt | kUp;
  Policy uv = example_policy();
  uv.require_user_verification = true;
  EXPECT_REFUSED(register_with(reg.cdj, reg.object(), uv), Errc::user_not_verified, "UV");
  Policy conditional = example_policy();
  conditional.require_user_presence = false;
  reg.flags = kAt;
  EXPECT_TRUE(register_with(reg.cdj, reg.object(), conditional).ok());
}

// ---- COSE keys

struct BadKey {
  const char* name;
  std::string cose;
  const char* fragment;
};

std::vector<BadKey> bad_cose_keys() {
  const Pkey p256 = generate("EC", "P-256");
  const std::string good = cose_key(p256.get(), -7);
  std::string x(32, '\x01');
  std::string y(32, '\x02');
  const auto ec2 = [](std::vector<std::pair<std::string, std::string>> pairs) { return cbor_map(std::move(pairs)); };
  return {
      {"not a map", cbor_array({}), "not a CBOR map"},
      {"trailing bytes", good + '\0', "trailing"},
      {"truncated", good.substr(0, good.size() - 3), "truncated"},
      {"no alg", ec2({{cbor_int(1), cbor_int(2)}, {cbor_int(-1), cbor_int(1)}}), "no integer alg"},
      {"no kty", ec2({{cbor_int(3), cbor_int(-7)}}), "no integer kty"},
      {"text kty", ec2({{cbor_int(1), cbor_text("EC2")}, {cbor_int(3), cbor_int(-7)}}), "kty"},
      {"unknown alg", ec2({{cbor_int(1), cbor_int(2)}, {cbor_int(3), cbor_int(-999)}}), "-999 is not supported"},
      {"RS1 credential", ec2({{cbor_int(1), cbor_int(3)}, {cbor_int(3), cbor_int(-65535)}}), "not supported"},
      {"unknown kty", ec2({{cbor_int(1), cbor_int(4)}, {cbor_int(3), cbor_int(-7)}}), "kty 4"},
      {"duplicate label", ec2({{cbor_int(1), cbor_int(2)}, {cbor_int(1), cbor_int(2)}, {cbor_int(3), cbor_int(-7)}}),
       "repeats the map key 1"},
      {"ES256 on P-384",
       ec2({{cbor_int(1), cbor_int(2)}, {cbor_int(3), cbor_int(-7)}, {cbor_int(-1), cbor_int(2)},
            {cbor_int(-2), cbor_bytes(std::string(48, '\1'))}, {cbor_int(-3), cbor_bytes(std::string(48, '\1'))}}),
       "does not fit the EC2 curve"},
      {"short x",
       ec2({{cbor_int(1), cbor_int(2)}, {cbor_int(3), cbor_int(-7)}, {cbor_int(-1), cbor_int(1)},
            {cbor_int(-2), cbor_bytes(x.substr(1))}, {cbor_int(-3), cbor_bytes(y)}}),
       "coordinates are 31 and 32 bytes"},
      {"not on curve",
       ec2({{cbor_int(1), cbor_int(2)}, {cbor_int(3), cbor_int(-7)}, {cbor_int(-1), cbor_int(1)},
            {cbor_int(-2), cbor_bytes(x)}, {cbor_int(-3), cbor_bytes(y)}}),
       "not a point on its curve"},
      {"compressed",
       ec2({{cbor_int(1), cbor_int(2)}, {cbor_int(3), cbor_int(-7)}, {cbor_int(-1), cbor_int(1)},
            {cbor_int(-2), cbor_bytes(x)}, {cbor_int(-3), "\xf5"}}),
       "point compression"},
      {"x not bytes",
       ec2({{cbor_int(1), cbor_int(2)}, {cbor_int(3), cbor_int(-7)}, {cbor_int(-1), cbor_int(1)},
            {cbor_int(-2), cbor_text("x")}, {cbor_int(-3), cbor_bytes(y)}}),
       "x (label -2) is not a byte string"},
      {"private d",
       ec2({{cbor_int(1), cbor_int(2)}, {cbor_int(3), cbor_int(-7)}, {cbor_int(-1), cbor_int(1)},
            {cbor_int(-2), cbor_bytes(x)}, {cbor_int(-3), cbor_bytes(y)}, {cbor_int(-4), cbor_bytes(x)}}),
       "private key"},
      {"EdDSA wrong crv",
       ec2({{cbor_int(1), cbor_int(1)}, {cbor_int(3), cbor_int(-8)}, {cbor_int(-1), cbor_int(4)},
            {cbor_int(-2), cbor_bytes(x)}}),
       "OKP crv"},
      {"Ed448 alg on Ed25519",
       ec2({{cbor_int(1), cbor_int(1)}, {cbor_int(3), cbor_int(-53)}, {cbor_int(-1), cbor_int(6)},
            {cbor_int(-2), cbor_bytes(x)}}),
       "does not fit the OKP curve"},
      {"Ed25519 short",
       ec2({{cbor_int(1), cbor_int(1)}, {cbor_int(3), cbor_int(-8)}, {cbor_int(-1), cbor_int(6)},
            {cbor_int(-2), cbor_bytes(x.substr(2))}}),
       "30 bytes"},
      {"RSA 1024 bits",
       ec2({{cbor_int(1), cbor_int(3)}, {cbor_int(3), cbor_int(-257)}, {cbor_int(-1), cbor_bytes(std::string(128, '\xc1'))},
            {cbor_int(-2), cbor_bytes("\x01\x00\x01")}}),
       "1024 bits"},
      {"RSA 8192 bits",
       ec2({{cbor_int(1), cbor_int(3)}, {cbor_int(3), cbor_int(-257)},
            {cbor_int(-1), cbor_bytes(std::string(1024, '\xc1'))}, {cbor_int(-2), cbor_bytes("\x01\x00\x01")}}),
       "out of range"},
      {"RSA even e",
       ec2({{cbor_int(1), cbor_int(3)}, {cbor_int(3), cbor_int(-257)}, {cbor_int(-1), cbor_bytes(std::string(256, '\xc1'))},
            {cbor_int(-2), cbor_bytes("\x01\x00\x02")}}),
       "exponent"},
      {"RSA with ES256 alg",
       ec2({{cbor_int(1), cbor_int(3)}, {cbor_int(3), cbor_int(-7)}, {cbor_int(-1), cbor_bytes(std::string(256, '\xc1'))},
            {cbor_int(-2), cbor_bytes("\x01\x00\x01")}}),
       "not an RSA algorithm"},
      {"too large", cbor_bytes(std::string(limits::kMaxCoseKeyBytes, 'k')), "the limit is 2048"},
  };
}

TEST(WebauthnHostile, BadCoseKeysAreRefusedNamingTheField) {
  for (const BadKey& bad : bad_cose_keys()) {
    SCOPED_TRACE(bad.name);
    const auto key = CredentialPublicKey::from_cose(bad.cose);
    EXPECT_REFUSED(key, Errc::unsupported_credential_public_key, bad.fragment);
  }
}

TEST(WebauthnHostile, BadCoseKeysInARegistration) {
  for (const BadKey& bad : bad_cose_keys()) {
    SCOPED_TRACE(bad.name);
    Registration reg;
    reg.cose = bad.cose;
    const auto r = register_with(reg.cdj, reg.object());
    ASSERT_FALSE(r.ok());
    // A key that is not one CBOR item makes the authenticator data malformed; trailing bytes after it too.
    EXPECT_TRUE(r.reason() == Errc::unsupported_credential_public_key || r.reason() == Errc::malformed_authenticator_data)
        << r.failure().message;
  }
}

TEST(WebauthnHostile, AlgorithmNotOfferedByTheRelyingParty) {
  const Registration reg;
  Policy only_eddsa = example_policy();
  only_eddsa.allowed_algorithms = {-8};
  EXPECT_REFUSED(register_with(reg.cdj, reg.object(), only_eddsa), Errc::algorithm_not_allowed, "ES256");
}

// ---- clientDataJSON

TEST(WebauthnHostile, ClientDataJsonErrors) {
  const Registration reg;
  const std::string object = reg.object();
  const auto cdj = [](std::string extra) { return client_data("webauthn.create", kChallenge, kOrigin, extra); };
  EXPECT_REFUSED(register_with("not json", object), Errc::malformed_client_data, "not valid JSON (or not UTF-8)");
  EXPECT_REFUSED(register_with("[1]", object), Errc::malformed_client_data, "not a JSON object");
  EXPECT_REFUSED(register_with(cdj(R"(,"origin":"https://evil.example")"), object), Errc::malformed_client_data,
                 "repeats a member name");
  EXPECT_REFUSED(register_with(cdj(",\"x\":\"\xff\""), object), Errc::malformed_client_data, "UTF-8");
  EXPECT_REFUSED(register_with(cdj(R"(,"crossOrigin":"true")"), object), Errc::malformed_client_data,
                 "crossOrigin is not a boolean");
  EXPECT_REFUSED(register_with(R"({"type":1,"challenge":"x","origin":"y"})", object), Errc::malformed_client_data,
                 "type is not a string");
  EXPECT_REFUSED(register_with(cdj(",\"pad\":\"" + std::string(limits::kMaxClientDataJsonBytes, 'p') + "\""), object),
                 Errc::malformed_client_data, "the limit is 16384");
  EXPECT_REFUSED(register_with(R"({"challenge":"x","origin":"y"})", object), Errc::type_mismatch, "no type");
  EXPECT_REFUSED(register_with(client_data("webauthn.create", "other", kOrigin), object), Errc::challenge_mismatch,
                 "\"other\"");
  EXPECT_REFUSED(register_with(client_data("webauthn.create", kChallenge, "https://example.org:8443"), object),
                 Errc::origin_mismatch, "https://example.org:8443");
  // A byte order mark is dropped by UTF-8 decode; unknown members are allowed.
  EXPECT_TRUE(register_with("\xEF\xBB\xBF" + cdj(R"(,"extra":{"a":[1,2]})"), object).ok());
}

TEST(WebauthnHostile, CrossOriginAndTopOrigin) {
  const Registration reg;
  const std::string object = reg.object();
  const std::string cross = client_data("webauthn.create", kChallenge, kOrigin, R"(,"crossOrigin":true)");
  const std::string top =
      client_data("webauthn.create", kChallenge, kOrigin, R"(,"crossOrigin":true,"topOrigin":"https://top.example")");
  EXPECT_REFUSED(register_with(cross, object), Errc::cross_origin_not_allowed, "crossOrigin is true");
  Policy iframe = example_policy();
  iframe.allow_cross_origin = true;
  EXPECT_TRUE(register_with(cross, object, iframe).ok());
  EXPECT_REFUSED(register_with(top, object, iframe), Errc::top_origin_mismatch, "https://top.example");
  iframe.allowed_top_origins = {"https://top.example"};
  EXPECT_TRUE(register_with(top, object, iframe).ok());
  const std::string top_only = client_data("webauthn.create", kChallenge, kOrigin, R"(,"topOrigin":"https://top.example")");
  EXPECT_REFUSED(register_with(top_only, object), Errc::top_origin_mismatch, "does not allow cross-origin");
}

TEST(WebauthnHostile, OriginPredicate) {
  const Registration reg;
  Policy localhost = example_policy();
  localhost.allowed_origins.clear();
  localhost.origin_allowed = [](std::string_view origin) { return origin.rfind("https://example.org", 0) == 0; };
  EXPECT_TRUE(register_with(reg.cdj, reg.object(), localhost).ok());
  localhost.origin_allowed = [](std::string_view) { return false; };
  EXPECT_REFUSED(register_with(reg.cdj, reg.object(), localhost), Errc::origin_mismatch, "not an allowed origin");
}

TEST(WebauthnHostile, MessagesNeverEchoAWholeInput) {
  const Registration reg;
  const std::string long_origin = "https://" + std::string(10000, 'a') + ".example";
  const auto r = register_with(client_data("webauthn.create", kChallenge, long_origin), reg.object());
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.failure().message.size(), 300U);
  EXPECT_NE(r.failure().message.find("(10016 bytes)"), std::string::npos) << r.failure().message;
  const auto control = register_with(client_data("webauthn.create", "a\\u0001\\n", kOrigin), reg.object());
  EXPECT_NE(control.failure().message.find("a\\x01\\x0a"), std::string::npos) << control.failure().message;
}

// ---- attestation statements

TEST(WebauthnHostile, X5cLimits) {
  const Registration reg;
  const std::string auth = reg.auth();
  const auto packed = [&](std::string x5c) {
    return attestation_object("packed", cbor_map({{cbor_text("alg"), cbor_int(-7)}, {cbor_text("sig"), cbor_bytes("s")},
                                                  {cbor_text("x5c"), std::move(x5c)}}),
                              auth);
  };
  EXPECT_REFUSED(register_with(reg.cdj, packed(cbor_array(std::vector<std::string>(9, cbor_bytes("c"))))),
                 Errc::attestation_statement_invalid, "9 certificates");
  EXPECT_REFUSED(register_with(reg.cdj, packed(cbor_array({}))), Errc::attestation_statement_invalid, "0 certificates");
  EXPECT_REFUSED(register_with(reg.cdj, packed(cbor_array({cbor_bytes(std::string(9000, 'c'))}))),
                 Errc::attestation_statement_invalid, "x5c[0] is 9000 bytes");
  EXPECT_REFUSED(register_with(reg.cdj, packed(cbor_array({cbor_bytes("not a certificate")}))),
                 Errc::attestation_statement_invalid, "x5c[0] is not a DER X.509 certificate");
  EXPECT_REFUSED(register_with(reg.cdj, packed(cbor_array({cbor_text("c")}))), Errc::attestation_statement_invalid,
                 "x5c[0] is not a byte string");
  EXPECT_REFUSED(register_with(reg.cdj, packed(cbor_bytes("c"))), Errc::attestation_statement_invalid,
                 "x5c is missing or not an array");
}

TEST(WebauthnHostile, PackedSelfAttestationOfAFreshKey) {
  const Registration reg;
  const std::string auth = reg.auth();
  const std::string sig = sign(reg.key.get(), -7, auth + sha256(reg.cdj));
  const auto stmt = [&](int alg, std::string s) {
    return cbor_map({{cbor_text("alg"), cbor_int(alg)}, {cbor_text("sig"), cbor_bytes(s)}});
  };
  const auto ok = register_with(reg.cdj, attestation_object("packed", stmt(-7, sig), auth));
  ASSERT_TRUE(ok.ok()) << ok.failure().message;
  EXPECT_EQ(ok->attestation_type, AttestationType::self);
  EXPECT_REFUSED(register_with(reg.cdj, attestation_object("packed", stmt(-257, sig), auth)),
                 Errc::attestation_statement_invalid, "attStmt.alg is RS256, but the credential key's alg is ES256");
  EXPECT_REFUSED(register_with(reg.cdj, attestation_object("packed", stmt(-7, std::string(2000, 's')), auth)),
                 Errc::attestation_statement_invalid, "attStmt.sig is 2000 bytes");
  EXPECT_REFUSED(register_with(reg.cdj, attestation_object("packed", cbor_map({{cbor_text("sig"), cbor_bytes(sig)}}), auth)),
                 Errc::attestation_statement_invalid, "attStmt.alg is missing");
  EXPECT_REFUSED(register_with(reg.cdj, attestation_object("packed", cbor_map({{cbor_text("alg"), cbor_int(-7)},
                                                                                {cbor_text("alg"), cbor_int(-7)}}),
                                                           auth)),
                 Errc::malformed_attestation_object, "repeats the map key \"alg\"");
}

TEST(WebauthnHostile, TrustedAttestationRequired) {
  const Registration reg;
  Policy strict = example_policy();
  strict.require_trusted_attestation = true;
  EXPECT_REFUSED(register_with(reg.cdj, reg.object(), strict), Errc::attestation_not_trusted, "none");
}

TEST(WebauthnHostile, CborScannerReportsItemLengths) {
  detail::CborProblem problem{};
  const std::string item = cbor_map({{cbor_int(1), cbor_array({cbor_bytes("ab"), cbor_text("c")})}});
  EXPECT_EQ(detail::scan_cbor_item(item + "trailing", problem), item.size());
  EXPECT_EQ(problem, detail::CborProblem::none);
  EXPECT_EQ(detail::scan_cbor_item(cbor_array({}), problem), 1U);  // an empty container is complete at once
}

}  // namespace
}  // namespace loginid::webauthn
