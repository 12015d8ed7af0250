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

CodeResult LoginIdManagement::generate_code(const UserRef& user, CodeType code_type, CodePurpose purpose,
                                            const GenerateCodeOptions& options) const {
  json body{{"client_id", client_id()}, {"purpose", to_string(purpose)}, {"authorize", options.authorized}};
  detail::add_user_ref(body, user);
  auto answer = state().call_scoped("POST", detail::code_path(code_type, "generate"), std::move(body),
                                    "codes.generate", Idempotency::creates);
  CodeResult result = detail::parse_answer(std::move(answer), detail::parse_code_result);
  // Not in the answer: kept from the request so the result can be handed on whole.
  result.code_type = code_type;
  result.purpose = purpose;
  return result;
}

AuthorizeResult LoginIdManagement::authorize_code(const UserRef& user, const CodeResult& code) const {
  return authorize_code(user, code.code, code.code_type, code.purpose);
}

AuthorizeResult LoginIdManagement::authorize_code(const UserRef& user, std::string_view code, CodeType code_type,
                                                  CodePurpose purpose) const {
  detail::require_text(code, "code");
  json body{{"client_id", client_id()}, {"purpose", to_string(purpose)}, {"code", code}};
  detail::add_user_ref(body, user);
  auto answer = state().call_scoped("POST", detail::code_path(code_type, "authorize"), std::move(body),
                                    "codes.authorize", Idempotency::creates);
  return detail::parse_answer(std::move(answer), detail::parse_authorize_result);
}

InvalidateResult LoginIdManagement::invalidate_all_codes(const UserRef& user, CodeType code_type,
                                                         CodePurpose purpose) const {
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

CredentialResult LoginIdManagement::rename_credential(const UserRef& user, const CredentialId& credential_id,
                                                      std::string_view new_name) const {
  detail::require_text(credential_id.str(), "credential_id");
  detail::require_text(new_name, "new_name");
  json body{{"client_id", client_id()}, {"credential", {{"uuid", credential_id.str()}, {"name", new_name}}}};
  detail::add_user_ref(body, user);
  auto answer =
      state().call_scoped("POST", "/credentials/rename", std::move(body), "credentials.rename", Idempotency::safe);
  return detail::parse_answer(std::move(answer), detail::parse_credential_result);
}

CredentialResult LoginIdManagement::revoke_credential(const UserRef& user, const CredentialId& credential_id) const {
  detail::require_text(credential_id.str(), "credential_id");
  json body{{"client_id", client_id()}, {"credential", {{"uuid", credential_id.str()}}}};
  detail::add_user_ref(body, user);
  auto answer =
      state().call_scoped("POST", "/credentials/revoke", std::move(body), "credentials.revoke", Idempotency::safe);
  return detail::parse_answer(std::move(answer), detail::parse_credential_result);
}

AuthResult LoginIdManagement::add_publickey_credential(const UserRef& user, std::string_view public_key_pem,
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

Fido2AttestationInit LoginIdManagement::force_fido2_credential_init(const UserId& user_id,
                                                                   const Fido2CredentialOptions& options) const {
  detail::require_text(user_id.str(), "user_id");
  json body{{"client_id", client_id()}, {"user_id", user_id.str()}};
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

User LoginIdManagement::get_user(const Username& username) const {
  detail::require_text(username.str(), "username");
  auto answer = state().call_scoped("POST", "/manage/users/retrieve", json{{"username", username.str()}}, "users.retrieve",
                                    Idempotency::safe);
  return detail::parse_answer(std::move(answer), detail::parse_user);
}

UserId LoginIdManagement::get_user_id(const Username& username) const { return UserId(get_user(username).id); }

User LoginIdManagement::add_user_without_credentials(const Username& username) const {
  detail::require_text(username.str(), "username");
  auto answer = state().call_scoped("POST", "/manage/users", json{{"username", username.str()}}, "users.create",
                                    Idempotency::creates);
  return detail::parse_answer(std::move(answer), detail::parse_user);
}

User LoginIdManagement::deactivate_user(const UserId& user_id) const {
  auto answer = state().call_scoped("PUT", detail::user_path(user_id, "/deactivate"), std::nullopt,
                                    "users.deactivate", Idempotency::safe);
  return detail::parse_answer(std::move(answer), detail::parse_user);
}

User LoginIdManagement::activate_user(const UserId& user_id) const {
  auto answer = state().call_scoped("PUT", detail::user_path(user_id, "/activate"), std::nullopt, "users.activate",
                                    Idempotency::safe);
  return detail::parse_answer(std::move(answer), detail::parse_user);
}

void LoginIdManagement::delete_by_user_id(const UserId& user_id) const {
  (void)state().call_scoped("DELETE", detail::user_path(user_id), std::nullopt, "users.delete", Idempotency::safe);
}

void LoginIdManagement::delete_by_username(const Username& username) const {
  detail::require_text(username.str(), "username");
  (void)state().call_scoped("POST", "/manage/users/delete", json{{"username", username.str()}}, "users.delete",
                            Idempotency::safe);
}

}  // namespace loginid::inline v1
