#pragma once
// Building WebAuthn inputs for tests, independently of the library under test: a small CBOR
// *encoder* (the library decodes with libcbor), fresh OpenSSL keys and their COSE form, signatures,
// authenticator data, clientDataJSON and attestation objects.

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jose/base64url.hpp"

namespace loginid::webauthn::test {

// ---- CBOR encoder (RFC 8949 definite lengths, shortest heads)

inline std::string cbor_head(int major, std::uint64_t n) {
  std::string out;
  const auto type = static_cast<char>(major << 5);
  if (n < 24) {
    out += static_cast<char>(type | static_cast<char>(n));
    return out;
  }
  int bytes = n <= 0xff ? 1 : n <= 0xffff ? 2 : n <= 0xffffffffULL ? 4 : 8;
  out += static_cast<char>(type | static_cast<char>(bytes == 1 ? 24 : bytes == 2 ? 25 : bytes == 4 ? 26 : 27));
  for (int i = bytes - 1; i >= 0; --i) {
    out += static_cast<char>((n >> (8 * i)) & 0xff);
  }
  return out;
}
inline std::string cbor_int(std::int64_t v) {
  return v >= 0 ? cbor_head(0, static_cast<std::uint64_t>(v)) : cbor_head(1, static_cast<std::uint64_t>(-1 - v));
}
inline std::string cbor_bytes(std::string_view b) { return cbor_head(2, b.size()) + std::string(b); }
inline std::string cbor_text(std::string_view t) { return cbor_head(3, t.size()) + std::string(t); }
inline std::string cbor_array(const std::vector<std::string>& items) {
  std::string out = cbor_head(4, items.size());
  for (const auto& i : items) {
    out += i;
  }
  return out;
}
/// Pairs of already-encoded key and value, in the order given.
inline std::string cbor_map(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out = cbor_head(5, pairs.size());
  for (const auto& [k, v] : pairs) {
    out += k + v;
  }
  return out;
}

// ---- keys

struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

inline std::string unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

inline std::string bn_bytes(const BIGNUM* bn, std::size_t size) {
  std::string out(size, '\0');
  if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(size)) < 0) {
    throw std::runtime_error("BN_bn2binpad");
  }
  return out;
}

inline Pkey generate(const char* type, const char* curve_or_null, unsigned rsa_bits = 0) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  bool ok = ctx != nullptr && EVP_PKEY_keygen_init(ctx) == 1;
  if (ok && curve_or_null != nullptr) {
    ok = EVP_PKEY_CTX_set_group_name(ctx, curve_or_null) == 1;
  }
  if (ok && rsa_bits != 0) {
    ok = EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, static_cast<int>(rsa_bits)) == 1;
  }
  ok = ok && EVP_PKEY_generate(ctx, &key) == 1;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) {
    throw std::runtime_error("key generation failed");
  }
  return Pkey(key);
}

/// An EC private key from its scalar (the W3C vectors' credential_private_key_hex).
inline Pkey ec_private_key(const char* group, std::string_view scalar) {
  EC_GROUP* g = EC_GROUP_new_by_curve_name(EC_curve_nist2nid(group));  // group: "P-256", "P-384", "P-521"
  if (g == nullptr) {
    throw std::runtime_error("unknown curve");
  }
  BIGNUM* d = BN_bin2bn(reinterpret_cast<const unsigned char*>(scalar.data()), static_cast<int>(scalar.size()), nullptr);
  EC_POINT* pub = EC_POINT_new(g);
  EC_POINT_mul(g, pub, d, nullptr, nullptr, nullptr);
  unsigned char point[200];
  const std::size_t point_len = EC_POINT_point2oct(g, pub, POINT_CONVERSION_UNCOMPRESSED, point, sizeof point, nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, point_len);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* key = nullptr;
  const bool ok = EVP_PKEY_fromdata_init(ctx) == 1 && EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  EC_POINT_free(pub);
  BN_free(d);
  EC_GROUP_free(g);
  if (!ok) {
    throw std::runtime_error("EC private key import failed");
  }
  return Pkey(key);
}

