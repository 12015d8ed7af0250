// The public async API (loginid/async.hpp): each function builds the operation of its blocking
// twin (operations.hpp) with the same arguments and runs it on the loop (async_client.hpp).

#include "loginid/async.hpp"

#include "jose/jwt_json.hpp"
#include "sdk/async/async_client.hpp"
#include "sdk/async/async_engine.hpp"
#include "sdk/async/inline_transport.hpp"
#include "sdk/curl_easy_setup.hpp"
#include "sdk/operations.hpp"

namespace loginid::detail {
namespace {

AsyncCaller::TransportFactory transport_for(const ServiceClient& service) {
  const auto& transport = service.options().transport;
  if (auto curl = curl_transport_options(*transport)) {
    if (!curl->ca_bundle) curl->ca_bundle = service.options().ca_bundle;
    return AsyncCaller::curl(std::move(*curl));
  }
  return inline_transport(transport);
}

// A token verification as an operation that sends nothing: on the loop thread, through the
// client's verifier and key cache, with the call's limits. `tx_payload` set: verify_transaction.
// The claims, or the TokenError (Cancelled) the blocking function throws.
Operation<Claims> verification(const ClientState& state, std::string name, std::string_view token,
                               const std::optional<Username>& username, std::optional<std::string_view> tx_payload) {
  TokenExpectations expect{state.client_id, username ? std::optional<std::string>(username->str()) : std::nullopt};
  return local_operation<Claims>(
      std::move(name),
      [&state, token = std::string(token), expect = std::move(expect),
       tx_payload = tx_payload ? std::optional<std::string>(*tx_payload) : std::nullopt](
          ApiResponse&&, const CallContext& context) {
        std::error_code ec;
        auto claims = tx_payload ? state.verifier->verify_transaction(token, *tx_payload, expect, ec, context)
                                 : state.verifier->verify(token, expect, ec, context);
        if (!claims) throw_token_error(ec);
        return std::move(*claims);
      });
}

// verify_token / verify_transaction: false where the blocking function returns false, but the
// call's cancellation is Cancelled, as for every async call.
Operation<bool> verified(Operation<Claims> claims_of) {
  return with_reader<bool>(std::move(claims_of), [](const auto& read, ApiResponse&& answer, const CallContext& context) {
    try {
      (void)read(std::move(answer), context);
      return true;
    } catch (const Cancelled&) {
      throw;
    } catch (const TokenError&) {
      return false;
    }
  });
}

}  // namespace

AsyncClient::AsyncClient(std::shared_ptr<const ClientState> client_state, std::shared_ptr<AsyncEngine> engine)
    : state(std::move(client_state)),
      key_fetches(state->verifier->keys()),
      caller(std::make_unique<AsyncCaller>(state->service, std::move(engine), transport_for(*state->service))) {}

}  // namespace loginid::detail

