#include "emulator/http/fido2_input.hpp"

#include "emulator/http/json_input.hpp"
#include "jose/base64url.hpp"
#include "webauthn/limits.hpp"

namespace loginid::detail::emulator::http {
namespace {

namespace limits = loginid::webauthn::limits;

[[noreturn]] void bad(const std::string& message) { throw ApiError(Errc::bad_request, message); }

/// A required base64url field, decoded. Padding is tolerated (some backends' encoders add it).
std::string binary_field(const nlohmann::json& object, const char* name, const std::string& prefix,
                         std::size_t max_bytes) {
  auto text = required_string(object, name, prefix);
  while (!text.empty() && text.back() == '=') text.pop_back();
  if (text.empty()) bad(prefix + name + ": must not be empty");
  if (text.size() > (max_bytes * 4 + 2) / 3) bad(prefix + name + ": longer than " + std::to_string(max_bytes) + " bytes");
  auto bytes = base64url_decode(text);
  if (!bytes) bad(prefix + name + ": not base64url");
  return std::move(*bytes);
}

std::string challenge_field(const nlohmann::json& object, const std::string& prefix) {
  auto challenge = required_string(object, "challenge", prefix);
  if (challenge.empty()) bad(prefix + "challenge: must not be empty");
  return challenge;
}

}  // namespace

Fido2CreateRequest create_request_of(const nlohmann::json& body) {
  Fido2CreateRequest request;
  const auto* options = optional_object(body, "options");
  if (options == nullptr) return request;
  request.display_name = optional_string(*options, "display_name", "options.");
  request.override_name = optional_string(*options, "override_name", "options.");
  request.roaming_authenticator = optional_bool(*options, "roaming_authenticator", "options.").value_or(false);
  if (auto session = optional_string(*options, "register_session", "options."); session && session->size() > 1024) {
    bad("options.register_session: longer than 1024 characters");
  }
  return request;
}

std::optional<std::string> credential_name_of(const nlohmann::json& body) {
  const auto* options = optional_object(body, "options");
  if (options == nullptr) return std::nullopt;
  return optional_string(*options, "credential_name", "options.");
}

Fido2Attestation attestation_of(const nlohmann::json& body) {
  const std::string prefix = "attestation_payload.";
  const auto& payload = required_object(body, "attestation_payload");
  Fido2Attestation out;
  out.names = {prefix + "client_data", prefix + "attestation_data", prefix + "attestation_data",
               prefix + "credential_id"};
  out.challenge = challenge_field(payload, prefix);
  out.credential_uuid = required_string(payload, "credential_uuid", prefix);
  out.credential_id = binary_field(payload, "credential_id", prefix, limits::kMaxCredentialIdBytes);
  out.client_data_json = binary_field(payload, "client_data", prefix, limits::kMaxClientDataJsonBytes);
  out.attestation_object = binary_field(payload, "attestation_data", prefix, limits::kMaxAttestationObjectBytes);
  if (auto it = payload.find("transports"); it != payload.end() && !it->is_null()) {
    if (!it->is_array()) bad(prefix + "transports: must be an array of strings");
    for (const auto& transport : *it) {
      if (!transport.is_string()) bad(prefix + "transports: must be an array of strings");
      out.transports.push_back(transport.get<std::string>());
    }
  }
  return out;
}

Fido2Assertion assertion_of(const nlohmann::json& body) {
  const std::string prefix = "assertion_payload.";
  const auto& payload = required_object(body, "assertion_payload");
  Fido2Assertion out;
  out.names = {prefix + "client_data", prefix + "authenticator_data", prefix + "signature", prefix + "credential_id"};
  out.challenge = challenge_field(payload, prefix);
  out.credential_id = binary_field(payload, "credential_id", prefix, limits::kMaxCredentialIdBytes);
  out.client_data_json = binary_field(payload, "client_data", prefix, limits::kMaxClientDataJsonBytes);
  out.authenticator_data = binary_field(payload, "authenticator_data", prefix, limits::kMaxAuthenticatorDataBytes);
  out.signature = binary_field(payload, "signature", prefix, limits::kMaxSignatureBytes);
  return out;
}

Fido2Assertion tx_assertion_of(const nlohmann::json& body) {
  Fido2Assertion out;
  out.names = {"client_data", "auth_data", "sign_data", "key_handle"};
  out.challenge = challenge_field(body, "");
  out.credential_id = binary_field(body, "key_handle", "", limits::kMaxCredentialIdBytes);
  out.client_data_json = binary_field(body, "client_data", "", limits::kMaxClientDataJsonBytes);
  out.authenticator_data = binary_field(body, "auth_data", "", limits::kMaxAuthenticatorDataBytes);
  out.signature = binary_field(body, "sign_data", "", limits::kMaxSignatureBytes);
  return out;
}

}  // namespace loginid::detail::emulator::http
