#include "emulator/http/shapes.hpp"

#include <algorithm>
#include <string>

#include "emulator/service/util.hpp"

namespace loginid::detail::emulator::http {

nlohmann::json user_json(const store::User& user) {
  return {{"id", user.id},
          {"username", user.username},
          {"status", user.status},
          {"namespace_id", user.namespace_id},
          {"client_id", user.client_id},
          {"type", "user"},
          {"contacts", nlohmann::json::array()},  // the emulator keeps no contacts (emails, phones)
          {"created_at", format_rfc3339(user.created_at)},
          {"updated_at", format_rfc3339(user.updated_at)}};
}

namespace {

/// Appends `value` as a JSON string, as nlohmann's dump (ensure_ascii off, invalid UTF-8 replaced)
/// writes it. Plain printable ASCII, which every field but a username nearly always is, is copied
/// as it is; anything else goes through nlohmann.
void append_json_string(std::string& out, const std::string& value) {
  const bool plain = std::all_of(value.begin(), value.end(), [](char c) {
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  });
  if (!plain) {
    out += nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  out.push_back('"');
  out += value;
  out.push_back('"');
}

}  // namespace

std::string user_json_text(const store::User& user) {
  // The members in nlohmann's order (sorted by name), so both forms are the same bytes.
  std::string out;
  out.reserve(320 + user.username.size());
  out += R"({"client_id":)";
  append_json_string(out, user.client_id);
  out += R"(,"contacts":[],"created_at":)";
  append_json_string(out, format_rfc3339(user.created_at));
  out += R"(,"id":)";
  append_json_string(out, user.id);
  out += R"(,"namespace_id":)";
  append_json_string(out, user.namespace_id);
  out += R"(,"status":)";
  append_json_string(out, user.status);
  out += R"(,"type":"user","updated_at":)";
  append_json_string(out, format_rfc3339(user.updated_at));
  out += R"(,"username":)";
  append_json_string(out, user.username);
  out.push_back('}');
  return out;
}

nlohmann::json credential_json(const store::Credential& credential) {
  return {{"uuid", credential.uuid},
          {"type", credential.type},
          {"status", credential.status},
          {"name", credential.name},
          {"created_at", format_rfc3339(credential.created_at)},
          {"updated_at", format_rfc3339(credential.updated_at)}};
}

nlohmann::json auth_json(const AuthResult& result) {
  nlohmann::json out = {
      {"is_authenticated", true},
      {"user", {{"id", result.user.id}, {"username", result.user.username}, {"namespace_id", result.user.namespace_id}}},
      {"client", {{"id", result.client.client_id}, {"type", result.client.type}}},
  };
  if (result.jwt) out["jwt"] = *result.jwt;
  if (result.credential) {
    out["credential"] = {
        {"uuid", result.credential->uuid}, {"type", result.credential->type}, {"name", result.credential->name}};
  }
  return out;
}

nlohmann::json web_settings_json(const store::WebSettings& settings) {
  return {{"rp_id", settings.rp_id},
          {"rp_name", settings.rp_name},
          {"allowed_origins", settings.allowed_origins},
          {"public_init", settings.public_init}};
}

nlohmann::json application_json(const store::Application& app) {
  return {{"client_id", app.client_id},
          {"type", app.type},
          {"namespace_id", app.namespace_id},
          {"name", app.name},
          {"public_key", app.public_key_pem},
          {"created_at", format_rfc3339(app.created_at)},
          {"web_settings", web_settings_json(app.web_settings)}};
}

nlohmann::json namespace_json(const store::Namespace& ns) {
  return {{"id", ns.id}, {"name", ns.name}, {"created_at", format_rfc3339(ns.created_at)}};
}

nlohmann::json code_json(const store::Code& code) {
  return {{"user_id", code.user_id},
          {"type", code.code_type},
          {"purpose", code.purpose},
          {"code", code.code},
          {"is_authorized", code.is_authorized},
          {"expires_at", format_rfc3339(code.expires_at)},
          {"created_at", format_rfc3339(code.created_at)}};
}

nlohmann::json transaction_json(const store::Transaction& tx) {
  nlohmann::json out = {{"id", tx.id},
                        {"client_id", tx.client_id},
                        {"namespace_id", tx.namespace_id},
                        {"tx_type", tx.tx_type},
                        {"tx_payload", tx.tx_payload},
                        {"nonce", tx.nonce},
                        {"status", tx.status},
                        {"created_at", format_rfc3339(tx.created_at)}};
  if (tx.username) out["username"] = *tx.username;
  return out;
}

nlohmann::json key_json(const store::SigningKey& key) {
  return {{"kid", key.kid},
          {"active", key.active},
          {"public_key", key.public_key_pem},
          {"created_at", format_rfc3339(key.created_at)}};
}

namespace {

nlohmann::json descriptors_json(const std::vector<store::Fido2Key>& keys) {
  auto out = nlohmann::json::array();
  for (const auto& key : keys) {
    nlohmann::json descriptor = {{"id", key.credential_id}, {"type", "public-key"}};
    if (!key.transports.empty()) descriptor["transports"] = key.transports;
    out.push_back(std::move(descriptor));
  }
  return out;
}

}  // namespace

nlohmann::json attestation_payload_json(const Fido2Options& options) {
  auto params = nlohmann::json::array();
  for (int alg : options.algorithms) params.push_back({{"type", "public-key"}, {"alg", alg}});
  nlohmann::json selection = {{"residentKey", "preferred"},
                              {"requireResidentKey", false},
                              {"userVerification", options.user_verification}};
  if (options.authenticator_attachment) selection["authenticatorAttachment"] = *options.authenticator_attachment;
  return {{"credential_uuid", options.credential_uuid.value_or("")},
          {"challenge", options.challenge},
          {"rp", {{"id", options.rp_id}, {"name", options.rp_name}}},
          {"user", {{"id", options.user_handle}, {"name", options.user_name}, {"displayName", options.user_display_name}}},
          {"pubKeyCredParams", params},
          {"timeout", options.timeout_ms},
          {"attestation", "none"},
          {"authenticatorSelection", selection},
          {"excludeCredentials", descriptors_json(options.credentials)}};
}

nlohmann::json assertion_payload_json(const Fido2Options& options) {
  return {{"challenge", options.challenge},
          {"rpId", options.rp_id},
          {"allowCredentials", descriptors_json(options.credentials)},
          {"timeout", options.timeout_ms},
          {"userVerification", options.user_verification}};
}

nlohmann::json fido2_key_json(const store::Fido2Key& key) {
  nlohmann::json out = {{"credential_id", key.credential_id},
                        {"rp_id", key.rp_id},
                        {"aaguid", key.aaguid},
                        {"alg", key.alg},
                        {"sign_count", key.sign_count},
                        {"transports", key.transports},
                        {"attestation_fmt", key.attestation_fmt},
                        {"backup_eligible", key.backup_eligible},
                        {"backup_state", key.backup_state},
                        {"last_used_at", nullptr}};
  if (key.last_used_at) out["last_used_at"] = format_rfc3339(*key.last_used_at);
  return out;
}

}  // namespace loginid::detail::emulator::http
