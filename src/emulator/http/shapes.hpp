#pragma once
// The response shapes of API.md ("Shapes") and of the admin API.

#include <nlohmann/json.hpp>

#include "emulator/service/service.hpp"

namespace loginid::detail::emulator::http {

nlohmann::json user_json(const store::User& user);
/// `user_json(user)` as the compact text write_json sends, byte for byte, without building the
/// JSON value: the user answers (users/retrieve above all) are the emulator's hottest path.
std::string user_json_text(const store::User& user);
nlohmann::json credential_json(const store::Credential& credential);
nlohmann::json auth_json(const AuthResult& result);
nlohmann::json web_settings_json(const store::WebSettings& settings);
nlohmann::json application_json(const store::Application& app);
nlohmann::json namespace_json(const store::Namespace& ns);
nlohmann::json code_json(const store::Code& code);
nlohmann::json transaction_json(const store::Transaction& tx);
nlohmann::json key_json(const store::SigningKey& key);

/// A create init's `attestation_payload` (API.md): WebAuthn's PublicKeyCredentialCreationOptions,
/// binary values base64url, plus `credential_uuid`.
nlohmann::json attestation_payload_json(const Fido2Options& options);
/// A get init's options (`assertion_payload`, or `assertion_options` of /api/tx/init):
/// PublicKeyCredentialRequestOptions, binary values base64url.
nlohmann::json assertion_payload_json(const Fido2Options& options);
/// The FIDO2 details the admin API shows beside a credential.
nlohmann::json fido2_key_json(const store::Fido2Key& key);

}  // namespace loginid::detail::emulator::http
