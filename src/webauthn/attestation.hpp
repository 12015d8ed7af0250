#pragma once
// Attestation statement formats (WebAuthn §8): each verification procedure as one function, and the
// §7.1 step 21 lookup from `fmt` to it.

#include <string_view>

#include "webauthn/authenticator_data.hpp"
#include "webauthn/cbor.hpp"
#include "webauthn/cose_key.hpp"
#include "webauthn/result.hpp"
#include "webauthn/verify.hpp"
#include "webauthn/x509_checks.hpp"

namespace loginid::webauthn::detail {

/// What a verification procedure gets (§8: attStmt, authenticatorData, clientDataHash), parsed.
struct AttestationInput {
  const CborMap& att_stmt;
  const AuthenticatorData& auth_data;  ///< with attested credential data
  std::string_view client_data_hash;   ///< SHA-256(clientDataJSON)
  const CredentialPublicKey& credential_key;
};

/// A procedure's output: the attestation type and trust path (x5c, empty for none/self).
struct VerifiedAttestation {
  AttestationType type = AttestationType::none;
  CertificateChain x5c;
};

using AttestationVerifier = Result<VerifiedAttestation> (*)(const AttestationInput&);

/// §7.1 step 21: USASCII case-sensitive match of `fmt` against the formats implemented; nullptr
/// when none matches.
AttestationVerifier find_attestation_format(std::string_view fmt) noexcept;

Result<VerifiedAttestation> verify_none(const AttestationInput& in);         // §8.7
Result<VerifiedAttestation> verify_packed(const AttestationInput& in);       // §8.2
Result<VerifiedAttestation> verify_tpm(const AttestationInput& in);          // §8.3
Result<VerifiedAttestation> verify_android_key(const AttestationInput& in);  // §8.4
Result<VerifiedAttestation> verify_fido_u2f(const AttestationInput& in);     // §8.6
Result<VerifiedAttestation> verify_apple(const AttestationInput& in);        // §8.8

// Shared by the procedures.
/// attestation_statement_invalid with "<fmt>: <what>".
Failure statement_invalid(std::string_view fmt, std::string_view what);
/// attStmt.alg: an integer.
Result<int> statement_alg(std::string_view fmt, const CborMap& att_stmt);
/// attStmt.sig: a byte string of at most limits::kMaxSignatureBytes.
Result<std::string_view> statement_sig(std::string_view fmt, const CborMap& att_stmt);
/// attStmt.x5c, parsed (statement_invalid naming the entry on failure).
Result<CertificateChain> statement_x5c(std::string_view fmt, const CborMap& att_stmt);
/// authenticatorData || clientDataHash, the bytes most formats sign.
std::string signed_bytes(const AttestationInput& in);

}  // namespace loginid::webauthn::detail
