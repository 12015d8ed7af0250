#pragma once
// The emulator's rules (API.md, "Behaviour the emulator owes"): service-token checks, namespaces,
// users, codes and the long poll, credentials, transactions, signing keys. No HTTP here: inputs
// are parsed values, refusals are ApiError.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/service/errors.hpp"
#include "emulator/service/login_throttle.hpp"
#include "emulator/service/nonce_cache.hpp"
#include "emulator/service/password_policy.hpp"
#include "emulator/service/scheduler.hpp"
#include "emulator/service/secret_hasher.hpp"
#include "emulator/service/wait_hub.hpp"
#include "emulator/service/web_settings.hpp"
#include "emulator/store/store.hpp"
#include "loginid/keys.hpp"

namespace loginid::detail::emulator {

struct ServiceConfig {
  std::chrono::seconds code_ttl{300};
  std::chrono::seconds token_ttl{0};  ///< 0: tokens carry no exp, as LoginID's

  std::chrono::seconds iat_window{300};
  std::chrono::milliseconds wait_timeout{30000};
  std::size_t max_waiters = 10000;
  std::chrono::seconds challenge_ttl{300};  ///< FIDO2 challenges (also the WebAuthn `timeout` sent)
  LockoutRules lockout{};           ///< password logins
  Argon2Parameters argon2{};        ///< passwords and recovery codes
  std::ptrdiff_t max_concurrent_hashes = 2;  ///< Argon2id computations at once (19 MiB each)
};

/// 400 bad_request unless 1 to 256 bytes.
void check_username(const std::string& username);

/// What a scoped endpoint demands of the caller's service token.
struct ScopeRule {
  enum class Kind {
    scoped,     ///< a token with `type` == scope is required
    optional,   ///< no token is fine; a token, when sent, must be valid (any scope)
    /// No token is needed and the Authorization header is ignored entirely (API.md "complete
    /// calls"): the single-use challenge binds the call, and published SDKs send none there, or a
    /// token whose `type` is null, or a stale one. Only the application (X-Client-ID or the body's
    /// client_id) is looked up.
    none,
    tx_create,  ///< a tx auth token (`type` or `scope` == "tx.create") whose payload_hash matches
    /// A browser-flow init (API.md footnote 1): as `none` when the application's web setting
    /// public_init is on (the browser SDK resends its last token on every call, so a stale or used
    /// one must not be refused there), else as `scoped`.
    public_init,
  };
  Kind kind = Kind::scoped;
  std::string scope;
  std::string tx_payload;  ///< for tx_create
};

/// The request's credentials as sent.
struct CallerCredentials {
  std::optional<std::string> authorization;   ///< the Authorization header
  std::optional<std::string> client_id_header;  ///< X-Client-ID
  std::optional<std::string> body_client_id;  ///< `client_id` of the JSON body
};

/// The application that made an authenticated call.
struct Caller {
  store::Application app;
};

/// `user_id|username` of API.md: at least one; when both, they must name the same user.
struct UserRef {
  std::optional<std::string> user_id;
  std::optional<std::string> username;
};

struct AuthResult {
  store::User user;
  std::optional<store::Credential> credential;
  store::Application client;
  std::optional<std::string> jwt;
};

/// The options of a FIDO2 init, for navigator.credentials.create (a `credential_uuid`) or .get.
struct Fido2Options {
  std::string challenge;  ///< base64url
  std::string rp_id;
  std::string rp_name;
  std::string user_handle;  ///< base64url (create)
  std::string user_name;
  std::string user_display_name;
  std::string user_verification;
  std::int64_t timeout_ms = 0;
  std::optional<std::string> credential_uuid;         ///< create: announced now, created by the complete
  std::optional<std::string> authenticator_attachment;  ///< create: platform or cross-platform
  std::vector<int> algorithms;                        ///< create: pubKeyCredParams, preferred first
  std::vector<store::Fido2Key> credentials;           ///< create: excludeCredentials; get: allowCredentials
};

/// Init options a page or backend may send (`options` of the init bodies).
struct Fido2CreateRequest {
  std::optional<std::string> display_name;   ///< user.displayName (default: the username)
  std::optional<std::string> override_name;  ///< user.name (default: the username)
  bool roaming_authenticator = false;        ///< a security key rather than the device's own authenticator
};

/// Where a complete's fields came from, for messages that name them.
struct Fido2FieldNames {
  std::string client_data;
  std::string authenticator_data;  ///< assertion: authenticator data; registration: the attestation object
  std::string signature;
  std::string credential_id;
};

/// A registration's answer from the page (raw bytes, decoded from base64url).
struct Fido2Attestation {
  std::string challenge;  ///< the challenge string the init sent
  std::string credential_uuid;
  std::string credential_id;
  std::string client_data_json;
  std::string attestation_object;
  std::vector<std::string> transports;
  Fido2FieldNames names;
};

/// An authentication's answer from the page (raw bytes, decoded from base64url).
struct Fido2Assertion {
  std::string challenge;
  std::string credential_id;
  std::string client_data_json;
  std::string authenticator_data;
  std::string signature;
  Fido2FieldNames names;
};

/// How a wait_code ended: the authentication, or the error it ended with (an ApiError, or another
/// exception for a store failure).
class WaitOutcome {
 public:
  explicit WaitOutcome(AuthResult result) : result_(std::move(result)) {}
  explicit WaitOutcome(std::exception_ptr error) : error_(std::move(error)) {}
  /// The authentication; rethrows the error.
  [[nodiscard]] const AuthResult& get() const {
    if (error_) std::rethrow_exception(error_);
    return *result_;
  }

