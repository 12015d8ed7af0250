#pragma once
/// @file async.hpp
/// The async SDK (issue 12): every network function of LoginID and LoginIdManagement without
/// blocking a thread. All calls of an AsyncRuntime run on its one event loop thread over libcurl's
/// multi interface (socket callbacks, epoll): a thousand parked wait_code calls cost a thousand
/// sockets, not a thousand threads. Each function takes the arguments of its blocking twin and
/// returns an AsyncCall<T> (async_call.hpp): `.then(callback)`, `.future()` or `co_await`.
///
/// Same behaviour as the blocking functions, because both run the same request descriptions:
/// the same argument checks, requests, retries (the waits are timers on the loop, Retry-After
/// honoured), errors (Outcome::value() rethrows what the blocking function throws), pre-signed
/// service tokens, key cache and CallOptions (deadline, cancellation, retry override).
///
/// Threads and rules (see async_call.hpp): completions run on the loop thread and must not block.
/// Destroying an AsyncLoginID / AsyncLoginIdManagement cancels its calls in flight; each completes
/// once, with Cancelled, before the destructor returns (also when a completion destroys it).
///
/// @code
/// loginid::AsyncRuntime runtime;                       // one loop thread; share it
/// loginid::AsyncLoginID web(web_client, runtime);      // web_client: a loginid::LoginID
/// web.wait_code(loginid::Username("alice"), code, loginid::CodeType::short_code)
///     .then([](loginid::Outcome<loginid::AuthResult> auth) {
///       try { send_session(*auth.value().jwt); } catch (const loginid::Error& e) { send_error(e); }
///     });
/// @endcode

#include <memory>
#include <optional>
#include <string_view>

#include "loginid/async_call.hpp"
#include "loginid/call_options.hpp"
#include "loginid/client.hpp"
#include "loginid/management.hpp"
#include "loginid/types.hpp"
#include "loginid/version.hpp"

namespace loginid::detail {
class AsyncEngine;  // src/sdk/async/async_engine.hpp
struct AsyncClient;  // src/sdk/async/async_client.hpp
}  // namespace loginid::detail

namespace loginid::inline v1 {

/// The event loop the async clients run on: one thread, started here. Copies share it; the thread
/// ends when the last copy and the last client made with it are gone.
class AsyncRuntime final {
 public:
  /// Starts the loop thread (TransportError refused_locally when the OS refuses a thread or epoll).
  AsyncRuntime();
  /// Leaves the loop to the other copies and clients; the last one out stops and joins its thread.
  ~AsyncRuntime();
  /// Shares the same loop.
  AsyncRuntime(const AsyncRuntime&);
  /// Shares the loop of `other` (leaving its own).
  AsyncRuntime& operator=(const AsyncRuntime&);
  /// Takes over the loop of `other` (which then has none).
  AsyncRuntime(AsyncRuntime&&) noexcept;
  /// Takes over the loop of `other` (leaving its own).
  AsyncRuntime& operator=(AsyncRuntime&&) noexcept;

  /// True on the loop thread (inside a completion, or a coroutine resumed by one).
  [[nodiscard]] bool in_loop_thread() const noexcept;

 private:
  friend class AsyncLoginID;
  friend class AsyncLoginIdManagement;
  std::shared_ptr<detail::AsyncEngine> engine_;
};

/// The async twin of a LoginID: same client id, key, options, key cache and pre-signed tokens.
/// Its connections are its own (on the runtime's loop). The LoginID may be destroyed first.
/// A custom Options::transport is called on the loop thread: it must answer without blocking (the
/// testkit's FakeService does); a blocking transport would hold up every call of the runtime.
///
/// Every network function of LoginID has its twin here, by the same name and arguments
/// (generate_service_token and generate_tx_auth_token send nothing: call them on the LoginID). The
/// `std::error_code&` overloads of the verify functions have none: the Outcome carries the error.
class AsyncLoginID {
 public:
  /// Runs `client`'s calls on `runtime`'s loop (it shares the client's state; `client` may go first).
  AsyncLoginID(const LoginID& client, const AsyncRuntime& runtime);
  /// Cancels the calls in flight; each completes (Cancelled) before this returns.
  virtual ~AsyncLoginID();
  /// Takes over the calls of `other` (which must not be used after, but destroyed).
  AsyncLoginID(AsyncLoginID&&) noexcept;
  /// Cancels the calls of this one (as the destructor), then takes over those of `other`.
  AsyncLoginID& operator=(AsyncLoginID&&) noexcept;
  AsyncLoginID(const AsyncLoginID&) = delete;
  AsyncLoginID& operator=(const AsyncLoginID&) = delete;

