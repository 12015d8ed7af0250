// loginid::LoginIdManagement: the management functions of API.md (codes, credentials, users).
// Every operation is one description (operations.hpp): validate locally, build the body, sign a
// service token with the endpoint's scope, say whether it may be repeated, parse the answer
// strictly. The public functions run it with the caller's CallOptions.

#include "loginid/management.hpp"

#include <utility>

#include "client_state.hpp"
#include "operations.hpp"
#include "requests.hpp"
#include "types_parse.hpp"

namespace loginid::detail::ops {

using nlohmann::json;

// ---- codes ------------------------------------------------------------------------------------

Operation<CodeResult> generate_code(const ClientState& state, const UserRef& user, CodeType code_type,
                                    CodePurpose purpose, const GenerateCodeOptions& options) {
  json body{{"client_id", state.client_id}, {"purpose", to_string(purpose)}, {"authorize", options.authorized}};
  add_user_ref(body, user);
  return {state.scoped_call("POST", code_path(code_type, "generate"), std::move(body), "codes.generate",
                            Idempotency::creates),
          std::nullopt, [code_type, purpose](ApiResponse&& answer, const CallContext&) {
            CodeResult result = parse_answer(std::move(answer), parse_code_result);
            // Not in the answer: kept from the request so the result can be handed on whole.
            result.code_type = code_type;
            result.purpose = purpose;
            return result;
          }};
}

Operation<AuthorizeResult> authorize_code(const ClientState& state, const UserRef& user, std::string_view code,
                                          CodeType code_type, CodePurpose purpose) {
  require_text(code, "code");
  json body{{"client_id", state.client_id}, {"purpose", to_string(purpose)}, {"code", code}};
  add_user_ref(body, user);
  return {state.scoped_call("POST", code_path(code_type, "authorize"), std::move(body), "codes.authorize",
                            Idempotency::creates),
          std::nullopt, read_parsed(parse_authorize_result)};
}

Operation<InvalidateResult> invalidate_all_codes(const ClientState& state, const UserRef& user, CodeType code_type,
                                                 CodePurpose purpose) {
  json body{{"client_id", state.client_id}, {"purpose", to_string(purpose)}};
  add_user_ref(body, user);
  // Invalidating twice leaves the same state: safe to repeat.
  return {state.scoped_call("POST", code_path(code_type, "invalidate-all"), std::move(body), "codes.invalidate",
                            Idempotency::safe),
          std::nullopt, read_parsed(parse_invalidate_result)};
}

// ---- credentials ------------------------------------------------------------------------------

Operation<CredentialList> get_credentials(const ClientState& state, const UserRef& user,
                                          const std::optional<CredentialStatus>& status) {
  json body{{"client_id", state.client_id}};
  add_user_ref(body, user);
  if (status) {
    require_text(status->to_string(), "status");
    body["status"] = status->to_string();
  }
  return {state.scoped_call("POST", "/credentials/list", std::move(body), "credentials.list", Idempotency::safe),
          std::nullopt, read_parsed(parse_credential_list)};
}

Operation<CredentialResult> rename_credential(const ClientState& state, const UserRef& user,
                                              const CredentialId& credential_id, std::string_view new_name) {
  require_text(credential_id.str(), "credential_id");
  require_text(new_name, "new_name");
  json body{{"client_id", state.client_id}, {"credential", {{"uuid", credential_id.str()}, {"name", new_name}}}};
  add_user_ref(body, user);
  return {state.scoped_call("POST", "/credentials/rename", std::move(body), "credentials.rename", Idempotency::safe),
          std::nullopt, read_parsed(parse_credential_result)};
}

Operation<CredentialResult> revoke_credential(const ClientState& state, const UserRef& user,
                                              const CredentialId& credential_id) {
  require_text(credential_id.str(), "credential_id");
  json body{{"client_id", state.client_id}, {"credential", {{"uuid", credential_id.str()}}}};
  add_user_ref(body, user);
  return {state.scoped_call("POST", "/credentials/revoke", std::move(body), "credentials.revoke", Idempotency::safe),
          std::nullopt, read_parsed(parse_credential_result)};
}

Operation<AuthResult> add_publickey_credential(const ClientState& state, const UserRef& user,
                                               std::string_view public_key_pem,
                                               std::optional<std::string_view> credential_name) {
  require_text(public_key_pem, "public_key_pem");
  require_optional_text(credential_name, "credential_name");
  const PublicKey key = PublicKey::from_pem(public_key_pem);  // KeyError before anything is sent
  json body{{"client_id", state.client_id}, {"publickey_alg", "ES256"}, {"publickey", key.to_pem()}};
  add_user_ref(body, user);
  if (credential_name) body["options"] = json{{"credential_name", *credential_name}};
  const auto username = username_of(user);
  return {state.scoped_call("POST", "/credentials/publickey", std::move(body), "credentials.force_add",
                            Idempotency::creates),
          std::nullopt,
          state.auth_reader(username ? std::optional<std::string>(*username) : std::nullopt, /*require_jwt=*/false)};
}

Operation<Fido2AttestationInit> force_fido2_credential_init(const ClientState& state, const UserId& user_id,
                                                            const Fido2CredentialOptions& options) {
  require_text(user_id.str(), "user_id");
  json body{{"client_id", state.client_id}, {"user_id", user_id.str()}};
  if (auto sent = fido2_create_options(options)) body["options"] = std::move(*sent);
  // Safe to repeat: another init only issues another challenge; nothing is added before the complete.
  return {state.scoped_call("POST", "/credentials/fido2/init/force", std::move(body), "credentials.force_add",
                            Idempotency::safe),
          std::nullopt, read_parsed(parse_fido2_attestation_init)};
}

Operation<RecoveryCode> generate_recovery_code(const ClientState& state, const UserRef& user) {
  json body{{"client_id", state.client_id}};
  add_user_ref(body, user);
  return {state.scoped_call("POST", "/credentials/recovery-code", std::move(body), "credentials.add_recovery",
                            Idempotency::creates),
          std::nullopt, read_parsed(parse_recovery_code)};
}

// ---- users ------------------------------------------------------------------------------------

Operation<User> get_user(const ClientState& state, const Username& username) {
  require_text(username.str(), "username");
  return {state.scoped_call("POST", "/manage/users/retrieve", json{{"username", username.str()}}, "users.retrieve",
                            Idempotency::safe),
          std::nullopt, read_parsed(parse_user)};
}

Operation<UserId> get_user_id(const ClientState& state, const Username& username) {
  return with_reader<UserId>(get_user(state, username), [](const auto& read, ApiResponse&& answer, const CallContext& context) {
    return UserId(read(std::move(answer), context).id);
  });
}

Operation<User> add_user_without_credentials(const ClientState& state, const Username& username) {
  require_text(username.str(), "username");
  return {state.scoped_call("POST", "/manage/users", json{{"username", username.str()}}, "users.create",
                            Idempotency::creates),
          std::nullopt, read_parsed(parse_user)};
}

Operation<User> deactivate_user(const ClientState& state, const UserId& user_id) {
  return {state.scoped_call("PUT", user_path(user_id, "/deactivate"), std::nullopt, "users.deactivate",
                            Idempotency::safe),
          std::nullopt, read_parsed(parse_user)};
}

Operation<User> activate_user(const ClientState& state, const UserId& user_id) {
  return {state.scoped_call("PUT", user_path(user_id, "/activate"), std::nullopt, "users.activate", Idempotency::safe),
          std::nullopt, read_parsed(parse_user)};
}

namespace {
void read_nothing(ApiResponse&& /*answer*/, const CallContext& /*context*/) {}
}  // namespace

Operation<void> delete_by_user_id(const ClientState& state, const UserId& user_id) {
  return {state.scoped_call("DELETE", user_path(user_id), std::nullopt, "users.delete", Idempotency::safe),
          std::nullopt, read_nothing};
}

Operation<void> delete_by_username(const ClientState& state, const Username& username) {
  require_text(username.str(), "username");
  return {state.scoped_call("POST", "/manage/users/delete", json{{"username", username.str()}}, "users.delete",
                            Idempotency::safe),
          std::nullopt, read_nothing};
}

}  // namespace loginid::detail::ops