 private:
  std::optional<AuthResult> result_;
  std::exception_ptr error_;
};
using WaitDone = std::function<void(WaitOutcome)>;
/// Ends a wait_code whose client went away (it closed the connection): a parked wait leaves the
/// hub and gives its seat back at once, and `done` is called with client_gone (an answer for
/// nobody). Does nothing once the wait has its answer. Any thread, any number of times.
using AbandonWait = std::function<void()>;

struct CreatedApplication {
  store::Application app;
  std::optional<std::string> private_key_pem;  ///< only when the emulator generated the pair
};

struct DefaultCredentials {
  std::string web_client_id;
  std::string web_private_key;
  std::string management_client_id;
  std::string management_private_key;
};

class Service {
 public:
  Service(store::Store& store, ServiceConfig config);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  /// On an empty database creates the default namespace, one web and one management application
  /// and a signing key; returns the default applications' credentials either way.
  DefaultCredentials ensure_defaults();

  /// The service-token checks. Throws ApiError unauthorized/forbidden; changes no state on failure.
  Caller authenticate(const CallerCredentials& credentials, const ScopeRule& rule);

  // certs
  std::optional<std::string> public_key_pem(const std::string& kid);
  /// The PEM of the active signing key.
  std::string active_public_key_pem();
  nlohmann::json jwks();

  // users (management)
  store::User create_user(const Caller& caller, const std::string& username);
  store::User get_user(const Caller& caller, const std::string& username);
  store::User set_user_active(const Caller& caller, const std::string& user_id, bool active);
  void delete_user_by_id(const Caller& caller, const std::string& user_id);
  void delete_user_by_username(const Caller& caller, const std::string& username);

  // codes
  store::Code generate_code(const Caller& caller, const std::string& code_type, const std::string& purpose,
                            bool authorize, const UserRef& user);
  store::Code authorize_code(const Caller& caller, const std::string& code_type, const std::string& purpose,
                             const std::string& code, const UserRef& user);
  /// Returns the time of the deletion (ms).
  std::int64_t invalidate_codes(const Caller& caller, const std::string& code_type, const std::string& purpose,
                                const UserRef& user);
  /// The long poll, completion-based: `done` is called exactly once, when the code is authorized,
  /// expires, the wait times out (config.wait_timeout), the waiters are full (too_many_requests)
  /// or the service shuts down; from this call or from a thread of `scheduler`. Call it on the
  /// store pool (it may consume the code). While the code is
  /// not authorized the wait is parked: a record and a timer, no thread. Throws (and never calls
  /// `done`) for what is refused at once: a bad code type, an unknown user or code. Returns what
  /// ends the wait early when its client goes away.
  [[nodiscard]] AbandonWait wait_code(const Caller& caller, const std::string& username, const std::string& code,
                                      const std::string& code_type, bool no_jwt, Scheduler& scheduler,
                                      WaitDone done);

