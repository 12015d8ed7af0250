#include "webauthn/attestation.hpp"

#include <array>

#include "webauthn/cose_key_impl.hpp"
#include "webauthn/der_reader.hpp"
#include "webauthn/failure_message.hpp"
#include "webauthn/limits.hpp"
#include "webauthn/signature.hpp"

namespace loginid::webauthn::detail {
namespace {

struct Format {
  std::string_view name;
  AttestationVerifier verify;
};
constexpr std::array<Format, 6> kFormats{{
    {"none", verify_none},
    {"packed", verify_packed},
    {"tpm", verify_tpm},
    {"android-key", verify_android_key},
    {"fido-u2f", verify_fido_u2f},
    {"apple", verify_apple},
}};

constexpr std::string_view kPacked = "packed";
constexpr std::string_view kFidoU2f = "fido-u2f";
constexpr std::string_view kApple = "apple";

/// §8.2.1: the x5c leaf of a packed statement.
std::optional<std::string> check_packed_certificate(X509* leaf, const std::array<std::uint8_t, 16>& aaguid) {
  if (auto problem = check_version_3(leaf)) {
    return problem;
  }
  if (auto problem = check_packed_subject(leaf)) {
    return problem;
  }
  if (auto problem = check_aaguid_extension(leaf, aaguid)) {
    return problem;
  }
  return check_not_ca(leaf);
}

/// §8.2 "If x5c is present": the leaf's key signed authData || clientDataHash with alg, and the
/// leaf meets §8.2.1.
Result<VerifiedAttestation> verify_packed_x5c(const AttestationInput& in, int alg, std::string_view sig) {
  auto x5c = statement_x5c(kPacked, in.att_stmt);
  if (!x5c) {
    return std::move(x5c).failure();
  }
  X509* leaf = x5c.value().certs.front().get();
  if (!verify_signature(X509_get0_pubkey(leaf), alg, signed_bytes(in), sig)) {
    return statement_invalid(kPacked, "attStmt.sig does not verify with the x5c leaf certificate's key as " +
                                          algorithm_name(alg));
  }
  if (auto problem = check_packed_certificate(leaf, in.auth_data.attested->aaguid)) {
    return statement_invalid(kPacked, "the x5c leaf certificate " + *problem);
  }
  return VerifiedAttestation{AttestationType::basic, std::move(x5c).value()};
}

/// §8.2 self attestation: alg is the credential's, and the credential key made sig.
Result<VerifiedAttestation> verify_packed_self(const AttestationInput& in, int alg, std::string_view sig) {
  if (alg != in.credential_key.alg()) {
    return statement_invalid(kPacked, "self attestation attStmt.alg is " + algorithm_name(alg) +
                                          ", but the credential key's alg is " +
                                          algorithm_name(in.credential_key.alg()));
  }
  if (!in.credential_key.verify(signed_bytes(in), sig)) {
    return statement_invalid(kPacked, "self attestation attStmt.sig does not verify with the credential key");
  }
  return VerifiedAttestation{AttestationType::self, {}};
}

/// §8.6 step 4: the credential key as an uncompressed P-256 point (0x04 || x || y).
std::optional<std::string> u2f_public_key(const CredentialPublicKey& key) {
  const CoseKeyImpl& k = CoseKeyImpl::of(key);
  if (k.alg != cose_alg::es256 || k.x.size() != 32 || k.y.size() != 32) {
    return std::nullopt;
  }
  return "\x04" + k.x + k.y;
}

bool is_p256_key(EVP_PKEY* key) { return key_fits_alg(key, cose_alg::es256); }

/// §8.8 step 3: the nonce of Apple's extension 1.2.840.113635.100.8.2, SEQUENCE { [1] OCTET STRING }.
std::optional<std::string_view> apple_nonce(X509* cert) {
  bool duplicate = false;
  const auto ext = find_extension(cert, "1.2.840.113635.100.8.2", duplicate);
  if (!ext || duplicate) {
    return std::nullopt;
  }
  const auto sequence = der_single(ext->value);
  if (!sequence || sequence->tag != V_ASN1_SEQUENCE || !sequence->constructed) {
    return std::nullopt;
  }
  DerReader members(sequence->content);
  const auto tagged = members.next();
  if (!tagged || tagged->tag_class != V_ASN1_CONTEXT_SPECIFIC || tagged->tag != 1 || !tagged->constructed) {
    return std::nullopt;
  }
  const auto nonce = der_single(tagged->content);
  if (!nonce || nonce->tag != V_ASN1_OCTET_STRING || nonce->tag_class != V_ASN1_UNIVERSAL) {
    return std::nullopt;
  }
  return nonce->content;
}

}  // namespace

AttestationVerifier find_attestation_format(std::string_view fmt) noexcept {
  for (const Format& f : kFormats) {
    if (f.name == fmt) {
      return f.verify;
    }
  }
  return nullptr;
}

Failure statement_invalid(std::string_view fmt, std::string_view what) {
  return fail(Errc::attestation_statement_invalid, std::string(fmt) + ": " + std::string(what));
}

Result<int> statement_alg(std::string_view fmt, const CborMap& att_stmt) {
  const auto alg = cbor_int(att_stmt.find("alg"));
  if (!alg || *alg < -65536 || *alg > 65535) {
    return statement_invalid(fmt, "attStmt.alg is missing or not a COSE algorithm number");
  }
  return static_cast<int>(*alg);
}

Result<std::string_view> statement_sig(std::string_view fmt, const CborMap& att_stmt) {
  const auto sig = cbor_bytes(att_stmt.find("sig"));
  if (!sig || sig->empty()) {
    return statement_invalid(fmt, "attStmt.sig is missing or not a non-empty byte string");
  }
  if (sig->size() > limits::kMaxSignatureBytes) {
    return statement_invalid(fmt, "attStmt.sig is " + std::to_string(sig->size()) + " bytes; the limit is " +
                                      std::to_string(limits::kMaxSignatureBytes));
  }
  return *sig;
}

Result<CertificateChain> statement_x5c(std::string_view fmt, const CborMap& att_stmt) {
  std::string problem;
  auto chain = parse_x5c(att_stmt.find("x5c"), problem);
  if (!chain) {
    return statement_invalid(fmt, problem);
  }
  return std::move(*chain);
}

std::string signed_bytes(const AttestationInput& in) {
  std::string bytes(in.auth_data.bytes);
  bytes += in.client_data_hash;
  return bytes;
}

Result<VerifiedAttestation> verify_none(const AttestationInput& in) {
  if (in.att_stmt.size() != 0) {
    return statement_invalid("none", "attStmt is not empty (it has " + std::to_string(in.att_stmt.size()) +
                                         " entries, the first " + in.att_stmt.key_text(0) + ")");
  }
  return VerifiedAttestation{AttestationType::none, {}};
}

Result<VerifiedAttestation> verify_packed(const AttestationInput& in) {
  auto alg = statement_alg(kPacked, in.att_stmt);
  if (!alg) {
    return std::move(alg).failure();
  }
  auto sig = statement_sig(kPacked, in.att_stmt);
  if (!sig) {
    return std::move(sig).failure();
  }
  if (in.att_stmt.find("x5c") != nullptr) {
    return verify_packed_x5c(in, alg.value(), sig.value());
  }
  return verify_packed_self(in, alg.value(), sig.value());
}

Result<VerifiedAttestation> verify_fido_u2f(const AttestationInput& in) {
  auto sig = statement_sig(kFidoU2f, in.att_stmt);
  if (!sig) {
    return std::move(sig).failure();
  }
  auto x5c = statement_x5c(kFidoU2f, in.att_stmt);
  if (!x5c) {
    return std::move(x5c).failure();
  }
  if (x5c.value().certs.size() != 1) {
    return statement_invalid(kFidoU2f, "attStmt.x5c has " + std::to_string(x5c.value().certs.size()) +
                                           " certificates; exactly one is required");
  }
  EVP_PKEY* cert_key = X509_get0_pubkey(x5c.value().certs.front().get());
  if (!is_p256_key(cert_key)) {
    return statement_invalid(kFidoU2f, "the attestation certificate's key is not an EC P-256 key");
  }
  const auto u2f_key = u2f_public_key(in.credential_key);
  if (!u2f_key) {
    return statement_invalid(kFidoU2f, "the credential key is not an ES256 (EC2 P-256) key");
  }
  const AttestedCredential& cred = *in.auth_data.attested;
  std::string verification_data(1, '\0');
  verification_data += in.auth_data.rp_id_hash;
  verification_data += in.client_data_hash;
  verification_data += cred.credential_id;
  verification_data += *u2f_key;
  if (!verify_signature(cert_key, cose_alg::es256, verification_data, sig.value())) {
    return statement_invalid(kFidoU2f, "attStmt.sig does not verify with the attestation certificate's key");
  }
  return VerifiedAttestation{AttestationType::basic, std::move(x5c).value()};
}

Result<VerifiedAttestation> verify_apple(const AttestationInput& in) {
  auto x5c = statement_x5c(kApple, in.att_stmt);
  if (!x5c) {
    return std::move(x5c).failure();
  }
  X509* cred_cert = x5c.value().certs.front().get();
  const auto nonce = apple_nonce(cred_cert);
  if (!nonce) {
    return statement_invalid(kApple, "the credential certificate has no well-formed nonce extension "
                                     "(1.2.840.113635.100.8.2)");
  }
  if (*nonce != sha256(signed_bytes(in))) {
    return statement_invalid(kApple, "the certificate's nonce is not SHA-256(authenticatorData || clientDataHash)");
  }
  if (!in.credential_key.same_key_as_spki(certificate_spki(cred_cert))) {
    return statement_invalid(kApple, "the credential certificate's key is not the credential public key");
  }
  return VerifiedAttestation{AttestationType::anonca, std::move(x5c).value()};
}

}  // namespace loginid::webauthn::detail
