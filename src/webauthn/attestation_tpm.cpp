// The "tpm" attestation statement format (WebAuthn §8.3): pubArea (TPMT_PUBLIC) and certInfo
// (TPMS_ATTEST) are TPM 2.0 structures (TPM 2.0 Library, Part 2), read with a bounds-checked
// big-endian reader that fails sticky on any shortage.

#include <openssl/x509v3.h>

#include <cstdint>

#include "webauthn/attestation.hpp"
#include "webauthn/cose_key_impl.hpp"
#include "webauthn/limits.hpp"
#include "webauthn/signature.hpp"

namespace loginid::webauthn::detail {
namespace {

constexpr std::string_view kTpm = "tpm";

// TPM_ALG_ID and other constants (TPM 2.0 Library Part 2).
constexpr std::uint16_t kAlgRsa = 0x0001;
constexpr std::uint16_t kAlgSha1 = 0x0004;
constexpr std::uint16_t kAlgSha256 = 0x000B;
constexpr std::uint16_t kAlgSha384 = 0x000C;
constexpr std::uint16_t kAlgSha512 = 0x000D;
constexpr std::uint16_t kAlgNull = 0x0010;
constexpr std::uint16_t kAlgEcdaa = 0x001A;
constexpr std::uint16_t kAlgEcc = 0x0023;
constexpr std::uint32_t kGeneratedValue = 0xff544347;  // TPM_GENERATED_VALUE, "\xffTCG"
constexpr std::uint16_t kStAttestCertify = 0x8017;
constexpr std::uint32_t kDefaultRsaExponent = 65537;

/// Sticky-failure reader of big-endian TPM structures.
class TpmReader {
 public:
  explicit TpmReader(std::string_view data) : rest_(data) {}
  std::uint16_t u16() { return static_cast<std::uint16_t>(uint(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(uint(4)); }
  void skip(std::size_t n) { (void)bytes(n); }
  std::string_view bytes(std::size_t n) {
    if (failed_ || rest_.size() < n) {
      failed_ = true;
      return {};
    }
    const std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return out;
  }
  /// TPM2B_*: a 16-bit size, then that many bytes.
  std::string_view tpm2b() { return bytes(u16()); }
  [[nodiscard]] bool ok() const { return !failed_; }
  [[nodiscard]] bool done() const { return !failed_ && rest_.empty(); }

 private:
  std::uint64_t uint(std::size_t n) {
    std::uint64_t value = 0;
    for (const char c : bytes(n)) {
      value = value << 8 | static_cast<unsigned char>(c);
    }
    return value;
  }
  std::string_view rest_;
  bool failed_ = false;
};

/// The key of a TPMT_PUBLIC and the fields WebAuthn checks.
struct PubArea {
  std::uint16_t type = 0;
  std::uint16_t name_alg = 0;
  std::uint16_t curve_id = 0;    // ECC
  std::uint32_t exponent = 0;    // RSA (0 = 65537)
  std::string_view x, y;         // ECC unique
  std::string_view n;            // RSA unique
};

/// TPMT_SYM_DEF_OBJECT, TPMT_RSA_SCHEME, TPMT_ECC_SCHEME, TPMT_KDF_SCHEME: an algorithm, and unless
/// it is TPM_ALG_NULL, its details (keyBits+mode, hashAlg, hashAlg+count for ECDAA).
void skip_scheme(TpmReader& r, std::size_t details_bytes) {
  const std::uint16_t alg = r.u16();
  if (alg != kAlgNull) {
    r.skip(alg == kAlgEcdaa ? 4 : details_bytes);
  }
}

std::optional<PubArea> parse_pub_area(std::string_view bytes) {
  TpmReader r(bytes);
  PubArea p;
  p.type = r.u16();
  p.name_alg = r.u16();
  r.skip(4);   // objectAttributes
  r.tpm2b();   // authPolicy
  skip_scheme(r, 4);  // symmetric: keyBits, mode
  skip_scheme(r, 2);  // scheme: hashAlg
  if (p.type == kAlgRsa) {
    r.skip(2);  // keyBits
    p.exponent = r.u32();
    p.n = r.tpm2b();
  } else if (p.type == kAlgEcc) {
    p.curve_id = r.u16();
    skip_scheme(r, 2);  // kdf: hashAlg
    p.x = r.tpm2b();
    p.y = r.tpm2b();
  } else {
    return std::nullopt;
  }
  return r.done() ? std::optional(p) : std::nullopt;
}

struct CertInfo {
  std::uint32_t magic = 0;
  std::uint16_t type = 0;
  std::string_view extra_data;
  std::string_view attested_name;
};

std::optional<CertInfo> parse_cert_info(std::string_view bytes) {
  TpmReader r(bytes);
  CertInfo c;
  c.magic = r.u32();
  c.type = r.u16();
  r.tpm2b();  // qualifiedSigner
  c.extra_data = r.tpm2b();
  r.skip(17);  // clockInfo: clock, resetCount, restartCount, safe
  r.skip(8);   // firmwareVersion
  c.attested_name = r.tpm2b();  // TPMS_CERTIFY_INFO.name
  r.tpm2b();                    // TPMS_CERTIFY_INFO.qualifiedName
  return r.done() ? std::optional(c) : std::nullopt;
}

const EVP_MD* tpm_digest(std::uint16_t alg) {
  switch (alg) {
    case kAlgSha1: return EVP_sha1();
    case kAlgSha256: return EVP_sha256();
    case kAlgSha384: return EVP_sha384();
    case kAlgSha512: return EVP_sha512();
    default: return nullptr;
  }
}

std::string_view strip_leading_zeros(std::string_view b) {
  while (!b.empty() && b.front() == '\0') {
    b.remove_prefix(1);
  }
  return b;
}

std::uint64_t unsigned_value(std::string_view b) {
  std::uint64_t v = 0;
  for (const char c : strip_leading_zeros(b).substr(0, 8)) {
    v = v << 8 | static_cast<unsigned char>(c);
  }
  return v;
}

/// COSE crv for a TPM_ECC_CURVE (NIST P-256/384/521), 0 for others.
std::int64_t cose_curve(std::uint16_t tpm_curve) {
  switch (tpm_curve) {
    case 0x0003: return 1;
    case 0x0004: return 2;
    case 0x0005: return 3;
    default: return 0;
  }
}

/// §8.3: "the public key specified by the parameters and unique fields of pubArea is identical to
/// the credentialPublicKey".
bool same_key(const PubArea& p, const CoseKeyImpl& k) {
  if (p.type == kAlgEcc) {
    return k.kty == 2 && cose_curve(p.curve_id) == k.crv && strip_leading_zeros(p.x) == strip_leading_zeros(k.x) &&
           strip_leading_zeros(p.y) == strip_leading_zeros(k.y);
  }
  const std::uint64_t exponent = p.exponent == 0 ? kDefaultRsaExponent : p.exponent;
  return k.kty == 3 && strip_leading_zeros(p.n) == strip_leading_zeros(k.n) && k.e.size() <= 8 &&
         exponent == unsigned_value(k.e);
}

/// The TPM object Name: nameAlg || H_nameAlg(pubArea).
std::string tpm_name(std::uint16_t name_alg, std::string_view pub_area) {
  std::string name;
  name += static_cast<char>(name_alg >> 8);
  name += static_cast<char>(name_alg & 0xff);
  return name + digest(tpm_digest(name_alg), pub_area);
}

std::optional<std::string> check_certify_info(const CertInfo& c, const AttestationInput& in, int alg,
                                              std::uint16_t name_alg, std::string_view pub_area) {
  if (c.magic != kGeneratedValue) {
    return "certInfo.magic is not TPM_GENERATED_VALUE";
  }
  if (c.type != kStAttestCertify) {
    return "certInfo.type is not TPM_ST_ATTEST_CERTIFY";
  }
  const EVP_MD* md = alg_digest(alg);
  if (md == nullptr || c.extra_data != digest(md, signed_bytes(in))) {
    return "certInfo.extraData is not the " + algorithm_name(alg) +
           " hash of authenticatorData || clientDataHash";
  }
  if (c.attested_name != tpm_name(name_alg, pub_area)) {
    return "certInfo.attested.name is not the Name of pubArea";
  }
  return std::nullopt;
}

bool has_eku(X509* cert, const char* oid) {
  int critical = 0;
  auto* eku = static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(cert, NID_ext_key_usage, &critical, nullptr));
  if (eku == nullptr) {
    return false;
  }
  bool found = false;
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku); ++i) {
    char text[64] = {};
    found = found || (OBJ_obj2txt(text, sizeof text, sk_ASN1_OBJECT_value(eku, i), 1) > 0 &&
                      std::string_view(text) == oid);
  }
  EXTENDED_KEY_USAGE_free(eku);
  return found;
}

/// §8.3.1 TPM attestation (AIK) certificate requirements.
std::optional<std::string> check_aik_certificate(X509* aik, const std::array<std::uint8_t, 16>& aaguid) {
  if (auto problem = check_version_3(aik)) {
    return problem;
  }
  if (X509_NAME_entry_count(X509_get_subject_name(aik)) != 0) {
    return "has a non-empty subject";
  }
  bool duplicate = false;
  if (!find_extension(aik, "2.5.29.17", duplicate) || duplicate) {
    return "has no (single) Subject Alternative Name extension";
  }
  if (!has_eku(aik, "2.23.133.8.3")) {
    return "lacks the extended key usage tcg-kp-AIKCertificate (2.23.133.8.3)";
  }
  if (auto problem = check_not_ca(aik)) {
    return problem;
  }
  return check_aaguid_extension(aik, aaguid);
}

/// ver "2.0", certInfo and pubArea byte strings within the bounds.
Result<std::pair<std::string_view, std::string_view>> tpm_structures(const CborMap& att_stmt) {
  if (cbor_text(att_stmt.find("ver")) != std::string_view("2.0")) {
    return statement_invalid(kTpm, "attStmt.ver is not \"2.0\"");
  }
  const auto cert_info = cbor_bytes(att_stmt.find("certInfo"));
  const auto pub_area = cbor_bytes(att_stmt.find("pubArea"));
  if (!cert_info || !pub_area) {
    return statement_invalid(kTpm, "attStmt.certInfo or attStmt.pubArea is missing or not a byte string");
  }
  if (cert_info->size() > limits::kMaxTpmStructureBytes || pub_area->size() > limits::kMaxTpmStructureBytes) {
    return statement_invalid(kTpm, "attStmt.certInfo or attStmt.pubArea is over " +
                                       std::to_string(limits::kMaxTpmStructureBytes) + " bytes");
  }
  return std::pair{*cert_info, *pub_area};
}

/// pubArea: well formed, a known nameAlg, and the credential's key.
std::optional<Failure> check_pub_area(const std::optional<PubArea>& pub, const AttestationInput& in) {
  if (!pub) {
    return statement_invalid(kTpm, "attStmt.pubArea is not a well-formed RSA or ECC TPMT_PUBLIC");
  }
  if (tpm_digest(pub->name_alg) == nullptr) {
    return statement_invalid(kTpm, "attStmt.pubArea.nameAlg is not SHA-1/256/384/512");
  }
  if (!same_key(*pub, CoseKeyImpl::of(in.credential_key))) {
    return statement_invalid(kTpm, "the key in attStmt.pubArea is not the credential public key");
  }
  return std::nullopt;
}

}  // namespace