  // credentials
  std::pair<store::User, std::vector<store::Credential>> list_credentials(const Caller& caller, const UserRef& user,
                                                                          const std::optional<std::string>& status);
  std::pair<store::User, store::Credential> rename_credential(const Caller& caller, const UserRef& user,
                                                              const std::string& uuid, const std::string& name);
  std::pair<store::User, store::Credential> revoke_credential(const Caller& caller, const UserRef& user,
                                                              const std::string& uuid);
  AuthResult add_publickey_credential(const Caller& caller, const UserRef& user, const std::string& algorithm,
                                      const std::string& public_key, const std::optional<std::string>& name);
  store::Challenge publickey_init(const Caller& caller, const std::string& username, const std::string& public_key,
                                  const std::string& algorithm);
  AuthResult publickey_complete(const Caller& caller, const std::string& username, const std::string& challenge_id,
                                const std::string& assertion);

  /// A real LoginID flow the emulator does not emulate (AuthID document scan): the user (and
  /// credential, when given) are looked up as for any call (400, 404, namespaces), then the call is
  /// refused with 501 not_implemented and `message`.
  [[noreturn]] void refuse_not_emulated(const Caller& caller, const UserRef& user,
                                        const std::optional<std::string>& credential_uuid, const std::string& message);

  // passwords and recovery codes (passwords.cpp)
  AuthResult register_password(const Caller& caller, const std::string& username, const std::string& password,
                               const std::string& confirmation);
  AuthResult authenticate_password(const Caller& caller, const std::string& username, const std::string& password);
  /// A new recovery code (words) for the user; earlier ones are revoked. Returns the code (stored only
  /// as a hash) and its creation time (ms).
  std::pair<std::string, std::int64_t> generate_recovery_code(const Caller& caller, const UserRef& user);

  // FIDO2 / WebAuthn (API.md, "FIDO2 / WebAuthn (passkeys)"; service/fido2.cpp). Inits issue a
  // single-use, expiring challenge bound to the user, the application and the ceremony; completes
  // verify the page's answer with src/webauthn against the relying party the challenge was issued for.
  Fido2Options register_fido2_init(const Caller& caller, const std::string& username, const Fido2CreateRequest& request);
  AuthResult register_fido2_complete(const Caller& caller, const std::string& username,
                                     const Fido2Attestation& attestation,
                                     const std::optional<std::string>& credential_name, bool no_jwt);
  Fido2Options add_fido2_credential_with_code_init(const Caller& caller, const std::string& username,
                                                   const std::string& code, const std::string& code_type,
                                                   const Fido2CreateRequest& request);
  Fido2Options force_fido2_credential_init(const Caller& caller, const UserRef& user,
                                           const Fido2CreateRequest& request);
  AuthResult add_fido2_credential_complete(const Caller& caller, const std::string& username,
                                           const Fido2Attestation& attestation,
                                           const std::optional<std::string>& credential_name, bool no_jwt);
  Fido2Options authenticate_fido2_init(const Caller& caller, const std::string& username);
  AuthResult authenticate_fido2_complete(const Caller& caller, const std::string& username,
                                         const Fido2Assertion& assertion, bool no_jwt);
  Fido2Options generate_code_fido2_init(const Caller& caller, const std::string& code_type,
                                        const std::string& username, const std::string& purpose);
  std::pair<AuthResult, store::Code> generate_code_fido2_complete(const Caller& caller, const std::string& code_type,
                                                                  const std::string& username,
                                                                  const Fido2Assertion& assertion, bool no_jwt);
  Fido2Options tx_fido2_init(const Caller& caller, const std::string& username, const std::string& tx_id);
  /// Returns the transaction token.
  std::string tx_fido2_complete(const Caller& caller, const std::string& username, const std::string& tx_id,
                                const Fido2Assertion& assertion);

