#pragma once
// Reading the FIDO2 request bodies of API.md ("FIDO2 / WebAuthn (passkeys)"): the base64url fields a
// page (or a backend relaying it) sends back, decoded, each failure a 400 naming the field.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "emulator/service/service.hpp"

namespace loginid::detail::emulator::http {

/// `options` of a create init: display_name, override_name, roaming_authenticator, register_session
/// (a string or null, or the browser SDK's "undefined"; opaque, not used).
Fido2CreateRequest create_request_of(const nlohmann::json& body);
/// `options.credential_name` of a create complete.
std::optional<std::string> credential_name_of(const nlohmann::json& body);
/// `attestation_payload` of /register/fido2/complete and /credentials/fido2/complete.
Fido2Attestation attestation_of(const nlohmann::json& body);
/// `assertion_payload` of /authenticate/fido2/complete and /codes/{type}/generate/fido2/complete.
Fido2Assertion assertion_of(const nlohmann::json& body);
/// The flat fields of /api/tx/complete (challenge, key_handle, client_data, auth_data, sign_data).
Fido2Assertion tx_assertion_of(const nlohmann::json& body);

}  // namespace loginid::detail::emulator::http
