#pragma once
// Why a WebAuthn ceremony was refused: one named reason per check of W3C WebAuthn L3 §7.1 / §7.2
// and §8, as a std::error_code enum, plus a message naming the check and what was found and
// expected (never a private key, never a whole input). Results are returned, never thrown.

#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>

namespace loginid::webauthn {

/// The reason a registration or an authentication was refused. The names (reason_name()) are those
/// of the test vectors' `reason_code` (../shared/testdata/webauthn/README.md) plus a few more.
enum class Errc {
  ok = 0,
  // client data (§7.1 steps 5-11, §7.2 steps 9-15)
  malformed_client_data = 1,     ///< not UTF-8 / not a JSON object / a member of the wrong type / too large
  type_mismatch = 2,             ///< `type` is not webauthn.create (registration) / webauthn.get (authentication)
  challenge_mismatch = 3,        ///< `challenge` differs from the challenge issued
  origin_mismatch = 4,           ///< `origin` is not one of the RP's origins
  cross_origin_not_allowed = 5,  ///< `crossOrigin` true, and the policy does not allow cross-origin use
  top_origin_mismatch = 6,       ///< `topOrigin` present, and not allowed (not cross-origin, or not listed)
  // attestation object and authenticator data (§6.1, §6.5)
  malformed_attestation_object = 7,   ///< not CBOR, over a limit, trailing bytes, a field missing or of wrong type
  malformed_authenticator_data = 8,   ///< too short, lengths inconsistent, trailing bytes, bad extensions CBOR
  rp_id_hash_mismatch = 9,            ///< rpIdHash is not SHA-256 of the RP ID
  // flags
  user_not_present = 10,                   ///< UP clear and the policy requires presence
  user_not_verified = 11,                  ///< UV clear and the policy requires verification
  backup_state_without_eligibility = 12,   ///< BS set while BE is clear
  backup_eligibility_changed = 13,         ///< BE differs from the stored credential's (§7.2 step 20)
  // credential
  missing_attested_credential_data = 14,   ///< registration without the AT flag / attested credential data
  credential_id_too_long = 15,             ///< credential id over 1023 bytes
  unsupported_credential_public_key = 16,  ///< COSE key malformed, of an unknown kty/alg/curve, or inconsistent
  algorithm_not_allowed = 17,              ///< COSE alg not in Policy::allowed_algorithms (pubKeyCredParams)
  // attestation (§8)
  unsupported_fmt = 18,                ///< attestation statement format not implemented
  attestation_statement_invalid = 19,  ///< the format's verification procedure failed
  attestation_chain_invalid = 20,      ///< x5c does not chain to one of Policy::attestation_trust_roots_der
  attestation_not_trusted = 21,        ///< Policy::require_trusted_attestation and no chain to a trust root
  // assertion
  bad_signature = 22,             ///< the assertion signature does not verify under the stored key
  sign_count_not_increased = 23,  ///< counter equal or lower than stored (either non-zero): possible clone
};

/// The error category of Errc (name "loginid.webauthn"); message() is a one-line description.
const std::error_category& webauthn_category() noexcept;
std::error_code make_error_code(Errc e) noexcept;
/// The machine-readable name of a reason, e.g. "challenge_mismatch" ("ok" for Errc::ok).
std::string_view reason_name(Errc e) noexcept;

/// A refusal: the reason, and a message that says which check failed and what was found and
/// expected, e.g. `origin_mismatch: clientDataJSON.origin is "https://evil.example", which is not
/// an allowed origin`. Values taken from the input are quoted, escaped and truncated.
struct Failure {
  Errc reason = Errc::ok;
  std::string message;

  [[nodiscard]] std::error_code code() const noexcept { return make_error_code(reason); }
  [[nodiscard]] std::string_view name() const noexcept { return reason_name(reason); }
};

/// Either a value or the Failure that prevented it. Non-throwing except value()/failure() called
/// on the wrong alternative (a programming error: std::bad_variant_access).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}          // NOLINT: implicit on purpose
  Result(Failure failure) : v_(std::in_place_index<1>, std::move(failure)) {}  // NOLINT

  [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  [[nodiscard]] T& value() & { return std::get<0>(v_); }
  [[nodiscard]] const T& value() const& { return std::get<0>(v_); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  [[nodiscard]] const Failure& failure() const& { return std::get<1>(v_); }
  [[nodiscard]] Failure&& failure() && { return std::get<1>(std::move(v_)); }
  /// Errc::ok when ok().
  [[nodiscard]] Errc reason() const noexcept { return ok() ? Errc::ok : std::get<1>(v_).reason; }
  [[nodiscard]] std::error_code error() const noexcept { return make_error_code(reason()); }

 private:
  std::variant<T, Failure> v_;
};

}  // namespace loginid::webauthn

template <>
struct std::is_error_code_enum<loginid::webauthn::Errc> : std::true_type {};