  // transactions
  store::Transaction create_tx(const Caller& caller, const std::string& tx_payload, const std::string& nonce,
                               const std::optional<std::string>& tx_type, const std::optional<std::string>& username);

  // admin (the dashboard's job)
  std::string confirm_tx(const std::string& tx_id);
  store::Credential admin_add_credential(const std::string& user_id, const std::optional<std::string>& name,
                                         const std::optional<std::string>& type);
  store::Namespace create_namespace(const std::string& name);
  std::vector<store::Namespace> list_namespaces();
  CreatedApplication create_application(const std::optional<std::string>& namespace_id, const std::string& type,
                                        const std::optional<std::string>& name,
                                        const std::optional<std::string>& public_key,
                                        const WebSettingsChange& web_settings = {});
  std::vector<store::Application> list_applications(const std::optional<std::string>& namespace_id);
  /// The application, web settings included (cached like the keys).
  std::optional<store::Application> find_application(const std::string& client_id);
  /// Throws ApiError bad_request (naming the field) or not_found.
  store::Application update_web_settings(const std::string& client_id, const WebSettingsChange& change);
  /// The command line's web settings, applied to both default applications (public_init to the web
  /// one only), as a dashboard change would be: stored. Throws ApiError for a bad value.
  void configure_default_applications(const WebSettingsChange& change);
  std::string rotate_key();
  std::vector<store::SigningKey> list_keys();
  std::vector<store::User> list_users(const std::optional<std::string>& namespace_id);
  std::vector<store::Credential> admin_list_credentials(const std::optional<std::string>& user_id);
  std::vector<std::pair<store::Credential, store::Fido2Key>> admin_list_fido2_credentials(
      const std::optional<std::string>& user_id);
  std::vector<store::Code> list_codes(const std::optional<std::string>& user_id);
  std::vector<store::Transaction> list_transactions(const std::optional<std::string>& client_id);

  /// Writes pending nonces and prunes expired codes; called periodically and at shutdown.
  void flush();
  /// Releases parked waiters with a clean error; later waits fail at once.
  void begin_shutdown();
  [[nodiscard]] std::size_t parked_waiters() const { return waiters_.parked(); }

 private:
  void fence_replays_after_unclean_stop();
  struct AppEntry {
    store::Application app;
    PublicKey key;
  };
  struct KeyEntry {
    std::string kid;
    std::string public_pem;
    PublicKey public_key;
    std::optional<PrivateKey> private_key;
  };

  std::shared_ptr<const AppEntry> find_app(const std::string& client_id);
  void load_keys();
  std::shared_ptr<const KeyEntry> active_key();
  std::string sign(const nlohmann::json& claims);
  /// A user token for `action` (API.md: login, register, credential_add...).
  std::string user_token(const store::User& user, const store::Application& client, std::string_view action);
  std::string transaction_token(const store::Transaction& tx, const std::string& server_nonce,
                                const std::optional<store::User>& user);
  /// Adds `exp` = iat + --token-ttl when a lifetime is configured.
  void add_expiry(nlohmann::json& claims, std::int64_t iat) const;

  store::User resolve_user(const Caller& caller, const UserRef& ref);
  store::User user_by_username(const std::string& namespace_id, const std::string& username);
  store::Credential owned_credential(const store::User& user, const std::string& uuid);
  AuthResult authenticated(const store::User& user, const std::optional<store::Credential>& credential,
                           const store::Application& client, bool with_jwt, std::string_view action = "login");

