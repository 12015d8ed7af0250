#include "webauthn/result.hpp"

namespace loginid::webauthn {
namespace {

struct ReasonText {
  std::string_view name;
  const char* description;
};

ReasonText reason_text(Errc e) noexcept {
  switch (e) {
    case Errc::ok: return {"ok", "ok"};
    case Errc::malformed_client_data: return {"malformed_client_data", "clientDataJSON is not a valid client data object"};
    case Errc::type_mismatch: return {"type_mismatch", "clientDataJSON.type is not the ceremony's type"};
    case Errc::challenge_mismatch: return {"challenge_mismatch", "clientDataJSON.challenge is not the challenge issued"};
    case Errc::origin_mismatch: return {"origin_mismatch", "clientDataJSON.origin is not an allowed origin"};
    case Errc::cross_origin_not_allowed:
      return {"cross_origin_not_allowed", "the ceremony ran in a cross-origin iframe, which is not allowed"};
    case Errc::top_origin_mismatch: return {"top_origin_mismatch", "clientDataJSON.topOrigin is not allowed"};
    case Errc::malformed_attestation_object:
      return {"malformed_attestation_object", "attestationObject is not a valid attestation object"};
    case Errc::malformed_authenticator_data:
      return {"malformed_authenticator_data", "authenticator data is not well formed"};
    case Errc::rp_id_hash_mismatch: return {"rp_id_hash_mismatch", "rpIdHash is not SHA-256 of the RP ID"};
    case Errc::user_not_present: return {"user_not_present", "the user-present flag is not set"};
    case Errc::user_not_verified: return {"user_not_verified", "the user-verified flag is not set"};
    case Errc::backup_state_without_eligibility:
      return {"backup_state_without_eligibility", "backup state is set without backup eligibility"};
    case Errc::backup_eligibility_changed:
      return {"backup_eligibility_changed", "backup eligibility differs from the stored credential's"};
    case Errc::missing_attested_credential_data:
      return {"missing_attested_credential_data", "authenticator data has no attested credential data"};
    case Errc::credential_id_too_long: return {"credential_id_too_long", "credential id is longer than 1023 bytes"};
    case Errc::unsupported_credential_public_key:
      return {"unsupported_credential_public_key", "credential public key is malformed or unsupported"};
    case Errc::algorithm_not_allowed:
      return {"algorithm_not_allowed", "credential algorithm is not one the relying party allows"};
    case Errc::unsupported_fmt: return {"unsupported_fmt", "attestation statement format is not supported"};
    case Errc::attestation_statement_invalid:
      return {"attestation_statement_invalid", "attestation statement does not verify"};
    case Errc::attestation_chain_invalid:
      return {"attestation_chain_invalid", "attestation certificates do not chain to a trust root"};
    case Errc::attestation_not_trusted:
      return {"attestation_not_trusted", "attestation is not from a trusted authenticator"};
    case Errc::bad_signature: return {"bad_signature", "assertion signature does not verify"};
    case Errc::sign_count_not_increased:
      return {"sign_count_not_increased", "signature counter did not increase (possibly a cloned authenticator)"};
  }
  return {"unknown", "unknown WebAuthn error"};
}

class WebauthnCategory final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "loginid.webauthn"; }
  [[nodiscard]] std::string message(int value) const override {
    return reason_text(static_cast<Errc>(value)).description;
  }
};

}  // namespace

const std::error_category& webauthn_category() noexcept {
  static const WebauthnCategory category;
  return category;
}

std::error_code make_error_code(Errc e) noexcept { return {static_cast<int>(e), webauthn_category()}; }

std::string_view reason_name(Errc e) noexcept { return reason_text(e).name; }

}  // namespace loginid::webauthn