  /// Async LoginID::verify_token: true or false as the blocking function returns. A key the
  /// client's key cache lacks is fetched as an async request on the loop (never blocking it).
  /// Cancelled (not false) when `call.cancellation` is cancelled or the client is destroyed first.
  AsyncCall<bool> verify_token(std::string_view token, const std::optional<Username>& username = std::nullopt,
                               const CallOptions& call = {}) const;
  /// Async LoginID::verify_token_claims: the claims, or the TokenError the blocking function throws.
  AsyncCall<Claims> verify_token_claims(std::string_view token, const std::optional<Username>& username = std::nullopt,
                                        const CallOptions& call = {}) const;
  /// Async LoginID::verify_transaction (as verify_token).
  AsyncCall<bool> verify_transaction(std::string_view tx_token, std::string_view tx_payload,
                                     const CallOptions& call = {}) const;
  /// Async LoginID::verify_transaction_claims (as verify_token_claims).
  AsyncCall<Claims> verify_transaction_claims(std::string_view tx_token, std::string_view tx_payload,
                                              const CallOptions& call = {}) const;

  /// Async LoginID::create_transaction (same arguments, checks, request, result and errors).
  AsyncCall<TxResult> create_transaction(std::string_view tx_payload, const TxOptions& options = {},
                                         const CallOptions& call = {}) const;
  /// Async LoginID::wait_code (same arguments, checks, request, result and errors).
  AsyncCall<AuthResult> wait_code(const Username& username, std::string_view code, CodeType code_type,
                                  const WaitCodeOptions& options = {}, const CallOptions& call = {}) const;
  /// Async LoginID::wait_code (same arguments, checks, request, result and errors).
  AsyncCall<AuthResult> wait_code(const Username& username, const CodeResult& code,
                                  const WaitCodeOptions& options = {}, const CallOptions& call = {}) const;
  /// Async LoginID::register_password (same arguments, checks, request, result and errors).
  AsyncCall<AuthResult> register_password(const Username& username, std::string_view password,
                                          std::optional<std::string_view> password_confirmation = std::nullopt,
                                          const CallOptions& call = {}) const;
  /// Async LoginID::authenticate_password (same arguments, checks, request, result and errors).
  AsyncCall<AuthResult> authenticate_password(const Username& username, std::string_view password,
                                              const CallOptions& call = {}) const;
  /// Async LoginID::authenticate_publickey_init (same arguments, checks, request, result and errors).
  AsyncCall<PublicKeyChallenge> authenticate_publickey_init(const Username& username, std::string_view public_key_pem,
                                                            const CallOptions& call = {}) const;
  /// Async LoginID::authenticate_publickey_complete (same arguments, checks, request, result and errors).
  AsyncCall<AuthResult> authenticate_publickey_complete(const Username& username, const PublicKeyChallenge& challenge,
                                                        std::string_view assertion, const CallOptions& call = {}) const;
  /// Async LoginID::register_fido2_init (same arguments, checks, request, result and errors).
  AsyncCall<Fido2AttestationInit> register_fido2_init(const Username& username, const Fido2RegisterOptions& options = {},
                                                      const CallOptions& call = {}) const;
  /// Async LoginID::register_fido2_complete (same arguments, checks, request, result and errors).
  AsyncCall<AuthResult> register_fido2_complete(const Username& username, std::string_view attestation_payload,
                                                const Fido2CompleteOptions& options = {},
                                                const CallOptions& call = {}) const;
  /// Async LoginID::authenticate_fido2_init (same arguments, checks, request, result and errors).
  AsyncCall<Fido2AssertionInit> authenticate_fido2_init(const Username& username, const CallOptions& call = {}) const;
  /// Async LoginID::authenticate_fido2_complete (same arguments, checks, request, result and errors).
  AsyncCall<AuthResult> authenticate_fido2_complete(const Username& username, std::string_view assertion_payload,
                                                    const Fido2AuthenticateOptions& options = {},
                                                    const CallOptions& call = {}) const;
  /// Async LoginID::init_add_fido2_credential_with_code (same arguments, checks, request, result and errors).
  AsyncCall<Fido2AttestationInit> init_add_fido2_credential_with_code(const Username& username, std::string_view code,
                                                                      CodeType code_type,
                                                                      const Fido2CredentialOptions& options = {},
                                                                      const CallOptions& call = {}) const;
  /// Async LoginID::complete_add_fido2_credential (same arguments, checks, request, result and errors).
  AsyncCall<AuthResult> complete_add_fido2_credential(const Username& username, std::string_view attestation_payload,
                                                      const Fido2CompleteOptions& options = {},
                                                      const CallOptions& call = {}) const;

  /// Calls started and not yet completed.
  [[nodiscard]] std::size_t in_flight() const;

