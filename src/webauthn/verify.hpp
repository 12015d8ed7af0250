#pragma once
// WebAuthn relying-party verification (W3C WebAuthn Level 3): registration (§7.1) and
// authentication (§7.2), each check a named Errc. No network, no storage, no knowledge of the
// emulator or SDK: the caller issues and remembers the challenge, looks the credential up and
// stores what a registration returns. Hostile input is bounded by limits.hpp before any decoding.
//
// Usage (registration):
//   webauthn::Policy policy;  policy.rp_id = "localhost";  policy.allowed_origins = {"http://localhost:8080"};
//   auto r = webauthn::verify_registration({client_data_json, attestation_object, issued_challenge_b64url}, policy);
//   if (!r) return http_400(r.failure().name(), r.failure().message);
//   store(r->credential_id, r->credential_public_key_cose, r->sign_count, r->flags.be, r->aaguid);

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "webauthn/cose_key.hpp"
#include "webauthn/result.hpp"

namespace loginid::webauthn {

/// The relying party's expectations for one ceremony (the options it sent to the browser).
struct Policy {
  /// RP ID: rpIdHash must be SHA-256 of it (§7.1 step 14, §7.2 step 16).
  std::string rp_id;
  /// clientDataJSON.origin must equal one of these exactly (e.g. "https://example.org",
  /// "http://localhost:8080"), or be accepted by `origin_allowed`.
  std::vector<std::string> allowed_origins;
  /// Optional further rule, e.g. "any http://localhost:<port>". Called only for origins not in the list.
  std::function<bool(std::string_view origin)> origin_allowed;
  bool require_user_presence = true;       ///< UP must be set (false only for conditional create)
  bool require_user_verification = false;  ///< UV must be set (userVerification "required")
  /// The RP expects to run in a cross-origin iframe: without it, `crossOrigin: true` or any
  /// `topOrigin` is refused.
  bool allow_cross_origin = false;
  /// When allow_cross_origin: the top-level origins accepted in `topOrigin` (exact match).
  std::vector<std::string> allowed_top_origins;
  /// Registration: the credential's COSE alg must be one of these (the pubKeyCredParams sent).
  std::vector<int> allowed_algorithms = supported_algorithms();
  /// Registration: DER X.509 trust anchors for x5c attestation. When non-empty, an x5c chain must
  /// verify up to one of them (else attestation_chain_invalid). Empty: x5c is checked (signature,
  /// certificate requirements) but its chain is not.
  std::vector<std::string> attestation_trust_roots_der;
  /// Registration: refuse none/self attestation and x5c not chained to a trust root
  /// (attestation_not_trusted). Off by default: passkeys mostly come with `none`.
  bool require_trusted_attestation = false;
  /// Registration, chain verification against trust roots: the time at which the certificates
  /// must be valid (seconds since the epoch); nullopt (default) = now.
  std::optional<std::int64_t> attestation_time;
};

/// Authenticator data flags (§6.1).
struct Flags {
  bool up = false;  ///< user present
  bool uv = false;  ///< user verified
  bool be = false;  ///< backup eligible
  bool bs = false;  ///< backup state (backed up)
  bool at = false;  ///< attested credential data included
  bool ed = false;  ///< extension data included
  bool operator==(const Flags&) const = default;
};

/// §6.5.4 attestation types.
enum class AttestationType {
  none,    ///< fmt "none"
  self,    ///< packed without x5c: signed by the credential key itself
  basic,   ///< x5c (packed, fido-u2f, android-key)
  attca,   ///< x5c with an AIK certificate (tpm)
  anonca,  ///< x5c from an anonymization CA (apple)
};
std::string_view attestation_type_name(AttestationType t) noexcept;  ///< "none", "self", "basic", ...

struct RegistrationInput {
  std::string_view client_data_json;    ///< response.clientDataJSON (raw bytes, not base64url)
  std::string_view attestation_object;  ///< response.attestationObject (raw CBOR bytes)
  std::string_view expected_challenge;  ///< the challenge as issued, base64url text (compared as a string)
};

struct RegistrationResult {
  std::string fmt;                          ///< attestation statement format
  std::string credential_id;                ///< raw bytes (1..1023)
  std::string credential_public_key_cose;   ///< COSE_Key bytes exactly as in authData: store these
  CredentialPublicKey public_key;           ///< the same key, parsed
  int alg = 0;                              ///< COSE alg of the credential key
  std::array<std::uint8_t, 16> aaguid{};    ///< authenticator model (all zero for most `none`)
  std::uint32_t sign_count = 0;             ///< initial signature counter: store it
  Flags flags;                              ///< store flags.be (checked again by §7.2 step 20)
  AttestationType attestation_type = AttestationType::none;
  /// x5c as sent (DER, leaf first); empty for none/self.
  std::vector<std::string> attestation_certificates_der;
  /// true when x5c was verified up to one of Policy::attestation_trust_roots_der.
  bool attestation_trusted = false;
  std::string aaguid_hex() const;  ///< 32 lowercase hex digits
};

/// §7.1: verifies a registration response. Never throws (std::bad_alloc aside).
Result<RegistrationResult> verify_registration(const RegistrationInput& input, const Policy& policy);

struct AuthenticationInput {
  std::string_view client_data_json;    ///< response.clientDataJSON (raw bytes)
  std::string_view authenticator_data;  ///< response.authenticatorData (raw bytes)
  std::string_view signature;           ///< response.signature (raw bytes)
  std::string_view expected_challenge;  ///< the challenge as issued, base64url text
  std::string_view stored_public_key_cose;  ///< credential record: COSE_Key bytes from registration
  std::uint32_t stored_sign_count = 0;      ///< credential record: last counter
  /// credential record: BE at registration. When set, BE must not have changed (§7.2 step 20).
  std::optional<bool> stored_backup_eligible;
};

struct AuthenticationResult {
  std::uint32_t sign_count = 0;  ///< the new counter: store it
  Flags flags;                   ///< store flags.bs (backup state may change)
};

/// §7.2: verifies an authentication assertion against a stored credential. The counter rule: when
/// either the stored or the received counter is non-zero, the received one must be greater, else
/// sign_count_not_increased (the authenticator may have been cloned). Never throws (bad_alloc aside).
Result<AuthenticationResult> verify_authentication(const AuthenticationInput& input, const Policy& policy);

/// Same, with a key parsed once by CredentialPublicKey::from_cose (input.stored_public_key_cose is ignored).
Result<AuthenticationResult> verify_authentication(const AuthenticationInput& input, const Policy& policy,
                                                   const CredentialPublicKey& key);

}  // namespace loginid::webauthn