namespace loginid::inline v1 {

using detail::async_call;
using detail::ClientState;
namespace ops = detail::ops;

AsyncRuntime::AsyncRuntime() : engine_(std::make_shared<detail::AsyncEngine>()) {}
AsyncRuntime::~AsyncRuntime() = default;
AsyncRuntime::AsyncRuntime(const AsyncRuntime&) = default;
AsyncRuntime& AsyncRuntime::operator=(const AsyncRuntime&) = default;
AsyncRuntime::AsyncRuntime(AsyncRuntime&&) noexcept = default;
AsyncRuntime& AsyncRuntime::operator=(AsyncRuntime&&) noexcept = default;
bool AsyncRuntime::in_loop_thread() const noexcept { return engine_ && engine_->loop().in_loop_thread(); }

// ---- AsyncLoginID -------------------------------------------------------------------------------

AsyncLoginID::AsyncLoginID(const LoginID& client, const AsyncRuntime& runtime)
    : client_(std::make_shared<detail::AsyncClient>(client.state_, runtime.engine_)) {}
AsyncLoginID::~AsyncLoginID() = default;
AsyncLoginID::AsyncLoginID(AsyncLoginID&&) noexcept = default;
AsyncLoginID& AsyncLoginID::operator=(AsyncLoginID&&) noexcept = default;
std::size_t AsyncLoginID::in_flight() const { return client_->caller->in_flight(); }

AsyncCall<bool> AsyncLoginID::verify_token(std::string_view token, const std::optional<Username>& username,
                                           const CallOptions& call) const {
  return async_call<bool>(
      client_,
      [&](const ClientState& s) { return detail::verified(detail::verification(s, "verify_token", token, username, {})); },
      call);
}

AsyncCall<Claims> AsyncLoginID::verify_token_claims(std::string_view token, const std::optional<Username>& username,
                                                    const CallOptions& call) const {
  return async_call<Claims>(
      client_, [&](const ClientState& s) { return detail::verification(s, "verify_token_claims", token, username, {}); },
      call);
}

AsyncCall<bool> AsyncLoginID::verify_transaction(std::string_view tx_token, std::string_view tx_payload,
                                                 const CallOptions& call) const {
  return async_call<bool>(
      client_,
      [&](const ClientState& s) {
        return detail::verified(detail::verification(s, "verify_transaction", tx_token, std::nullopt, tx_payload));
      },
      call);
}

AsyncCall<Claims> AsyncLoginID::verify_transaction_claims(std::string_view tx_token, std::string_view tx_payload,
                                                          const CallOptions& call) const {
  return async_call<Claims>(
      client_,
      [&](const ClientState& s) {
        return detail::verification(s, "verify_transaction_claims", tx_token, std::nullopt, tx_payload);
      },
      call);
}

AsyncCall<TxResult> AsyncLoginID::create_transaction(std::string_view tx_payload, const TxOptions& options,
                                                     const CallOptions& call) const {
  return async_call<TxResult>(client_, [&](const ClientState& s) { return ops::create_transaction(s, tx_payload, options); },
                              call);
}

AsyncCall<AuthResult> AsyncLoginID::wait_code(const Username& username, std::string_view code, CodeType code_type,
                                              const WaitCodeOptions& options, const CallOptions& call) const {
  return async_call<AuthResult>(
      client_, [&](const ClientState& s) { return ops::wait_code(s, username, code, code_type, options); }, call);
}

AsyncCall<AuthResult> AsyncLoginID::wait_code(const Username& username, const CodeResult& code,
                                              const WaitCodeOptions& options, const CallOptions& call) const {
  return wait_code(username, code.code, code.code_type, options, call);
}

AsyncCall<AuthResult> AsyncLoginID::register_password(const Username& username, std::string_view password,
                                                      std::optional<std::string_view> password_confirmation,
                                                      const CallOptions& call) const {
  return async_call<AuthResult>(
      client_, [&](const ClientState& s) { return ops::register_password(s, username, password, password_confirmation); },
      call);
}

AsyncCall<AuthResult> AsyncLoginID::authenticate_password(const Username& username, std::string_view password,
                                                          const CallOptions& call) const {
  return async_call<AuthResult>(
      client_, [&](const ClientState& s) { return ops::authenticate_password(s, username, password); }, call);
}

AsyncCall<PublicKeyChallenge> AsyncLoginID::authenticate_publickey_init(const Username& username,
                                                                        std::string_view public_key_pem,
                                                                        const CallOptions& call) const {
  return async_call<PublicKeyChallenge>(
      client_, [&](const ClientState& s) { return ops::authenticate_publickey_init(s, username, public_key_pem); },
      call);
}

AsyncCall<AuthResult> AsyncLoginID::authenticate_publickey_complete(const Username& username,
                                                                    const PublicKeyChallenge& challenge,
                                                                    std::string_view assertion,
                                                                    const CallOptions& call) const {
  return async_call<AuthResult>(
      client_,
      [&](const ClientState& s) { return ops::authenticate_publickey_complete(s, username, challenge, assertion); },
      call);
}

AsyncCall<Fido2AttestationInit> AsyncLoginID::register_fido2_init(const Username& username,
                                                                  const Fido2RegisterOptions& options,
                                                                  const CallOptions& call) const {
  return async_call<Fido2AttestationInit>(
      client_, [&](const ClientState& s) { return ops::register_fido2_init(s, username, options); }, call);
}

AsyncCall<AuthResult> AsyncLoginID::register_fido2_complete(const Username& username,
                                                            std::string_view attestation_payload,
                                                            const Fido2CompleteOptions& options,
                                                            const CallOptions& call) const {
  return async_call<AuthResult>(
      client_,
      [&](const ClientState& s) { return ops::register_fido2_complete(s, username, attestation_payload, options); },
      call);
}

AsyncCall<Fido2AssertionInit> AsyncLoginID::authenticate_fido2_init(const Username& username,
                                                                    const CallOptions& call) const {
  return async_call<Fido2AssertionInit>(
      client_, [&](const ClientState& s) { return ops::authenticate_fido2_init(s, username); }, call);
}

AsyncCall<AuthResult> AsyncLoginID::authenticate_fido2_complete(const Username& username,
                                                                std::string_view assertion_payload,
                                                                const Fido2AuthenticateOptions& options,
                                                                const CallOptions& call) const {
  return async_call<AuthResult>(
      client_,
      [&](const ClientState& s) { return ops::authenticate_fido2_complete(s, username, assertion_payload, options); },
      call);
}

AsyncCall<Fido2AttestationInit> AsyncLoginID::init_add_fido2_credential_with_code(
    const Username& username, std::string_view code, CodeType code_type, const Fido2CredentialOptions& options,
    const CallOptions& call) const {
  return async_call<Fido2AttestationInit>(
      client_,
      [&](const ClientState& s) {
        return ops::init_add_fido2_credential_with_code(s, username, code, code_type, options);
      },
      call);
}

AsyncCall<AuthResult> AsyncLoginID::complete_add_fido2_credential(const Username& username,
                                                                  std::string_view attestation_payload,
                                                                  const Fido2CompleteOptions& options,
                                                                  const CallOptions& call) const {
  return async_call<AuthResult>(
      client_,
      [&](const ClientState& s) {
        return ops::complete_add_fido2_credential(s, username, attestation_payload, options);
      },
      call);
}

// ---- AsyncLoginIdManagement ---------------------------------------------------------------------

AsyncLoginIdManagement::AsyncLoginIdManagement(const LoginIdManagement& client, const AsyncRuntime& runtime)
    : AsyncLoginID(client, runtime) {}
AsyncLoginIdManagement::~AsyncLoginIdManagement() = default;
AsyncLoginIdManagement::AsyncLoginIdManagement(AsyncLoginIdManagement&&) noexcept = default;
AsyncLoginIdManagement& AsyncLoginIdManagement::operator=(AsyncLoginIdManagement&&) noexcept = default;

AsyncCall<CodeResult> AsyncLoginIdManagement::generate_code(const UserRef& user, CodeType code_type,
                                                            CodePurpose purpose, const GenerateCodeOptions& options,
                                                            const CallOptions& call) const {
  return async_call<CodeResult>(
      client_, [&](const ClientState& s) { return ops::generate_code(s, user, code_type, purpose, options); }, call);
}

AsyncCall<AuthorizeResult> AsyncLoginIdManagement::authorize_code(const UserRef& user, std::string_view code,
                                                                  CodeType code_type, CodePurpose purpose,
                                                                  const CallOptions& call) const {
  return async_call<AuthorizeResult>(
      client_, [&](const ClientState& s) { return ops::authorize_code(s, user, code, code_type, purpose); }, call);
}

AsyncCall<AuthorizeResult> AsyncLoginIdManagement::authorize_code(const UserRef& user, const CodeResult& code,
                                                                  const CallOptions& call) const {
  return authorize_code(user, code.code, code.code_type, code.purpose, call);
}

AsyncCall<InvalidateResult> AsyncLoginIdManagement::invalidate_all_codes(const UserRef& user, CodeType code_type,
                                                                         CodePurpose purpose,
                                                                         const CallOptions& call) const {
  return async_call<InvalidateResult>(
      client_, [&](const ClientState& s) { return ops::invalidate_all_codes(s, user, code_type, purpose); }, call);
}

AsyncCall<CredentialList> AsyncLoginIdManagement::get_credentials(const UserRef& user,
                                                                  const std::optional<CredentialStatus>& status,
                                                                  const CallOptions& call) const {
  return async_call<CredentialList>(client_, [&](const ClientState& s) { return ops::get_credentials(s, user, status); },
                                    call);
}

AsyncCall<CredentialResult> AsyncLoginIdManagement::rename_credential(const UserRef& user,
                                                                      const CredentialId& credential_id,
                                                                      std::string_view new_name,
                                                                      const CallOptions& call) const {
  return async_call<CredentialResult>(
      client_, [&](const ClientState& s) { return ops::rename_credential(s, user, credential_id, new_name); }, call);
}

AsyncCall<CredentialResult> AsyncLoginIdManagement::revoke_credential(const UserRef& user,
                                                                      const CredentialId& credential_id,
                                                                      const CallOptions& call) const {
  return async_call<CredentialResult>(
      client_, [&](const ClientState& s) { return ops::revoke_credential(s, user, credential_id); }, call);
}

AsyncCall<AuthResult> AsyncLoginIdManagement::add_publickey_credential(
    const UserRef& user, std::string_view public_key_pem, std::optional<std::string_view> credential_name,
    const CallOptions& call) const {
  return async_call<AuthResult>(
      client_,
      [&](const ClientState& s) { return ops::add_publickey_credential(s, user, public_key_pem, credential_name); },
      call);
}

AsyncCall<Fido2AttestationInit> AsyncLoginIdManagement::force_fido2_credential_init(
    const UserId& user_id, const Fido2CredentialOptions& options, const CallOptions& call) const {
  return async_call<Fido2AttestationInit>(
      client_, [&](const ClientState& s) { return ops::force_fido2_credential_init(s, user_id, options); }, call);
}

AsyncCall<RecoveryCode> AsyncLoginIdManagement::generate_recovery_code(const UserRef& user,
                                                                       const CallOptions& call) const {
  return async_call<RecoveryCode>(client_, [&](const ClientState& s) { return ops::generate_recovery_code(s, user); },
                                  call);
}

AsyncCall<User> AsyncLoginIdManagement::get_user(const Username& username, const CallOptions& call) const {
  return async_call<User>(client_, [&](const ClientState& s) { return ops::get_user(s, username); }, call);
}

AsyncCall<UserId> AsyncLoginIdManagement::get_user_id(const Username& username, const CallOptions& call) const {
  return async_call<UserId>(client_, [&](const ClientState& s) { return ops::get_user_id(s, username); }, call);
}

AsyncCall<User> AsyncLoginIdManagement::add_user_without_credentials(const Username& username,
                                                                     const CallOptions& call) const {
  return async_call<User>(client_, [&](const ClientState& s) { return ops::add_user_without_credentials(s, username); },
                          call);
}

AsyncCall<User> AsyncLoginIdManagement::deactivate_user(const UserId& user_id, const CallOptions& call) const {
  return async_call<User>(client_, [&](const ClientState& s) { return ops::deactivate_user(s, user_id); }, call);
}

AsyncCall<User> AsyncLoginIdManagement::activate_user(const UserId& user_id, const CallOptions& call) const {
  return async_call<User>(client_, [&](const ClientState& s) { return ops::activate_user(s, user_id); }, call);
}

AsyncCall<void> AsyncLoginIdManagement::delete_by_user_id(const UserId& user_id, const CallOptions& call) const {
  return async_call<void>(client_, [&](const ClientState& s) { return ops::delete_by_user_id(s, user_id); }, call);
}

AsyncCall<void> AsyncLoginIdManagement::delete_by_username(const Username& username, const CallOptions& call) const {
  return async_call<void>(client_, [&](const ClientState& s) { return ops::delete_by_username(s, username); }, call);
}

}  // namespace loginid::inline v1