 protected:
  /// The shared state of the client and the caller on the runtime's loop.
  std::shared_ptr<detail::AsyncClient> client_;
};

/// The async twin of a LoginIdManagement, as AsyncLoginID is of a LoginID (whose twins it has too,
/// as a LoginIdManagement is a LoginID).
class AsyncLoginIdManagement final : public AsyncLoginID {
 public:
  /// Runs `client`'s calls on `runtime`'s loop (it shares the client's state; `client` may go first).
  AsyncLoginIdManagement(const LoginIdManagement& client, const AsyncRuntime& runtime);
  /// Cancels the calls in flight; each completes (Cancelled) before this returns.
  ~AsyncLoginIdManagement() override;
  /// Takes over the calls of `other` (which must not be used after, but destroyed).
  AsyncLoginIdManagement(AsyncLoginIdManagement&&) noexcept;
  /// Cancels the calls of this one (as the destructor), then takes over those of `other`.
  AsyncLoginIdManagement& operator=(AsyncLoginIdManagement&&) noexcept;
  AsyncLoginIdManagement(const AsyncLoginIdManagement&) = delete;
  AsyncLoginIdManagement& operator=(const AsyncLoginIdManagement&) = delete;

  /// Async LoginIdManagement::generate_code (same arguments, checks, request, result and errors).
  AsyncCall<CodeResult> generate_code(const UserRef& user, CodeType code_type, CodePurpose purpose,
                                      const GenerateCodeOptions& options = {}, const CallOptions& call = {}) const;
  /// Async LoginIdManagement::authorize_code (same arguments, checks, request, result and errors).
  AsyncCall<AuthorizeResult> authorize_code(const UserRef& user, std::string_view code, CodeType code_type,
                                            CodePurpose purpose, const CallOptions& call = {}) const;
  /// Async LoginIdManagement::authorize_code (same arguments, checks, request, result and errors).
  AsyncCall<AuthorizeResult> authorize_code(const UserRef& user, const CodeResult& code,
                                            const CallOptions& call = {}) const;
  /// Async LoginIdManagement::invalidate_all_codes (same arguments, checks, request, result and errors).
  AsyncCall<InvalidateResult> invalidate_all_codes(const UserRef& user, CodeType code_type, CodePurpose purpose,
                                                   const CallOptions& call = {}) const;
  /// Async LoginIdManagement::get_credentials (same arguments, checks, request, result and errors).
  AsyncCall<CredentialList> get_credentials(const UserRef& user,
                                            const std::optional<CredentialStatus>& status = std::nullopt,
                                            const CallOptions& call = {}) const;
  /// Async LoginIdManagement::rename_credential (same arguments, checks, request, result and errors).
  AsyncCall<CredentialResult> rename_credential(const UserRef& user, const CredentialId& credential_id,
                                                std::string_view new_name, const CallOptions& call = {}) const;
  /// Async LoginIdManagement::revoke_credential (same arguments, checks, request, result and errors).
  AsyncCall<CredentialResult> revoke_credential(const UserRef& user, const CredentialId& credential_id,
                                                const CallOptions& call = {}) const;
  /// Async LoginIdManagement::add_publickey_credential (same arguments, checks, request, result and errors).
  AsyncCall<AuthResult> add_publickey_credential(const UserRef& user, std::string_view public_key_pem,
                                                 std::optional<std::string_view> credential_name = std::nullopt,
                                                 const CallOptions& call = {}) const;
  /// Async LoginIdManagement::force_fido2_credential_init (same arguments, checks, request, result and errors).
  AsyncCall<Fido2AttestationInit> force_fido2_credential_init(const UserId& user_id,
                                                              const Fido2CredentialOptions& options = {},
                                                              const CallOptions& call = {}) const;
  /// Async LoginIdManagement::generate_recovery_code (same arguments, checks, request, result and errors).
  AsyncCall<RecoveryCode> generate_recovery_code(const UserRef& user, const CallOptions& call = {}) const;
  /// Async LoginIdManagement::get_user (same arguments, checks, request, result and errors).
  AsyncCall<User> get_user(const Username& username, const CallOptions& call = {}) const;
  /// Async LoginIdManagement::get_user_id (same arguments, checks, request, result and errors).
  AsyncCall<UserId> get_user_id(const Username& username, const CallOptions& call = {}) const;
  /// Async LoginIdManagement::add_user_without_credentials (same arguments, checks, request, result and errors).
  AsyncCall<User> add_user_without_credentials(const Username& username, const CallOptions& call = {}) const;
  /// Async LoginIdManagement::deactivate_user (same arguments, checks, request, result and errors).
  AsyncCall<User> deactivate_user(const UserId& user_id, const CallOptions& call = {}) const;
  /// Async LoginIdManagement::activate_user (same arguments, checks, request, result and errors).
  AsyncCall<User> activate_user(const UserId& user_id, const CallOptions& call = {}) const;
  /// Async LoginIdManagement::delete_by_user_id (same arguments, checks, request, result and errors).
  AsyncCall<void> delete_by_user_id(const UserId& user_id, const CallOptions& call = {}) const;
  /// Async LoginIdManagement::delete_by_username (same arguments, checks, request, result and errors).
  AsyncCall<void> delete_by_username(const Username& username, const CallOptions& call = {}) const;

};

}  // namespace loginid::inline v1
