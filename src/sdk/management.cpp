// loginid::LoginIdManagement: the management functions of API.md (codes, credentials, users).
// Every call: validate locally, build the body, sign a service token with the endpoint's scope,
// send through the pipeline with the right idempotency, parse the answer strictly.

#include "loginid/management.hpp"

#include <utility>

#include "client_state.hpp"
#include "requests.hpp"
#include "types_parse.hpp"

namespace loginid::inline v1 {

namespace {

using detail::Idempotency;
using nlohmann::json;

SecretString require_pem(SecretString pem) {
  if (pem.empty()) {
    throw InvalidArgument("private_key_pem: LoginIdManagement needs the management application's private key");
  }
  return pem;
}

}  // namespace

LoginIdManagement::LoginIdManagement(std::string client_id, SecretString private_key_pem, Options options)
    : LoginID(std::move(client_id), require_pem(std::move(private_key_pem)), std::move(options)) {}

LoginIdManagement::LoginIdManagement(std::string client_id, PrivateKey private_key, Options options)
    : LoginID(std::move(client_id), std::move(private_key), std::move(options)) {}

// ---- codes ------------------------------------------------------------------------------------

CodeResult LoginIdManagement::generate_code(CodeType code_type, CodePurpose purpose, bool is_authorized,
                                            const UserRef& user) const {
  json body{{"client_id", client_id()}, {"purpose", to_string(purpose)}, {"authorize", is_authorized}};
  detail::add_user_ref(body, user);
  auto answer = state().call_scoped("POST", detail::code_path(code_type, "generate"), std::move(body),
                                    "codes.generate", Idempotency::creates);
  return detail::parse_answer(std::move(answer), detail::parse_code_result);
}

AuthorizeResult LoginIdManagement::authorize_code(std::string_view code, CodeType code_type, CodePurpose purpose,
                                                  const UserRef& user) const {
  detail::require_text(code, "code");
  json body{{"client_id", client_id()}, {"purpose", to_string(purpose)}, {"code", code}};
  detail::add_user_ref(body, user);
  auto answer = state().call_scoped("POST", detail::code_path(code_type, "authorize"), std::move(body),
                                    "codes.authorize", Idempotency::creates);
  return detail::parse_answer(std::move(answer), detail::parse_authorize_result);
}

InvalidateResult LoginIdManagement::invalidate_all_codes(CodeType code_type, CodePurpose purpose,
                                                         const UserRef& user) const {
  json body{{"client_id", client_id()}, {"purpose", to_string(purpose)}};
  detail::add_user_ref(body, user);
  // Invalidating twice leaves the same state: safe to repeat.
  auto answer = state().call_scoped("POST", detail::code_path(code_type, "invalidate-all"), std::move(body),
                                    "codes.invalidate", Idempotency::safe);
  return detail::parse_answer(std::move(answer), detail::parse_invalidate_result);
}

// ---- credentials ------------------------------------------------------------------------------

CredentialList LoginIdManagement::get_credentials(const UserRef& user, const std::optional<CredentialStatus>& status) const {
  json body{{"client_id", client_id()}};
  detail::add_user_ref(body, user);
  if (status) {
    detail::require_text(status->to_string(), "status");
    body["status"] = status->to_string();
  }
  auto answer = state().call_scoped("POST", "/credentials/list", std::move(body), "credentials.list", Idempotency::safe);
  return detail::parse_answer(std::move(answer), detail::parse_credential_list);
}

CredentialResult LoginIdManagement::rename_credential(std::string_view credential_id, std::string_view new_name,
                                                      const UserRef& user) const {
  detail::require_text(credential_id, "credential_id");
  detail::require_text(new_name, "new_name");
  json body{{"client_id", client_id()}, {"credential", {{"uuid", credential_id}, {"name", new_name}}}};
  detail::add_user_ref(body, user);
  auto answer =
      state().call_scoped("POST", "/credentials/rename", std::move(body), "credentials.rename", Idempotency::safe);
  return detail::parse_answer(std::move(answer), detail::parse_credential_result);
}

CredentialResult LoginIdManagement::revoke_credential(std::string_view credential_id, const UserRef& user) const {
  detail::require_text(credential_id, "credential_id");
  json body{{"client_id", client_id()}, {"credential", {{"uuid", credential_id}}}};
  detail::add_user_ref(body, user);
  auto answer =
      state().call_scoped("POST", "/credentials/revoke", std::move(body), "credentials.revoke", Idempotency::safe);
  return detail::parse_answer(std::move(answer), detail::parse_credential_result);
}

AuthResult LoginIdManagement::add_publickey_credential(std::string_view public_key_pem, const UserRef& user,
                                                       std::optional<std::string_view> credential_name) const {
  detail::require_text(public_key_pem, "public_key_pem");
  detail::require_optional_text(credential_name, "credential_name");
  const PublicKey key = PublicKey::from_pem(public_key_pem);  // KeyError before anything is sent
  json body{{"client_id", client_id()}, {"publickey_alg", "ES256"}, {"publickey", key.to_pem()}};
  detail::add_user_ref(body, user);
  if (credential_name) body["options"] = json{{"credential_name", *credential_name}};
  auto answer = state().call_scoped("POST", "/credentials/publickey", std::move(body), "credentials.force_add",
                                    Idempotency::creates);
  return state().verified_auth_result(std::move(answer), detail::username_of(user));
}

Fido2AttestationInit LoginIdManagement::force_fido2_credential_init(std::string_view user_id,
                                                                   const Fido2CredentialOptions& options) const {
  detail::require_text(user_id, "user_id");
  json body{{"client_id", client_id()}, {"user_id", user_id}};
  if (auto sent = detail::fido2_create_options(options)) body["options"] = std::move(*sent);
  // Safe to repeat: another init only issues another challenge; nothing is added before the complete.
  auto answer = state().call_scoped("POST", "/credentials/fido2/init/force", std::move(body), "credentials.force_add",
                                    Idempotency::safe);
  return detail::parse_answer(std::move(answer), detail::parse_fido2_attestation_init);
}

RecoveryCode LoginIdManagement::generate_recovery_code(const UserRef& user) const {
  json body{{"client_id", client_id()}};
  detail::add_user_ref(body, user);
  auto answer = state().call_scoped("POST", "/credentials/recovery-code", std::move(body), "credentials.add_recovery",
                                    Idempotency::creates);
  return detail::parse_answer(std::move(answer), detail::parse_recovery_code);
}

// ---- users ------------------------------------------------------------------------------------

User LoginIdManagement::get_user(std::string_view username) const {
  detail::require_text(username, "username");
  auto answer = state().call_scoped("POST", "/manage/users/retrieve", json{{"username", username}}, "users.retrieve",
                                    Idempotency::safe);
  return detail::parse_answer(std::move(answer), detail::parse_user);
}

std::string LoginIdManagement::get_user_id(std::string_view username) const { return get_user(username).id; }

User LoginIdManagement::add_user_without_credentials(std::string_view username) const {
  detail::require_text(username, "username");
  auto answer = state().call_scoped("POST", "/manage/users", json{{"username", username}}, "users.create",
                                    Idempotency::creates);
  return detail::parse_answer(std::move(answer), detail::parse_user);
}

User LoginIdManagement::deactivate_user(std::string_view user_id) const {
  auto answer = state().call_scoped("PUT", detail::user_path(user_id, "/deactivate"), std::nullopt,
                                    "users.deactivate", Idempotency::safe);
  return detail::parse_answer(std::move(answer), detail::parse_user);
}

User LoginIdManagement::activate_user(std::string_view user_id) const {
  auto answer = state().call_scoped("PUT", detail::user_path(user_id, "/activate"), std::nullopt, "users.activate",
                                    Idempotency::safe);
  return detail::parse_answer(std::move(answer), detail::parse_user);
}

void LoginIdManagement::delete_by_user_id(std::string_view user_id) const {
  (void)state().call_scoped("DELETE", detail::user_path(user_id), std::nullopt, "users.delete", Idempotency::safe);
}

void LoginIdManagement::delete_by_username(std::string_view username) const {
  detail::require_text(username, "username");
  (void)state().call_scoped("POST", "/manage/users/delete", json{{"username", username}}, "users.delete",
                            Idempotency::safe);
}

}  // namespace loginid::inline v1