Result<VerifiedAttestation> verify_tpm(const AttestationInput& in) {
  auto structures = tpm_structures(in.att_stmt);
  if (!structures) {
    return std::move(structures).failure();
  }
  auto alg = statement_alg(kTpm, in.att_stmt);
  if (!alg) {
    return std::move(alg).failure();
  }
  auto sig = statement_sig(kTpm, in.att_stmt);
  if (!sig) {
    return std::move(sig).failure();
  }
  const auto [cert_info_bytes, pub_area_bytes] = structures.value();
  const auto pub = parse_pub_area(pub_area_bytes);
  if (auto f = check_pub_area(pub, in)) {
    return std::move(*f);
  }
  const auto cert_info = parse_cert_info(cert_info_bytes);
  if (!cert_info) {
    return statement_invalid(kTpm, "attStmt.certInfo is not a well-formed TPMS_ATTEST for TPM2_Certify");
  }
  if (auto problem = check_certify_info(*cert_info, in, alg.value(), pub->name_alg, pub_area_bytes)) {
    return statement_invalid(kTpm, *problem);
  }
  auto x5c = statement_x5c(kTpm, in.att_stmt);
  if (!x5c) {
    return std::move(x5c).failure();
  }
  X509* aik = x5c.value().certs.front().get();
  if (!verify_signature(X509_get0_pubkey(aik), alg.value(), cert_info_bytes, sig.value())) {
    return statement_invalid(kTpm, "attStmt.sig does not verify over certInfo with the AIK certificate's key as " +
                                       algorithm_name(alg.value()));
  }
  if (auto problem = check_aik_certificate(aik, in.auth_data.attested->aaguid)) {
    return statement_invalid(kTpm, "the AIK certificate " + *problem);
  }
  return VerifiedAttestation{AttestationType::attca, std::move(x5c).value()};
}

}  // namespace loginid::webauthn::detail
