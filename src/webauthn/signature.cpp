#include "webauthn/signature.hpp"

#include <openssl/obj_mac.h>
#include <openssl/rsa.h>

#include <array>
#include <string>

#include "webauthn/cose_key.hpp"
#include "webauthn/openssl_ptr.hpp"

namespace loginid::webauthn::detail {
namespace {

enum class Scheme { ecdsa, rsa_pkcs1, rsa_pss, eddsa };

struct AlgSpec {
  int alg;
  Scheme scheme;
  const EVP_MD* (*digest)();  // nullptr for EdDSA
  int key_id;                 // EC curve NID, or EVP_PKEY_ED25519/ED448; 0 = any (RSA, EdDSA -8)
};

constexpr std::array<AlgSpec, 13> kAlgs{{
    {cose_alg::es256, Scheme::ecdsa, EVP_sha256, NID_X9_62_prime256v1},
    {cose_alg::es384, Scheme::ecdsa, EVP_sha384, NID_secp384r1},
    {cose_alg::es512, Scheme::ecdsa, EVP_sha512, NID_secp521r1},
    {cose_alg::eddsa, Scheme::eddsa, nullptr, 0},
    {cose_alg::ed25519, Scheme::eddsa, nullptr, EVP_PKEY_ED25519},
    {cose_alg::ed448, Scheme::eddsa, nullptr, EVP_PKEY_ED448},
    {cose_alg::rs256, Scheme::rsa_pkcs1, EVP_sha256, 0},
    {cose_alg::rs384, Scheme::rsa_pkcs1, EVP_sha384, 0},
    {cose_alg::rs512, Scheme::rsa_pkcs1, EVP_sha512, 0},
    {cose_alg::ps256, Scheme::rsa_pss, EVP_sha256, 0},
    {cose_alg::ps384, Scheme::rsa_pss, EVP_sha384, 0},
    {cose_alg::ps512, Scheme::rsa_pss, EVP_sha512, 0},
    {kCoseAlgRs1, Scheme::rsa_pkcs1, EVP_sha1, 0},
}};

const AlgSpec* find_alg(int alg) noexcept {
  for (const AlgSpec& spec : kAlgs) {
    if (spec.alg == alg) {
      return &spec;
    }
  }
  return nullptr;
}

int ec_curve_nid(EVP_PKEY* key) noexcept {
  std::array<char, 64> name{};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, "group", name.data(), name.size(), &length) != 1) {
    return NID_undef;
  }
  return OBJ_sn2nid(name.data());
}

bool fits(EVP_PKEY* key, const AlgSpec& spec) noexcept {
  switch (spec.scheme) {
    case Scheme::ecdsa: return EVP_PKEY_is_a(key, "EC") == 1 && ec_curve_nid(key) == spec.key_id;
    case Scheme::rsa_pkcs1:
    case Scheme::rsa_pss: return EVP_PKEY_is_a(key, "RSA") == 1;
    case Scheme::eddsa: {
      const int id = EVP_PKEY_get_id(key);
      return spec.key_id == 0 ? (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) : id == spec.key_id;
    }
  }
  return false;
}

bool set_pss(EVP_PKEY_CTX* ctx, const EVP_MD* md) noexcept {
  return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) == 1;
}

}  // namespace

bool key_fits_alg(EVP_PKEY* key, int alg) noexcept {
  const AlgSpec* spec = find_alg(alg);
  return key != nullptr && spec != nullptr && fits(key, *spec);
}

const EVP_MD* alg_digest(int alg) noexcept {
  const AlgSpec* spec = find_alg(alg);
  return spec != nullptr && spec->digest != nullptr ? spec->digest() : nullptr;
}

std::string digest(const EVP_MD* md, std::string_view data) {
  if (md == nullptr) {
    return {};
  }
  std::string out(static_cast<std::size_t>(EVP_MD_get_size(md)), '\0');
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &length, md, nullptr) != 1) {
    return {};
  }
  out.resize(length);
  return out;
}

std::string sha256(std::string_view data) { return digest(EVP_sha256(), data); }

bool verify_signature(EVP_PKEY* key, int alg, std::string_view data, std::string_view signature) noexcept {
  const AlgSpec* spec = find_alg(alg);
  if (key == nullptr || spec == nullptr || !fits(key, *spec) || signature.empty()) {
    return false;
  }
  const MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  const EVP_MD* md = spec->digest != nullptr ? spec->digest() : nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key) != 1) {
    return false;
  }
  if (spec->scheme == Scheme::rsa_pss && !set_pss(pctx, md)) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

}  // namespace loginid::webauthn::detail