  // FIDO2 steps shared by the flows (service/fido2.cpp)
  /// Fills in what every challenge carries (a fresh challenge unless one is set, the issuer, its
  /// relying party, user verification, expiry); the caller stores it once its options are ready.
  store::Fido2Challenge prepare_fido2_challenge(store::Fido2Challenge challenge, const store::Application& issuer);
  /// A challenge for adding a credential to an existing user (with a code, or forced), stored.
  Fido2Options issue_fido2_credential_add(const char* ceremony, const Caller& caller, const store::User& user,
                                          const Fido2CreateRequest& request);
  Fido2Options fido2_create_options(const store::Fido2Challenge& challenge, const store::Application& issuer,
                                    const store::User& user, const Fido2CreateRequest& request);
  /// The assertion options for the user's active credentials of the challenge's relying party, once
  /// the challenge is stored; 404 when the user has none.
  Fido2Options issue_fido2_assertion(const store::Fido2Challenge& challenge, const store::User& user);
  store::Fido2Challenge fido2_challenge_for(const Caller& caller, const std::string& challenge,
                                            std::initializer_list<const char*> ceremonies);
  store::User fido2_user_for(const Caller& caller, const store::Fido2Challenge& challenge,
                             const std::string& username);
  AuthResult finish_fido2_registration(const Caller& caller, const store::Fido2Challenge& challenge,
                                       const std::optional<store::User>& existing_user,
                                       const Fido2Attestation& attestation,
                                       const std::optional<std::string>& credential_name, bool no_jwt);
  std::pair<store::Credential, store::Fido2Key> verify_fido2_assertion(const store::Fido2Challenge& challenge,
                                                                      const store::User& user,
                                                                      const Fido2Assertion& assertion);
  /// Reads (never writes) a waited-for code: false while it is not authorized; throws the wait's
  /// answer when it is gone or expired.
  bool wait_code_authorized(std::int64_t code_id);
  /// The code is authorized: checks the user again and consumes the code (a store write: on the
  /// store pool only). Throws code_invalid when another caller consumed it first.
  AuthResult finish_authorized_wait(const Caller& caller, const store::User& user, std::int64_t code_id, bool no_jwt);
  struct CodeWait;
  AbandonWait start_wait(const Caller& caller, const store::User& user, const store::Code& code, bool no_jwt,
                         Scheduler& scheduler, WaitDone done);
  /// When a wait is parked on the code: consumes the code for it in the authorize's own commit, so
  /// the waiter answers without a second disk sync. false when nobody is parked (authorize as usual).
  /// Throws code_invalid when the code went away in between.
  bool hand_over_code(std::int64_t code_id);
  /// Checks the wait's code and answers, or parks the wait until a wake-up or its deadline.
  /// `on_store_pool`: this thread may write the store; else (an event loop) a code found authorized
  /// is consumed by a run on the store pool.
  void run_wait(const std::shared_ptr<CodeWait>& wait, bool on_store_pool);
  void on_wait_woken(const std::shared_ptr<CodeWait>& wait, WaitHub::WakeReason reason);
  /// Sets `flag` (due or abandoned) on a wait without its answer yet and takes it off the hub; true
  /// when this call took it (the caller then runs its check, which answers by the flag).
  bool mark_and_unpark(const std::shared_ptr<CodeWait>& wait, bool CodeWait::*flag);
  void on_wait_due(const std::shared_ptr<CodeWait>& wait);
  /// The wait's client went away: takes it off the hub (unless a wake-up took it first) and ends it.
  void abandon_wait(const std::shared_ptr<CodeWait>& wait);
  /// An authorize consumed the code for this wait: answer it without touching the code again.
  void finish_handed_over(const std::shared_ptr<CodeWait>& wait);
  static void finish_wait(const std::shared_ptr<CodeWait>& wait, WaitOutcome outcome);

  store::Store& store_;
  ServiceConfig config_;
  NonceCache nonces_;
  WaitHub waiters_;
  SecretHasher hasher_;
  PasswordPolicy policy_;
  LoginThrottle throttle_;

  std::shared_mutex apps_mutex_;
  std::unordered_map<std::string, std::shared_ptr<const AppEntry>> apps_;

  std::shared_mutex keys_mutex_;
  std::vector<std::shared_ptr<const KeyEntry>> keys_;  // every key; the active one is active_
  std::shared_ptr<const KeyEntry> active_;
  std::atomic<bool> shutting_down_{false};
  // Seen nonces reach the database in batches (flush()), so a run that was killed may have lost the
  // last batch. After such a start, tokens issued at or before this second are refused until the iat
  // window has passed: their nonces cannot be proven unused. -1: the last run shut down cleanly.
  std::int64_t replay_fence_s_ = -1;
  std::int64_t last_prune_ms_ = 0;  // flush() runs on one thread at a time (the maintenance loop, then shutdown)
};

}  // namespace loginid::detail::emulator
