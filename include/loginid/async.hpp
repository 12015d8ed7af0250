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
  ~AsyncRuntime();
  AsyncRuntime(const AsyncRuntime&);
  AsyncRuntime& operator=(const AsyncRuntime&);
  AsyncRuntime(AsyncRuntime&&) noexcept;
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
class AsyncLoginID final {
 public:
  AsyncLoginID(const LoginID& client, const AsyncRuntime& runtime);
  /// Cancels the calls in flight; each completes (Cancelled) before this returns.
  ~AsyncLoginID();
  AsyncLoginID(AsyncLoginID&&) noexcept;
  AsyncLoginID& operator=(AsyncLoginID&&) noexcept;
  AsyncLoginID(const AsyncLoginID&) = delete;
  AsyncLoginID& operator=(const AsyncLoginID&) = delete;

  AsyncCall<TxResult> create_transaction(std::string_view tx_payload, const TxOptions& options = {},
                                         const CallOptions& call = {}) const;
  AsyncCall<AuthResult> wait_code(const Username& username, std::string_view code, CodeType code_type,
                                  const WaitCodeOptions& options = {}, const CallOptions& call = {}) const;
  AsyncCall<AuthResult> wait_code(const Username& username, const CodeResult& code,
                                  const WaitCodeOptions& options = {}, const CallOptions& call = {}) const;
  AsyncCall<AuthResult> register_password(const Username& username, std::string_view password,
                                          std::optional<std::string_view> password_confirmation = std::nullopt,
                                          const CallOptions& call = {}) const;
  AsyncCall<AuthResult> authenticate_password(const Username& username, std::string_view password,
                                              const CallOptions& call = {}) const;
  AsyncCall<PublicKeyChallenge> authenticate_publickey_init(const Username& username, std::string_view public_key_pem,
                                                            const CallOptions& call = {}) const;
  AsyncCall<AuthResult> authenticate_publickey_complete(const Username& username, const PublicKeyChallenge& challenge,
                                                        std::string_view assertion, const CallOptions& call = {}) const;
  AsyncCall<Fido2AttestationInit> register_fido2_init(const Username& username, const Fido2RegisterOptions& options = {},
                                                      const CallOptions& call = {}) const;
  AsyncCall<AuthResult> register_fido2_complete(const Username& username, std::string_view attestation_payload,
                                                const Fido2CompleteOptions& options = {},
                                                const CallOptions& call = {}) const;
  AsyncCall<Fido2AssertionInit> authenticate_fido2_init(const Username& username, const CallOptions& call = {}) const;
  AsyncCall<AuthResult> authenticate_fido2_complete(const Username& username, std::string_view assertion_payload,
                                                    const Fido2AuthenticateOptions& options = {},
                                                    const CallOptions& call = {}) const;
  AsyncCall<Fido2AttestationInit> init_add_fido2_credential_with_code(const Username& username, std::string_view code,
                                                                      CodeType code_type,
                                                                      const Fido2CredentialOptions& options = {},
                                                                      const CallOptions& call = {}) const;
  AsyncCall<AuthResult> complete_add_fido2_credential(const Username& username, std::string_view attestation_payload,
                                                      const Fido2CompleteOptions& options = {},
                                                      const CallOptions& call = {}) const;

  /// Calls started and not yet completed.
  [[nodiscard]] std::size_t in_flight() const;

 private:
  std::shared_ptr<detail::AsyncClient> client_;
};

/// The async twin of a LoginIdManagement (as AsyncLoginID is of a LoginID).
class AsyncLoginIdManagement final {
 public:
  AsyncLoginIdManagement(const LoginIdManagement& client, const AsyncRuntime& runtime);
  /// Cancels the calls in flight; each completes (Cancelled) before this returns.
  ~AsyncLoginIdManagement();
  AsyncLoginIdManagement(AsyncLoginIdManagement&&) noexcept;
  AsyncLoginIdManagement& operator=(AsyncLoginIdManagement&&) noexcept;
  AsyncLoginIdManagement(const AsyncLoginIdManagement&) = delete;
  AsyncLoginIdManagement& operator=(const AsyncLoginIdManagement&) = delete;

  AsyncCall<CodeResult> generate_code(const UserRef& user, CodeType code_type, CodePurpose purpose,
                                      const GenerateCodeOptions& options = {}, const CallOptions& call = {}) const;
  AsyncCall<AuthorizeResult> authorize_code(const UserRef& user, std::string_view code, CodeType code_type,
                                            CodePurpose purpose, const CallOptions& call = {}) const;
  AsyncCall<AuthorizeResult> authorize_code(const UserRef& user, const CodeResult& code,
                                            const CallOptions& call = {}) const;
  AsyncCall<InvalidateResult> invalidate_all_codes(const UserRef& user, CodeType code_type, CodePurpose purpose,
                                                   const CallOptions& call = {}) const;
  AsyncCall<CredentialList> get_credentials(const UserRef& user,
                                            const std::optional<CredentialStatus>& status = std::nullopt,
                                            const CallOptions& call = {}) const;
  AsyncCall<CredentialResult> rename_credential(const UserRef& user, const CredentialId& credential_id,
                                                std::string_view new_name, const CallOptions& call = {}) const;
  AsyncCall<CredentialResult> revoke_credential(const UserRef& user, const CredentialId& credential_id,
                                                const CallOptions& call = {}) const;
  AsyncCall<AuthResult> add_publickey_credential(const UserRef& user, std::string_view public_key_pem,
                                                 std::optional<std::string_view> credential_name = std::nullopt,
                                                 const CallOptions& call = {}) const;
  AsyncCall<Fido2AttestationInit> force_fido2_credential_init(const UserId& user_id,
                                                              const Fido2CredentialOptions& options = {},
                                                              const CallOptions& call = {}) const;
  AsyncCall<RecoveryCode> generate_recovery_code(const UserRef& user, const CallOptions& call = {}) const;
  AsyncCall<User> get_user(const Username& username, const CallOptions& call = {}) const;
  AsyncCall<User> add_user_without_credentials(const Username& username, const CallOptions& call = {}) const;
  AsyncCall<User> deactivate_user(const UserId& user_id, const CallOptions& call = {}) const;
  AsyncCall<User> activate_user(const UserId& user_id, const CallOptions& call = {}) const;
  AsyncCall<void> delete_by_user_id(const UserId& user_id, const CallOptions& call = {}) const;
  AsyncCall<void> delete_by_username(const Username& username, const CallOptions& call = {}) const;

  /// Calls started and not yet completed.
  [[nodiscard]] std::size_t in_flight() const;

 private:
  std::shared_ptr<detail::AsyncClient> client_;
};

}  // namespace loginid::inline v1
