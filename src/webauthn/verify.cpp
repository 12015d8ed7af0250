// The two ceremonies of WebAuthn Level 3 §7, step by step. Steps that belong to the caller (issuing
// and remembering the challenge, looking up credentials, user handles, storage) are not here.

#include "webauthn/verify.hpp"

#include <openssl/err.h>

#include <algorithm>

#include "webauthn/attestation.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/cbor.hpp"
#include "webauthn/client_data.hpp"
#include "webauthn/failure_message.hpp"
#include "webauthn/limits.hpp"
#include "webauthn/signature.hpp"

namespace loginid::webauthn {
namespace {

using namespace detail;  // NOLINT: this file is the detail layer's one client

/// OpenSSL queues an error for each refused parse or signature; none of them concerns the caller's
/// later OpenSSL calls.
struct ClearOpensslErrors {
  ClearOpensslErrors() = default;
  ClearOpensslErrors(const ClearOpensslErrors&) = delete;
  ClearOpensslErrors& operator=(const ClearOpensslErrors&) = delete;
  ~ClearOpensslErrors() { ERR_clear_error(); }
};

Failure malformed_object(std::string_view what) {
  return fail(Errc::malformed_attestation_object, "attestationObject " + std::string(what));
}

struct AttestationObject {
  CborItem root;  // owns what the views below point into
  std::string_view fmt;
  std::string_view auth_data;
  const cbor_item_t* att_stmt = nullptr;
};

/// §7.1 step 13: the attestation object is one CBOR map {fmt: text, attStmt: map, authData: bytes}.
Result<AttestationObject> decode_attestation_object(std::string_view bytes) {
  if (bytes.size() > limits::kMaxAttestationObjectBytes) {
    return malformed_object("is " + std::to_string(bytes.size()) + " bytes; the limit is " +
                            std::to_string(limits::kMaxAttestationObjectBytes));
  }
  AttestationObject object;
  std::size_t consumed = 0;
  CborProblem problem{};
  object.root = load_cbor_item(bytes, consumed, problem);
  if (!object.root) {
    return malformed_object(cbor_problem_text(problem));
  }
  if (consumed != bytes.size()) {
    return malformed_object("is followed by " + std::to_string(bytes.size() - consumed) + " trailing bytes");
  }
  const CborMap map(object.root.get());
  if (!map.valid()) {
    return malformed_object(map.problem());
  }
  const auto fmt = cbor_text(map.find("fmt"));
  const auto auth_data = cbor_bytes(map.find("authData"));
  object.att_stmt = map.find("attStmt");
  if (!fmt || fmt->empty() || fmt->size() > limits::kMaxFmtBytes) {
    return malformed_object("fmt is missing or not a text string of 1.." + std::to_string(limits::kMaxFmtBytes) +
                            " bytes");
  }
  if (object.att_stmt == nullptr || !cbor_isa_map(object.att_stmt)) {
    return malformed_object("attStmt is missing or not a map");
  }
  if (!auth_data) {
    return malformed_object("authData is missing or not a byte string");
  }
  object.fmt = *fmt;
  object.auth_data = *auth_data;
  return object;
}

/// Registration needs attested credential data (AT flag, §6.5.1).
std::optional<Failure> check_attested_credential(const AuthenticatorData& ad) {
  if (!ad.attested) {
    return fail(Errc::missing_attested_credential_data,
                "authenticator data has the AT flag clear, so it carries no credential");
  }
  return std::nullopt;
}

/// §7.1 step 19: the credential's alg is one the RP offered in pubKeyCredParams.
std::optional<Failure> check_algorithm_allowed(int alg, const Policy& policy) {
  const auto& allowed = policy.allowed_algorithms;
  if (std::find(allowed.begin(), allowed.end(), alg) == allowed.end()) {
    return fail(Errc::algorithm_not_allowed,
                "the credential key's alg is " + algorithm_name(alg) + ", which the relying party did not offer");
  }
  return std::nullopt;
}

/// §7.1 steps 21-22: the format's verification procedure.
Result<VerifiedAttestation> verify_attestation_statement(const AttestationObject& object,
                                                         const AuthenticatorData& ad, std::string_view client_data_hash,
                                                         const CredentialPublicKey& key) {
  const AttestationVerifier verify = find_attestation_format(object.fmt);
  if (verify == nullptr) {
    return fail(Errc::unsupported_fmt, "attestationObject.fmt is " + quote_input(object.fmt) +
                                           "; supported are none, packed, tpm, android-key, fido-u2f, apple");
  }
  const CborMap att_stmt(object.att_stmt);
  if (!att_stmt.valid()) {
    return malformed_object("attStmt " + att_stmt.problem());
  }
  return verify(AttestationInput{att_stmt, ad, client_data_hash, key});
}

/// §7.1 steps 23-24: x5c chained to a caller-supplied trust anchor is trusted; none and self never
/// are. Whether untrusted attestation is acceptable is the policy's call.
Result<bool> assess_attestation_trust(const VerifiedAttestation& attestation, const Policy& policy) {
  bool trusted = false;
  if (!attestation.x5c.certs.empty() && !policy.attestation_trust_roots_der.empty()) {
    if (auto problem = verify_chain(attestation.x5c, policy.attestation_trust_roots_der, policy.attestation_time)) {
      return fail(Errc::attestation_chain_invalid, "x5c does not verify up to a trust root: " + *problem);
    }
    trusted = true;
  }
  if (policy.require_trusted_attestation && !trusted) {
    return fail(Errc::attestation_not_trusted,
                "attestation type " + std::string(attestation_type_name(attestation.type)) +
                    (attestation.x5c.certs.empty() ? " has no certificate chain" : " with no trust roots configured") +
                    ", and trusted attestation is required");
  }
  return trusted;
}

/// §7.1 step 25.
std::optional<Failure> check_credential_id_length(const AttestedCredential& cred) {
  if (cred.credential_id.size() > limits::kMaxCredentialIdBytes) {
    return fail(Errc::credential_id_too_long, "credential id is " + std::to_string(cred.credential_id.size()) +
                                                  " bytes; at most 1023 are allowed");
  }
  return std::nullopt;
}

RegistrationResult registration_result(const AttestationObject& object, const AuthenticatorData& ad,
                                       CredentialPublicKey key, VerifiedAttestation attestation, bool trusted) {
  const AttestedCredential& cred = *ad.attested;
  const int alg = key.alg();
  return RegistrationResult{
      .fmt = std::string(object.fmt),
      .credential_id = std::string(cred.credential_id),
      .credential_public_key_cose = std::string(cred.cose_key),
      .public_key = std::move(key),
      .alg = alg,
      .aaguid = cred.aaguid,
      .sign_count = ad.sign_count,
      .flags = ad.flags,
      .attestation_type = attestation.type,
      .attestation_certificates_der = std::move(attestation.x5c.der),
      .attestation_trusted = trusted,
  };
}

/// §7.1 steps 14-25, once the client data (steps 5-12) passed.
Result<RegistrationResult> verify_attestation(const AttestationObject& object, std::string_view client_data_hash,
                                              const Policy& policy) {
  auto ad = parse_authenticator_data(object.auth_data);
  if (!ad) {
    return std::move(ad).failure();
  }
  if (auto f = check_authenticator_data(ad.value(), policy)) {  // steps 14-17
    return std::move(*f);
  }
  if (auto f = check_attested_credential(ad.value())) {
    return std::move(*f);
  }
  auto key = CredentialPublicKey::from_cose(ad.value().attested->cose_key);
  if (!key) {
    return std::move(key).failure();
  }
  if (auto f = check_algorithm_allowed(key.value().alg(), policy)) {  // step 19
    return std::move(*f);
  }
  auto attestation = verify_attestation_statement(object, ad.value(), client_data_hash, key.value());
  if (!attestation) {
    return std::move(attestation).failure();
  }
  auto trusted = assess_attestation_trust(attestation.value(), policy);
  if (!trusted) {
    return std::move(trusted).failure();
  }
  if (auto f = check_credential_id_length(*ad.value().attested)) {
    return std::move(*f);
  }
  return registration_result(object, ad.value(), std::move(key).value(), std::move(attestation).value(),
                             trusted.value());
}

/// §7.2 step 20: BE is fixed at registration.
std::optional<Failure> check_backup_eligibility_unchanged(const AuthenticatorData& ad,
                                                          std::optional<bool> stored_backup_eligible) {
  if (stored_backup_eligible && *stored_backup_eligible != ad.flags.be) {
    return fail(Errc::backup_eligibility_changed,
                std::string("authenticator data flags have BE ") + (ad.flags.be ? "set" : "clear") +
                    ", but the credential was registered with BE " + (*stored_backup_eligible ? "set" : "clear"));
  }
  return std::nullopt;
}

/// §7.2 step 23: sig over authData || SHA-256(clientDataJSON) with the stored key.
std::optional<Failure> check_assertion_signature(const AuthenticationInput& in, const CredentialPublicKey& key) {
  if (in.signature.size() > limits::kMaxSignatureBytes) {
    return fail(Errc::bad_signature, "signature is " + std::to_string(in.signature.size()) +
                                         " bytes; the limit is " + std::to_string(limits::kMaxSignatureBytes));
  }
  std::string signed_data(in.authenticator_data);
  signed_data += sha256(in.client_data_json);  // step 22
  if (!key.verify(signed_data, in.signature)) {
    return fail(Errc::bad_signature, "the assertion signature does not verify with the stored credential key (" +
                                         algorithm_name(key.alg()) + ")");
  }
  return std::nullopt;
}

/// §7.2 step 24: when either counter is non-zero, the new one must be greater.
std::optional<Failure> check_sign_count(const AuthenticatorData& ad, std::uint32_t stored) {
  if ((ad.sign_count != 0 || stored != 0) && ad.sign_count <= stored) {
    return fail(Errc::sign_count_not_increased, "authenticator data signCount is " + std::to_string(ad.sign_count) +
                                                    ", not greater than the stored " + std::to_string(stored) +
                                                    " (the authenticator may have been cloned)");
  }
  return std::nullopt;
}

}  // namespace

std::string_view attestation_type_name(AttestationType t) noexcept {
  switch (t) {
    case AttestationType::none: return "none";
    case AttestationType::self: return "self";
    case AttestationType::basic: return "basic";
    case AttestationType::attca: return "attca";
    case AttestationType::anonca: return "anonca";
  }
  return "unknown";
}

std::string RegistrationResult::aaguid_hex() const {
  return hex(std::string_view(reinterpret_cast<const char*>(aaguid.data()), aaguid.size()));
}

Result<RegistrationResult> verify_registration(const RegistrationInput& input, const Policy& policy) {
  const ClearOpensslErrors clear_errors;
  if (auto f = verify_client_data(input.client_data_json, Ceremony::create, input.expected_challenge, policy)) {
    return std::move(*f);  // steps 5-11
  }
  const std::string client_data_hash = sha256(input.client_data_json);  // step 12
  auto object = decode_attestation_object(input.attestation_object);   // step 13
  if (!object) {
    return std::move(object).failure();
  }
  return verify_attestation(object.value(), client_data_hash, policy);
}

Result<AuthenticationResult> verify_authentication(const AuthenticationInput& input, const Policy& policy) {
  auto key = CredentialPublicKey::from_cose(input.stored_public_key_cose);
  if (!key) {
    Failure f = std::move(key).failure();
    f.message.insert(f.message.find(": ") + 2, "stored ");
    return f;
  }
  return verify_authentication(input, policy, key.value());
}

Result<AuthenticationResult> verify_authentication(const AuthenticationInput& input, const Policy& policy,
                                                   const CredentialPublicKey& key) {
  const ClearOpensslErrors clear_errors;
  if (auto f = verify_client_data(input.client_data_json, Ceremony::get, input.expected_challenge, policy)) {
    return std::move(*f);  // steps 9-15
  }
  auto ad = parse_authenticator_data(input.authenticator_data);
  if (!ad) {
    return std::move(ad).failure();
  }
  if (auto f = check_authenticator_data(ad.value(), policy)) {  // steps 16-19
    return std::move(*f);
  }
  if (auto f = check_backup_eligibility_unchanged(ad.value(), input.stored_backup_eligible)) {  // step 20
    return std::move(*f);
  }
  if (auto f = check_assertion_signature(input, key)) {  // steps 22-23
    return std::move(*f);
  }
  if (auto f = check_sign_count(ad.value(), input.stored_sign_count)) {  // step 24
    return std::move(*f);
  }
  return AuthenticationResult{ad.value().sign_count, ad.value().flags};
}

}  // namespace loginid::webauthn