/// COSE_Key of a public key, for the given alg (EC2, OKP or RSA).
inline std::string cose_key(EVP_PKEY* key, int alg) {
  if (EVP_PKEY_is_a(key, "EC") == 1) {
    char group[32] = {};
    std::size_t len = 0;
    EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len);
    const std::string g(group);
    const int crv = g == "prime256v1" || g == "P-256" ? 1 : g == "secp384r1" || g == "P-384" ? 2 : 3;
    const std::size_t size = crv == 1 ? 32 : crv == 2 ? 48 : 66;
    BIGNUM* x = nullptr;
    BIGNUM* y = nullptr;
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x);
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
    std::string out = cbor_map({{cbor_int(1), cbor_int(2)},
                                {cbor_int(3), cbor_int(alg)},
                                {cbor_int(-1), cbor_int(crv)},
                                {cbor_int(-2), cbor_bytes(bn_bytes(x, size))},
                                {cbor_int(-3), cbor_bytes(bn_bytes(y, size))}});
    BN_free(x);
    BN_free(y);
    return out;
  }
  if (EVP_PKEY_is_a(key, "RSA") == 1) {
    BIGNUM* n = nullptr;
    BIGNUM* e = nullptr;
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n);
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e);
    std::string out = cbor_map({{cbor_int(1), cbor_int(3)},
                                {cbor_int(3), cbor_int(alg)},
                                {cbor_int(-1), cbor_bytes(bn_bytes(n, static_cast<std::size_t>(BN_num_bytes(n))))},
                                {cbor_int(-2), cbor_bytes(bn_bytes(e, static_cast<std::size_t>(BN_num_bytes(e))))}});
    BN_free(n);
    BN_free(e);
    return out;
  }
  unsigned char raw[64];
  std::size_t len = sizeof raw;
  EVP_PKEY_get_raw_public_key(key, raw, &len);
  const int crv = EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 ? 6 : 7;
  return cbor_map({{cbor_int(1), cbor_int(1)},
                   {cbor_int(3), cbor_int(alg)},
                   {cbor_int(-1), cbor_int(crv)},
                   {cbor_int(-2), cbor_bytes(std::string_view(reinterpret_cast<char*>(raw), len))}});
}

/// A signature as WebAuthn carries it for `alg` (ECDSA DER, EdDSA raw, RSA PKCS#1 v1.5 or PSS).
inline std::string sign(EVP_PKEY* key, int alg, std::string_view data) {
  const EVP_MD* md = nullptr;
  bool pss = false;
  switch (alg) {
    case -7: case -257: md = EVP_sha256(); break;
    case -35: case -258: md = EVP_sha384(); break;
    case -36: case -259: md = EVP_sha512(); break;
    case -37: md = EVP_sha256(); pss = true; break;
    case -38: md = EVP_sha384(); pss = true; break;
    case -39: md = EVP_sha512(); pss = true; break;
    default: break;  // EdDSA
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  std::string sig(1024, '\0');
  std::size_t len = sig.size();
  bool ok = EVP_DigestSignInit(ctx, &pctx, md, nullptr, key) == 1;
  if (ok && pss) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
  }
  ok = ok && EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                            reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) {
    throw std::runtime_error("signing failed");
  }
  sig.resize(len);
  return sig;
}

inline std::string sha256(std::string_view data) {
  std::string out(32, '\0');
  EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), nullptr, EVP_sha256(), nullptr);
  return out;
}

// ---- WebAuthn structures

enum : std::uint8_t { kUp = 0x01, kUv = 0x04, kBe = 0x08, kBs = 0x10, kAt = 0x40, kEd = 0x80 };

inline std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

/// authenticatorData: rpIdHash || flags || signCount [|| aaguid || len || credId || cose] [|| ext].
inline std::string auth_data(std::string_view rp_id, std::uint8_t flags, std::uint32_t count,
                             std::string_view credential_id = {}, std::string_view cose = {},
                             std::string_view extensions = {}) {
  std::string out = sha256(rp_id) + static_cast<char>(flags) + be32(count);
  if ((flags & kAt) != 0) {
    out += std::string(16, '\x11');  // aaguid
    out += static_cast<char>(credential_id.size() >> 8);
    out += static_cast<char>(credential_id.size() & 0xff);
    out += credential_id;
    out += cose;
  }
  return out + std::string(extensions);
}

inline std::string client_data(std::string_view type, std::string_view challenge, std::string_view origin,
                               std::string_view extra = {}) {
  return R"({"type":")" + std::string(type) + R"(","challenge":")" + std::string(challenge) + R"(","origin":")" +
         std::string(origin) + "\"" + std::string(extra) + "}";
}

inline std::string attestation_object(std::string_view fmt, std::string_view att_stmt, std::string_view auth) {
  return cbor_map({{cbor_text("fmt"), cbor_text(fmt)},
                   {cbor_text("attStmt"), std::string(att_stmt)},
                   {cbor_text("authData"), cbor_bytes(auth)}});
}

inline constexpr std::string_view kRpId = "example.org";
inline constexpr std::string_view kOrigin = "https://example.org";
inline constexpr std::string_view kChallenge = "dGVzdCBjaGFsbGVuZ2UgZm9yIHdlYmF1dGhu";

}  // namespace loginid::webauthn::test
