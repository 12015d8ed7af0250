#include "webauthn/cose_key.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <array>

#include "webauthn/cbor.hpp"
#include "webauthn/cose_key_impl.hpp"
#include "webauthn/failure_message.hpp"
#include "webauthn/limits.hpp"
#include "webauthn/signature.hpp"

namespace loginid::webauthn {
namespace {

using detail::CborMap;
using detail::CoseKeyImpl;
using detail::fail;

// COSE_Key labels (RFC 9052 §7, RFC 9053 §7).
constexpr std::int64_t kLabelKty = 1;
constexpr std::int64_t kLabelAlg = 3;
constexpr std::int64_t kLabelCrvOrN = -1;
constexpr std::int64_t kLabelXOrE = -2;
constexpr std::int64_t kLabelYOrD = -3;
constexpr std::int64_t kLabelD = -4;
constexpr std::int64_t kKtyOkp = 1;
constexpr std::int64_t kKtyEc2 = 2;
constexpr std::int64_t kKtyRsa = 3;

Failure key_fail(std::string_view what) {
  return fail(Errc::unsupported_credential_public_key, "credential public key (COSE_Key) " + std::string(what));
}

struct Ec2Curve {
  std::int64_t crv;
  int alg;
  const char* group;
  std::size_t coordinate_bytes;
};
constexpr std::array<Ec2Curve, 3> kEc2Curves{{
    {1, cose_alg::es256, "P-256", 32},
    {2, cose_alg::es384, "P-384", 48},
    {3, cose_alg::es512, "P-521", 66},
}};

struct OkpCurve {
  std::int64_t crv;
  int evp_type;
  std::size_t key_bytes;
  int specific_alg;  // the fully specified alg; EdDSA (-8) fits both
};
constexpr std::array<OkpCurve, 2> kOkpCurves{{
    {6, EVP_PKEY_ED25519, 32, cose_alg::ed25519},
    {7, EVP_PKEY_ED448, 57, cose_alg::ed448},
}};

bool is_rsa_alg(int alg) {
  return alg == cose_alg::rs256 || alg == cose_alg::rs384 || alg == cose_alg::rs512 || alg == cose_alg::ps256 ||
         alg == cose_alg::ps384 || alg == cose_alg::ps512;
}

/// A byte-string member, or a failure naming the label.
Result<std::string_view> bytes_member(const CborMap& map, std::int64_t label, std::string_view name) {
  const cbor_item_t* item = map.find(label);
  if (item == nullptr) {
    return key_fail("has no " + std::string(name) + " (label " + std::to_string(label) + ")");
  }
  const auto bytes = detail::cbor_bytes(item);
  if (!bytes) {
    return key_fail(std::string(name) + " (label " + std::to_string(label) + ") is not a byte string");
  }
  return *bytes;
}

/// Imports a public key. EVP_PKEY_fromdata already refuses an EC point off its curve (and the
/// NIST curves have cofactor 1, so that is the whole check); OpenSSL's full RSA public check runs
/// Miller-Rabin on n (tens of milliseconds an attacker could make us spend), so RSA keys get the
/// cheap checks of rsa_key() instead.
Result<detail::Pkey> public_key_from_params(const char* type, OSSL_PARAM* params, const char* what) {
  const detail::PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    return key_fail(what);
  }
  detail::Pkey key(raw);
  const detail::PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (std::string_view(type) == "EC" && (!check || EVP_PKEY_public_check_quick(check.get()) != 1)) {
    return key_fail(what);
  }
  return key;
}

Result<detail::Pkey> ec2_key(const CborMap& map, int alg, CoseKeyImpl& out) {
  const auto crv = detail::cbor_int(map.find(kLabelCrvOrN));
  const Ec2Curve* curve = nullptr;
  for (const Ec2Curve& c : kEc2Curves) {
    curve = crv == c.crv ? &c : curve;
  }
  if (curve == nullptr) {
    return key_fail("EC2 crv (label -1) is missing or not 1 (P-256), 2 (P-384) or 3 (P-521)");
  }
  if (curve->alg != alg) {
    return key_fail("alg " + algorithm_name(alg) + " does not fit the EC2 curve " + curve->group);
  }
  if (map.find(kLabelD) != nullptr) {
    return key_fail("contains a private key (d, label -4)");
  }
  auto x = bytes_member(map, kLabelXOrE, "x");
  if (!x) {
    return std::move(x).failure();
  }
  if (detail::cbor_is_bool_item(map.find(kLabelYOrD))) {
    return key_fail("uses point compression (y is a boolean); WebAuthn keys are uncompressed");
  }
  auto y = bytes_member(map, kLabelYOrD, "y");
  if (!y) {
    return std::move(y).failure();
  }
  if (x.value().size() != curve->coordinate_bytes || y.value().size() != curve->coordinate_bytes) {
    return key_fail("coordinates are " + std::to_string(x.value().size()) + " and " +
                    std::to_string(y.value().size()) + " bytes; " + curve->group + " needs " +
                    std::to_string(curve->coordinate_bytes));
  }
  out.crv = curve->crv;
  out.x = x.value();
  out.y = y.value();
  const std::string point = "\x04" + out.x + out.y;
  const detail::ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve->group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    return key_fail("could not be built");
  }
  const detail::Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  return public_key_from_params("EC", params.get(), "is not a point on its curve");
}

