#pragma once
// Strict parsing of the service's answers into the public result types (API.md, "Shapes").
// A wrong shape throws BadShape naming the member ("user.status: expected one of active,
// inactive"); the call site turns it into loginid::Error `bad_response` with the HTTP status and
// request id of the answer (see parse_answer in requests.hpp).

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "loginid/types.hpp"

namespace loginid::detail {

/// A 2xx answer does not have the documented shape; what() names the member and the problem.
class BadShape : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An RFC 3339 date-time (`2026-11-29T01:02:03.456Z`; `T`/`t`, `Z`/`z` or a `+hh:mm` offset, any
/// number of fraction digits, kept to the nanosecond); nullopt for anything else (a date alone, a
/// space for `T`, no offset, an impossible date).
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

User parse_user(nlohmann::json json);
Credential parse_credential(nlohmann::json json, const std::string& where = "credential");
CredentialList parse_credential_list(nlohmann::json json);
CredentialResult parse_credential_result(nlohmann::json json);
CodeResult parse_code_result(nlohmann::json json);
AuthorizeResult parse_authorize_result(nlohmann::json json);
InvalidateResult parse_invalidate_result(nlohmann::json json);
/// Parses the shape only; verifying `jwt` is the caller's job.
AuthResult parse_auth_result(nlohmann::json json);
TxResult parse_tx_result(nlohmann::json json);
PublicKeyChallenge parse_publickey_challenge(nlohmann::json json);
RecoveryCode parse_recovery_code(nlohmann::json json);
/// `{register_session?, attestation_payload}`; the payload's `challenge` and `credential_uuid` must
/// be non-empty strings and `rp`, `user`, `pubKeyCredParams` present (navigator.credentials.create needs them).
Fido2AttestationInit parse_fido2_attestation_init(nlohmann::json json);
/// `{assertion_payload}`; the payload's `challenge` must be a non-empty string.
Fido2AssertionInit parse_fido2_assertion_init(nlohmann::json json);

}  // namespace loginid::detail