namespace loginid::inline v1 {

namespace {

SecretString require_pem(SecretString pem) {
  if (pem.empty()) {
    throw InvalidArgument("private_key_pem: LoginIdManagement needs the management application's private key");
  }
  return pem;
}

}  // namespace

namespace ops = detail::ops;

LoginIdManagement::LoginIdManagement(std::string client_id, SecretString private_key_pem, Options options)
    : LoginID(std::move(client_id), require_pem(std::move(private_key_pem)), std::move(options)) {}

LoginIdManagement::LoginIdManagement(std::string client_id, PrivateKey private_key, Options options)
    : LoginID(std::move(client_id), std::move(private_key), std::move(options)) {}

CodeResult LoginIdManagement::generate_code(const UserRef& user, CodeType code_type, CodePurpose purpose,
                                            const GenerateCodeOptions& options, const CallOptions& call) const {
  return state().run(ops::generate_code(state(), user, code_type, purpose, options), call);
}

AuthorizeResult LoginIdManagement::authorize_code(const UserRef& user, const CodeResult& code,
                                                  const CallOptions& call) const {
  return authorize_code(user, code.code, code.code_type, code.purpose, call);
}

AuthorizeResult LoginIdManagement::authorize_code(const UserRef& user, std::string_view code, CodeType code_type,
                                                  CodePurpose purpose, const CallOptions& call) const {
  return state().run(ops::authorize_code(state(), user, code, code_type, purpose), call);
}

InvalidateResult LoginIdManagement::invalidate_all_codes(const UserRef& user, CodeType code_type, CodePurpose purpose,
                                                         const CallOptions& call) const {
  return state().run(ops::invalidate_all_codes(state(), user, code_type, purpose), call);
}

CredentialList LoginIdManagement::get_credentials(const UserRef& user, const std::optional<CredentialStatus>& status,
                                                  const CallOptions& call) const {
  return state().run(ops::get_credentials(state(), user, status), call);
}

CredentialResult LoginIdManagement::rename_credential(const UserRef& user, const CredentialId& credential_id,
                                                      std::string_view new_name, const CallOptions& call) const {
  return state().run(ops::rename_credential(state(), user, credential_id, new_name), call);
}

CredentialResult LoginIdManagement::revoke_credential(const UserRef& user, const CredentialId& credential_id,
                                                      const CallOptions& call) const {
  return state().run(ops::revoke_credential(state(), user, credential_id), call);
}

AuthResult LoginIdManagement::add_publickey_credential(const UserRef& user, std::string_view public_key_pem,
                                                       std::optional<std::string_view> credential_name,
                                                       const CallOptions& call) const {
  return state().run(ops::add_publickey_credential(state(), user, public_key_pem, credential_name), call);
}

Fido2AttestationInit LoginIdManagement::force_fido2_credential_init(const UserId& user_id,
                                                                   const Fido2CredentialOptions& options,
                                                                   const CallOptions& call) const {
  return state().run(ops::force_fido2_credential_init(state(), user_id, options), call);
}

RecoveryCode LoginIdManagement::generate_recovery_code(const UserRef& user, const CallOptions& call) const {
  return state().run(ops::generate_recovery_code(state(), user), call);
}

User LoginIdManagement::get_user(const Username& username, const CallOptions& call) const {
  return state().run(ops::get_user(state(), username), call);
}

UserId LoginIdManagement::get_user_id(const Username& username, const CallOptions& call) const {
  return state().run(ops::get_user_id(state(), username), call);
}

User LoginIdManagement::add_user_without_credentials(const Username& username, const CallOptions& call) const {
  return state().run(ops::add_user_without_credentials(state(), username), call);
}

User LoginIdManagement::deactivate_user(const UserId& user_id, const CallOptions& call) const {
  return state().run(ops::deactivate_user(state(), user_id), call);
}

User LoginIdManagement::activate_user(const UserId& user_id, const CallOptions& call) const {
  return state().run(ops::activate_user(state(), user_id), call);
}

void LoginIdManagement::delete_by_user_id(const UserId& user_id, const CallOptions& call) const {
  state().run(ops::delete_by_user_id(state(), user_id), call);
}

void LoginIdManagement::delete_by_username(const Username& username, const CallOptions& call) const {
  state().run(ops::delete_by_username(state(), username), call);
}

}  // namespace loginid::inline v1