Result<detail::Pkey> okp_key(const CborMap& map, int alg, CoseKeyImpl& out) {
  const auto crv = detail::cbor_int(map.find(kLabelCrvOrN));
  const OkpCurve* curve = nullptr;
  for (const OkpCurve& c : kOkpCurves) {
    curve = crv == c.crv ? &c : curve;
  }
  if (curve == nullptr) {
    return key_fail("OKP crv (label -1) is missing or not 6 (Ed25519) or 7 (Ed448)");
  }
  if (alg != cose_alg::eddsa && alg != curve->specific_alg) {
    return key_fail("alg " + algorithm_name(alg) + " does not fit the OKP curve " + std::to_string(curve->crv));
  }
  if (map.find(kLabelD) != nullptr) {
    return key_fail("contains a private key (d, label -4)");
  }
  auto x = bytes_member(map, kLabelXOrE, "x");
  if (!x) {
    return std::move(x).failure();
  }
  if (x.value().size() != curve->key_bytes) {
    return key_fail("OKP x is " + std::to_string(x.value().size()) + " bytes; the curve needs " +
                    std::to_string(curve->key_bytes));
  }
  out.crv = curve->crv;
  out.x = x.value();
  detail::Pkey key(EVP_PKEY_new_raw_public_key(curve->evp_type, nullptr,
                                               reinterpret_cast<const unsigned char*>(out.x.data()), out.x.size()));
  if (!key) {
    return key_fail("OKP x is not a valid public key");
  }
  return key;
}

detail::Bignum to_bignum(std::string_view bytes) {
  return detail::Bignum(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr));
}

Result<detail::Pkey> rsa_key(const CborMap& map, int alg, CoseKeyImpl& out) {
  if (!is_rsa_alg(alg)) {
    return key_fail("alg " + algorithm_name(alg) + " is not an RSA algorithm (kty 3)");
  }
  for (std::int64_t label = -3; label >= -12; --label) {
    if (map.find(label) != nullptr) {
      return key_fail("contains private key parameters (label " + std::to_string(label) + ")");
    }
  }
  auto n = bytes_member(map, kLabelCrvOrN, "n");
  if (!n) {
    return std::move(n).failure();
  }
  auto e = bytes_member(map, kLabelXOrE, "e");
  if (!e) {
    return std::move(e).failure();
  }
  if (n.value().size() > limits::kMaxRsaModulusBits / 8 + 1 || e.value().empty() || e.value().size() > 4) {
    return key_fail("RSA n is " + std::to_string(n.value().size()) + " bytes and e " +
                    std::to_string(e.value().size()) + " bytes; out of range");
  }
  const detail::Bignum bn_n = to_bignum(n.value());
  const detail::Bignum bn_e = to_bignum(e.value());
  const auto bits = bn_n ? static_cast<std::size_t>(BN_num_bits(bn_n.get())) : 0;
  if (bits < limits::kMinRsaModulusBits || bits > limits::kMaxRsaModulusBits) {
    return key_fail("RSA modulus has " + std::to_string(bits) + " bits; allowed are " +
                    std::to_string(limits::kMinRsaModulusBits) + ".." + std::to_string(limits::kMaxRsaModulusBits));
  }
  if (!BN_is_odd(bn_n.get())) {
    return key_fail("RSA modulus n is even");
  }
  if (!bn_e || !BN_is_odd(bn_e.get()) || BN_is_one(bn_e.get())) {
    return key_fail("RSA exponent e is not an odd number greater than 1");
  }
  out.n = n.value();
  out.e = e.value();
  const detail::ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return key_fail("could not be built");
  }
  const detail::Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  return public_key_from_params("RSA", params.get(), "is not a valid RSA public key");
}

Result<detail::Pkey> key_of_kty(const CborMap& map, std::int64_t kty, int alg, CoseKeyImpl& out) {
  switch (kty) {
    case kKtyEc2: return ec2_key(map, alg, out);
    case kKtyOkp: return okp_key(map, alg, out);
    case kKtyRsa: return rsa_key(map, alg, out);
    default: return key_fail("kty " + std::to_string(kty) + " is not 1 (OKP), 2 (EC2) or 3 (RSA)");
  }
}

/// kty and alg: both required integers; alg one this library verifies.
Result<int> key_alg(const CborMap& map, std::int64_t& kty) {
  const auto kty_value = detail::cbor_int(map.find(kLabelKty));
  if (!kty_value) {
    return key_fail("has no integer kty (label 1)");
  }
  kty = *kty_value;
  const auto alg = detail::cbor_int(map.find(kLabelAlg));
  if (!alg) {
    return key_fail("has no integer alg (label 3)");
  }
  for (const int known : supported_algorithms()) {
    if (known == *alg) {
      return known;
    }
  }
  return key_fail("alg " + std::to_string(*alg) + " is not supported");
}

}  // namespace

const std::vector<int>& supported_algorithms() {
  static const std::vector<int> algs{cose_alg::es256, cose_alg::eddsa,  cose_alg::ed25519, cose_alg::es384,
                                     cose_alg::es512, cose_alg::ed448,  cose_alg::rs256,   cose_alg::rs384,
                                     cose_alg::rs512, cose_alg::ps256,  cose_alg::ps384,   cose_alg::ps512};
  return algs;
}

std::string algorithm_name(int alg) {
  switch (alg) {
    case cose_alg::es256: return "ES256";
    case cose_alg::es384: return "ES384";
    case cose_alg::es512: return "ES512";
    case cose_alg::eddsa: return "EdDSA";
    case cose_alg::ed25519: return "Ed25519";
    case cose_alg::ed448: return "Ed448";
    case cose_alg::rs256: return "RS256";
    case cose_alg::rs384: return "RS384";
    case cose_alg::rs512: return "RS512";
    case cose_alg::ps256: return "PS256";
    case cose_alg::ps384: return "PS384";
    case cose_alg::ps512: return "PS512";
    case detail::kCoseAlgRs1: return "RS1";
    default: return "COSE alg " + std::to_string(alg);
  }
}

Result<CredentialPublicKey> CredentialPublicKey::from_cose(std::string_view cose) {
  if (cose.size() > limits::kMaxCoseKeyBytes) {
    return key_fail("is " + std::to_string(cose.size()) + " bytes; the limit is " +
                    std::to_string(limits::kMaxCoseKeyBytes));
  }
  std::size_t consumed = 0;
  detail::CborProblem problem{};
  const detail::CborItem item = detail::load_cbor_item(cose, consumed, problem);
  if (!item) {
    return key_fail(detail::cbor_problem_text(problem));
  }
  if (consumed != cose.size()) {
    return key_fail("is followed by " + std::to_string(cose.size() - consumed) + " trailing bytes");
  }
  const CborMap map(item.get());
  if (!map.valid()) {
    return key_fail(map.problem());
  }
  auto impl = std::make_shared<CoseKeyImpl>();
  auto alg = key_alg(map, impl->kty);
  if (!alg) {
    return std::move(alg).failure();
  }
  auto key = key_of_kty(map, impl->kty, alg.value(), *impl);
  ERR_clear_error();  // refusals leave OpenSSL errors queued; none concern the caller
  if (!key) {
    return std::move(key).failure();
  }
  impl->key = std::move(key).value();
  impl->alg = alg.value();
  impl->cose = std::string(cose);
  return CredentialPublicKey(std::move(impl));
}

int CredentialPublicKey::alg() const noexcept { return impl_->alg; }

const std::string& CredentialPublicKey::cose() const noexcept { return impl_->cose; }

std::string CredentialPublicKey::spki_der() const {
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(impl_->key.get(), &der);
  if (length <= 0) {
    return {};
  }
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

std::string CredentialPublicKey::to_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio, impl_->key.get()) != 1) {
    BIO_free(bio);
    return {};
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(length));
  BIO_free(bio);
  return out;
}

bool CredentialPublicKey::verify(std::string_view data, std::string_view signature) const noexcept {
  const bool ok = signature.size() <= limits::kMaxSignatureBytes &&
                  detail::verify_signature(impl_->key.get(), impl_->alg, data, signature);
  ERR_clear_error();
  return ok;
}

bool CredentialPublicKey::same_key_as_spki(std::string_view spki_der) const noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(spki_der.data());
  const detail::Pkey other(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
  const bool same = other && EVP_PKEY_eq(impl_->key.get(), other.get()) == 1;
  ERR_clear_error();
  return same;
}

}  // namespace loginid::webauthn
