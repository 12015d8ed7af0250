#pragma once
/// @file client.hpp
/// loginid::LoginID: the application client (service tokens, token and transaction
/// verification, transactions, code waiting, public-key authentication).

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "loginid/call_options.hpp"
#include "loginid/error.hpp"
#include "loginid/jwt.hpp"
#include "loginid/keys.hpp"
#include "loginid/options.hpp"
#include "loginid/secret.hpp"
#include "loginid/types.hpp"
#include "loginid/ids.hpp"
#include "loginid/version.hpp"

namespace loginid::detail {
struct ClientState;  // see src/sdk/client_state.hpp
}  // namespace loginid::detail

namespace loginid::inline v1 {

/// Who a service token is for (API.md: `username` is sent if given, else `user_id` if given).
struct ServiceTokenOptions final {
  std::optional<Username> username{};  ///< sent as `username` when set
  std::optional<UserId> user_id{};     ///< sent as `user_id` when set and no username is
  /// 16 random alphanumerics when absent. A nonce is single use at the service.
  std::optional<std::string> nonce{};
};

/// Everything a LoginID client does, as an interface to program against and to mock: code that takes
/// a `const loginid::ClientInterface&` runs with a LoginID in production and with a mock in tests
/// (loginid::testkit::MockClient in <loginid/testing/mock_client.hpp>, or your own). Each function
/// is documented at LoginID, which implements them all. Copying goes through the concrete class
/// only (the copy operations are protected), so a mock is never sliced. docs/sdk.md, "Testing your code".
class ClientInterface {
 public:
  /// Destroys the LoginID (or mock) behind it.
  virtual ~ClientInterface() = default;

  /// See LoginID::generate_service_token.
  [[nodiscard]] virtual std::string generate_service_token(std::string_view scope,
                                                           const ServiceTokenOptions& options = {}) const = 0;
  /// See LoginID::verify_token.
  [[nodiscard]] virtual bool verify_token(std::string_view token,
                                          const std::optional<Username>& username = std::nullopt, const CallOptions& call = {}) const noexcept = 0;
  /// See LoginID::verify_token_claims.
  [[nodiscard]] virtual std::optional<Claims> verify_token_claims(std::string_view token,
                                                                  const std::optional<Username>& username,
                                                                  std::error_code& ec, const CallOptions& call = {}) const noexcept = 0;
  /// See LoginID::verify_token_claims.
  [[nodiscard]] virtual Claims verify_token_claims(std::string_view token,
                                                   const std::optional<Username>& username = std::nullopt, const CallOptions& call = {}) const = 0;
  /// See LoginID::generate_tx_auth_token.
  [[nodiscard]] virtual std::string generate_tx_auth_token(std::string_view tx_payload,
      std::optional<std::string_view> nonce = std::nullopt) const = 0;
  /// See LoginID::create_transaction.
  [[nodiscard]] virtual TxResult create_transaction(std::string_view tx_payload,
                                                    const TxOptions& options = {}, const CallOptions& call = {}) const = 0;
  /// See LoginID::verify_transaction.
  [[nodiscard]] virtual bool verify_transaction(std::string_view tx_token,
                                                std::string_view tx_payload, const CallOptions& call = {}) const noexcept = 0;
  /// See LoginID::verify_transaction_claims.
  [[nodiscard]] virtual std::optional<Claims> verify_transaction_claims(std::string_view tx_token,
                                                                        std::string_view tx_payload,
                                                                        std::error_code& ec, const CallOptions& call = {}) const noexcept = 0;
  /// See LoginID::verify_transaction_claims.
  [[nodiscard]] virtual Claims verify_transaction_claims(std::string_view tx_token,
                                                         std::string_view tx_payload, const CallOptions& call = {}) const = 0;
  /// See LoginID::wait_code.
  [[nodiscard]] virtual AuthResult wait_code(const Username& username, std::string_view code, CodeType code_type,
                                             const WaitCodeOptions& options = {}, const CallOptions& call = {}) const = 0;
  /// See LoginID::wait_code.
  [[nodiscard]] virtual AuthResult wait_code(const Username& username, const CodeResult& code,
                                             const WaitCodeOptions& options = {}, const CallOptions& call = {}) const = 0;
  /// See LoginID::register_password.
  virtual AuthResult register_password(const Username& username, std::string_view password,
                                       std::optional<std::string_view> password_confirmation = std::nullopt, const CallOptions& call = {}) const = 0;
  /// See LoginID::authenticate_password.
  [[nodiscard]] virtual AuthResult authenticate_password(const Username& username,
                                                         std::string_view password, const CallOptions& call = {}) const = 0;
  /// See LoginID::authenticate_publickey_init.
  [[nodiscard]] virtual PublicKeyChallenge authenticate_publickey_init(const Username& username,
                                                                       std::string_view public_key_pem, const CallOptions& call = {}) const = 0;
  /// See LoginID::authenticate_publickey_complete.
  [[nodiscard]] virtual AuthResult authenticate_publickey_complete(const Username& username,
                                                                   const PublicKeyChallenge& challenge,
                                                                   std::string_view assertion, const CallOptions& call = {}) const = 0;
  /// See LoginID::register_fido2_init.
  [[nodiscard]] virtual Fido2AttestationInit register_fido2_init(const Username& username,
                                                                 const Fido2RegisterOptions& options = {}, const CallOptions& call = {}) const = 0;
  /// See LoginID::register_fido2_complete.
  virtual AuthResult register_fido2_complete(const Username& username, std::string_view attestation_payload,
                                             const Fido2CompleteOptions& options = {}, const CallOptions& call = {}) const = 0;
  /// See LoginID::authenticate_fido2_init.
  [[nodiscard]] virtual Fido2AssertionInit authenticate_fido2_init(const Username& username, const CallOptions& call = {}) const = 0;
  /// See LoginID::authenticate_fido2_complete.
  virtual AuthResult authenticate_fido2_complete(const Username& username, std::string_view assertion_payload,
                                                 const Fido2AuthenticateOptions& options = {}, const CallOptions& call = {}) const = 0;
  /// See LoginID::init_add_fido2_credential_with_code.
  [[nodiscard]] virtual Fido2AttestationInit init_add_fido2_credential_with_code(
      const Username& username, std::string_view code, CodeType code_type,
      const Fido2CredentialOptions& options = {}, const CallOptions& call = {}) const = 0;
  /// See LoginID::complete_add_fido2_credential.
  virtual AuthResult complete_add_fido2_credential(const Username& username, std::string_view attestation_payload,
                                                   const Fido2CompleteOptions& options = {}, const CallOptions& call = {}) const = 0;

 protected:
  ClientInterface() = default;  ///< for the implementing classes only
  ClientInterface(const ClientInterface&) = default;             ///< for the implementing classes only
  ClientInterface(ClientInterface&&) noexcept = default;         ///< for the implementing classes only
  ClientInterface& operator=(const ClientInterface&) = default;  ///< for the implementing classes only
  ClientInterface& operator=(ClientInterface&&) noexcept = default;  ///< for the implementing classes only
};

/// The application client of LoginID.
///
/// Construction parses the private key once (the PEM text passed in is wiped afterwards) and
/// resolves the base URL (Options::base_url, else `http://$LOGINID_EMULATOR_HOST` unless
/// Options::honour_emulator_env is off, else kDefaultBaseUrl). After construction the object is immutable: every member function is
/// `const` and safe to call from many threads at once. Copies are cheap and share the key, the
/// connection pool and the key cache.
///
/// Errors (all derive from loginid::Error): a refused call throws ServiceError (HTTP status, typed
/// service code, message, request id), one that got no answer TransportError, a wrong-shaped answer
/// BadResponse; a bad argument throws InvalidArgument before anything is sent; a token
/// that fails verification gives `false`, a TokenErrc, or a loginid::TokenError, depending on
/// the overload.
///
/// @code
/// loginid::LoginID client{"my-client-id", read_file("key.pem")};
/// if (client.verify_token(jwt, "alice")) { /* logged in */ }
/// @endcode
class LoginID : public virtual ClientInterface {
 public:
  /// @param client_id  the application's client id (non-empty, else InvalidArgument).
  /// @param private_key_pem  the API credential, PEM PKCS#8 or SEC1; may be empty for a client
  ///        that only verifies tokens and waits for codes. Taken as a SecretString, which wipes its
  ///        memory: pass a std::string rvalue (`std::move(pem)`, `read_file("key.pem")`) and the
  ///        caller's buffer is wiped too. A std::string lvalue does not compile (it would leave a
  ///        copy of the key behind); to keep one on purpose, pass `SecretString(std::string_view(pem))`.
  /// @param options  base URL, timeouts, retries, transport, clock, log, ...
  /// @throws KeyError for a key that is not a valid EC P-256 private key (never echoes the key).
  /// @throws InvalidArgument for an empty client id or an insecure/invalid base URL.
  explicit LoginID(std::string client_id, SecretString private_key_pem = {}, Options options = {});
  /// Same with an already parsed key.
  LoginID(std::string client_id, PrivateKey private_key, Options options = {});

  /// Copies and moves share the immutable state (key, connections, key cache): cheap.
  LoginID(const LoginID&) = default;
  LoginID(LoginID&&) noexcept = default;                  ///< Shares the state, as a copy does.
  LoginID& operator=(const LoginID&) = default;           ///< Shares the state, as a copy does.
  LoginID& operator=(LoginID&&) noexcept = default;       ///< Shares the state, as a copy does.
  /// The shared state goes when the last copy does.
  ~LoginID();

  /// The client id given at construction.
  [[nodiscard]] const std::string& client_id() const noexcept;
  /// The resolved base URL (no trailing '/').
  [[nodiscard]] const std::string& base_url() const noexcept;
  /// True when a private key was given (needed for service tokens and transactions).
  [[nodiscard]] bool has_private_key() const noexcept;
  /// True when the emulator switch chose the base URL: LOGINID_EMULATOR_HOST was set, honoured
  /// (Options::honour_emulator_env) and no Options::base_url was given. Such a client trusts the
  /// signing keys the emulator serves; a production service can refuse to start when this is true.
  [[nodiscard]] bool is_emulator() const noexcept;

  /// A service token for `scope` (goes into the `type` claim), signed ES256 with the private key:
  /// `{"client_id","type","nonce","iat"}` plus `username`, else `user_id`, when given.
  /// @code
  /// auto token = client.generate_service_token("users.retrieve", {.username = loginid::Username("alice")});
  /// @endcode
  /// @throws InvalidArgument for an empty scope, an empty or non-UTF-8 username, user id or nonce,
  ///         or when the client has no private key.
  [[nodiscard]] std::string generate_service_token(std::string_view scope,
                                                   const ServiceTokenOptions& options = {}) const override;

  /// True when `token` is a user token LoginID issued for this client: ES256 signature by the key
  /// for its `kid` (fetched from /certs and cached), `aud` == client_id(), `exp`/`nbf` within
  /// Options::leeway, and `udata` == `username` when given. Never throws.
  /// @code
  /// bool ok = client.verify_token(jwt, loginid::Username("alice"));
  /// @endcode
  /// The key fetch (GET /certs, for a `kid` not cached yet) ends at `call`'s deadline or at once on its
  /// cancellation: then false (the `ec` overload: key_unavailable / std::errc::operation_canceled;
  /// std::errc::invalid_argument for a bad CallOptions).
  [[nodiscard]] bool verify_token(std::string_view token,
                                  const std::optional<Username>& username = std::nullopt,
                                  const CallOptions& call = {}) const noexcept override;

  /// The verified claims, or nullopt with `ec` set to the reason (a TokenErrc such as
  /// TokenErrc::expired, TokenErrc::audience_mismatch, TokenErrc::key_unavailable). Never throws.
  /// The key fetch (GET /certs, for a `kid` not cached yet) ends at `call`'s deadline or at once on its
  /// cancellation: then false (the `ec` overload: key_unavailable / std::errc::operation_canceled;
  /// std::errc::invalid_argument for a bad CallOptions).
  [[nodiscard]] std::optional<Claims> verify_token_claims(std::string_view token,
                                                          const std::optional<Username>& username,
                                                          std::error_code& ec,
                                                          const CallOptions& call = {}) const noexcept override;
  /// The verified claims.
  /// @throws TokenError with the reason (a TokenErrc), as the overload above reports it in `ec`.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  [[nodiscard]] Claims verify_token_claims(std::string_view token,
                                           const std::optional<Username>& username = std::nullopt,
                                           const CallOptions& call = {}) const override;

  /// A transaction auth token: `{"type":"tx.create","nonce","payload_hash","iat"}`, payload_hash =
  /// b64url(SHA-256(tx_payload)). @throws InvalidArgument for an empty payload or no private key.
  [[nodiscard]] std::string generate_tx_auth_token(std::string_view tx_payload,
                                                   std::optional<std::string_view> nonce = std::nullopt) const override;

  /// Creates a transaction (POST /tx) with the optional `nonce`, `tx_type` and `username` and
  /// returns the whole answer (id, url, the nonce sent).
  /// @code
  /// std::string tx_id = client.create_transaction("Pay 10 EUR to Bob").id;
  /// @endcode
  /// @throws InvalidArgument (empty or non-UTF-8 payload or option, no private key) before anything
  ///         is sent; ServiceError for a refusal; TransportError when no answer came; BadResponse
  ///         for a wrong-shaped answer.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  [[nodiscard]] TxResult create_transaction(std::string_view tx_payload, const TxOptions& options = {},
                                            const CallOptions& call = {}) const override;

  /// True when `tx_token` verifies like a user token (signature, audience, time) and its
  /// `tx_hash` equals b64url(SHA-256(tx_payload + nonce + server_nonce)), recomputed from the
  /// caller's `tx_payload`. Never throws.
  /// @code
  /// bool ok = client.verify_transaction(tx_token, "Pay 10 EUR to Bob");
  /// @endcode
  /// The key fetch (GET /certs, for a `kid` not cached yet) ends at `call`'s deadline or at once on its
  /// cancellation: then false (the `ec` overload: key_unavailable / std::errc::operation_canceled;
  /// std::errc::invalid_argument for a bad CallOptions).
  [[nodiscard]] bool verify_transaction(std::string_view tx_token, std::string_view tx_payload,
                                        const CallOptions& call = {}) const noexcept override;
  /// The verified claims, or nullopt with `ec` set (TokenErrc::tx_hash_mismatch, ...). Never throws.
  /// The key fetch (GET /certs, for a `kid` not cached yet) ends at `call`'s deadline or at once on its
  /// cancellation: then false (the `ec` overload: key_unavailable / std::errc::operation_canceled;
  /// std::errc::invalid_argument for a bad CallOptions).
  [[nodiscard]] std::optional<Claims> verify_transaction_claims(std::string_view tx_token, std::string_view tx_payload,
                                                                std::error_code& ec,
                                                                const CallOptions& call = {}) const noexcept override;
  /// The verified claims. @throws TokenError with the reason.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  [[nodiscard]] Claims verify_transaction_claims(std::string_view tx_token, std::string_view tx_payload,
                                                 const CallOptions& call = {}) const override;

  /// Waits (long poll, up to Options::wait_timeout) until `code` of `code_type` is authorized for
  /// `username`, then returns the authentication response. When the service ends its own long poll
  /// sooner (`408 code_timeout`), the SDK asks again until Options::wait_timeout is spent. Unless
  /// WaitCodeOptions::no_jwt, the returned JWT is verified (audience, signature, `udata` == username)
  /// before returning.
  /// @code
  /// auto auth = client.wait_code(loginid::Username("alice"), code, loginid::CodeType::short_code);
  /// std::string user_token = *auth.jwt;
  /// @endcode
  /// @throws InvalidArgument (empty or non-UTF-8 username or code) before anything is sent.
  /// @throws ServiceError `code_timeout` when the code was not authorized within
  ///         Options::wait_timeout (status 408 from the service, or 0 when the SDK's own deadline
  ///         ended the wait); `code_expired` 410, `code_invalid` 400, `user_inactive` 403,
  ///         `not_found` 404, ... for the service's other refusals.
  /// @throws TransportError when the service could not be reached; BadResponse for a wrong-shaped
  ///         answer (or one without `jwt` when a JWT was asked for).
  /// @throws TokenError when the returned JWT does not verify.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  [[nodiscard]] AuthResult wait_code(const Username& username, std::string_view code, CodeType code_type,
                                     const WaitCodeOptions& options = {}, const CallOptions& call = {}) const override;
  /// wait_code for a code generate_code returned: its text and type come from `code`.
  /// @code
  /// auto code = mgmt.generate_code(alice, loginid::CodeType::short_code, loginid::CodePurpose::temporary_authentication);
  /// auto auth = client.wait_code(alice, code);
  /// @endcode
  /// @throws as the overload above.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  [[nodiscard]] AuthResult wait_code(const Username& username, const CodeResult& code,
                                     const WaitCodeOptions& options = {}, const CallOptions& call = {}) const override;

  /// Registers a new user with a password (POST /register/password, scope `auth.register`) and
  /// returns the authentication response; its JWT is verified like wait_code's. The password goes
  /// to the service as `password` and, unless `password_confirmation` is given, also as
  /// `password_confirmation` (as the published Python SDK does); pass what the user typed twice
  /// to let the service check it. The password is never logged or put in an error message, and
  /// the SDK's serialized copy of the request is wiped after the call.
  /// @code
  /// auto auth = web.register_password(loginid::Username("alice"), password);
  /// @endcode
  /// @throws InvalidArgument (empty username or password, invalid UTF-8, no private key) before
  ///         anything is sent.
  /// @throws ServiceError (`password_too_weak` 400 naming the rule, `password_mismatch` 400,
  ///         `user_already_exists` 409, ...); TransportError, BadResponse as for any call.
  /// @throws TokenError when the returned JWT does not verify.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  AuthResult register_password(const Username& username, std::string_view password,
                               std::optional<std::string_view> password_confirmation = std::nullopt,
                               const CallOptions& call = {}) const override;

  /// Logs a user in with a password (POST /authenticate/password, scope `auth.login`); the
  /// returned JWT is verified like wait_code's. Not repeated once sent (a retry would count as
  /// another failed attempt at the service).
  /// @code
  /// auto auth = web.authenticate_password(loginid::Username("alice"), password);
  /// @endcode
  /// @throws InvalidArgument (empty or non-UTF-8 username or password, no private key).
  /// @throws ServiceError (`credential_invalid` 401 for a wrong password or an unknown user alike,
  ///         `user_inactive` 403, `too_many_requests` 429 while locked out); TransportError,
  ///         BadResponse as for any call.
  /// @throws TokenError when the returned JWT does not verify.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  [[nodiscard]] AuthResult authenticate_password(const Username& username, std::string_view password,
                                                 const CallOptions& call = {}) const override;

  /// Starts a public-key login (scope `auth.login`): returns the challenge to sign.
  /// @param username  the user logging in.
  /// @param public_key_pem  the user's registered public key (PEM SPKI; checked locally).
  /// @throws InvalidArgument (empty username, no private key); KeyError (a subclass of
  ///         InvalidArgument) for a key that is not an EC P-256 public key; both before anything is sent.
  /// @throws ServiceError (`not_found`, `credential_invalid`, `user_inactive`, ...), TransportError,
  ///         BadResponse.
  /// @param call  the limits of this call (CallOptions).
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  [[nodiscard]] PublicKeyChallenge authenticate_publickey_init(const Username& username,
                                                               std::string_view public_key_pem,
                                                               const CallOptions& call = {}) const override;
  /// Completes a public-key login with `assertion` (see make_publickey_assertion()); the returned
  /// JWT is verified like wait_code's. Sends no service token (a complete call needs none: the
  /// single-use challenge binds it), so a client without a private key can make this call.
  /// @code
  /// The challenge is the one authenticate_publickey_init returned (a backend that keeps only its
  /// id between the two calls passes `PublicKeyChallenge{.challenge_id = id}`).
  /// @code
  /// const loginid::Username alice("alice");
  /// auto challenge = client.authenticate_publickey_init(alice, user_key.public_key().to_pem());
  /// auto auth = client.authenticate_publickey_complete(
  ///     alice, challenge, loginid::LoginID::make_publickey_assertion(user_key, challenge.server_nonce));
  /// @endcode
  /// @throws InvalidArgument (empty username, challenge id or assertion) before anything is sent.
  /// @throws ServiceError (`challenge_invalid` 400 for an unknown, used or expired challenge,
  ///         `credential_invalid` 401 for a bad signature, ...), TransportError, BadResponse.
  /// @throws TokenError when the returned JWT does not verify.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  [[nodiscard]] AuthResult authenticate_publickey_complete(const Username& username,
                                                           const PublicKeyChallenge& challenge,
                                                           std::string_view assertion,
                                                           const CallOptions& call = {}) const override;
  // ---- FIDO2 / WebAuthn (passkeys): a backend relays the payloads to and from its page ---------
  //
  // Each init returns a payload (JSON text) for the page's navigator.credentials.create / .get; the
  // page sends back the browser's answer (JSON text), which the matching complete relays. Complete
  // calls send no service token (the single-use challenge binds them), so a client without a
  // private key can make them; they verify the returned JWT like wait_code (signature, audience ==
  // this client, `udata` == username). The browser's answer is checked locally before it is sent:
  // JSON object, every member the service needs present as a non-empty base64url string
  // (InvalidArgument naming it, e.g. `attestation_payload.client_data: missing`).

  /// Starts registering a new user with a passkey (POST /register/fido2/init, scope `auth.register`).
  /// @code
  /// auto init = web.register_fido2_init(loginid::Username("alice@example.com"));
  /// send_to_page(init.attestation_payload);   // JSON text for navigator.credentials.create
  /// @endcode
  /// @throws InvalidArgument (empty username, empty option, no private key) before anything is sent.
  /// @throws ServiceError (`user_already_exists` 409, ...), TransportError, BadResponse.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  [[nodiscard]] Fido2AttestationInit register_fido2_init(const Username& username,
                                                          const Fido2RegisterOptions& options = {},
                                                          const CallOptions& call = {}) const override;

  /// Completes the registration with the browser's answer (POST /register/fido2/complete, no
  /// service token): `attestation_payload` = `{challenge, credential_uuid, credential_id,
  /// client_data, attestation_data}` as JSON text. Returns the authentication response (with the
  /// new `credential`); its JWT is verified.
  /// @code
  /// auth = web.register_fido2_complete(loginid::Username("alice@example.com"), answer_from_page);
  /// @endcode
  /// @throws InvalidArgument (empty username, payload not JSON or missing a member) before
  ///         anything is sent.
  /// @throws ServiceError (`challenge_invalid` 400, `credential_invalid` 401 naming the failed
  ///         check, `credential_exists` 409, ...), TransportError, BadResponse.
  /// @throws TokenError when the returned JWT does not verify.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  AuthResult register_fido2_complete(const Username& username, std::string_view attestation_payload,
                                     const Fido2CompleteOptions& options = {}, const CallOptions& call = {}) const override;

  /// Starts a passkey login (POST /authenticate/fido2/init, scope `auth.login`).
  /// @code
  /// auto init = web.authenticate_fido2_init(loginid::Username("alice@example.com"));
  /// send_to_page(init.assertion_payload);     // JSON text for navigator.credentials.get
  /// @endcode
  /// @throws InvalidArgument (empty username, no private key) before anything is sent.
  /// @throws ServiceError (`not_found` for an unknown user or one without a passkey,
  ///         `user_inactive` 403, ...), TransportError, BadResponse.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  [[nodiscard]] Fido2AssertionInit authenticate_fido2_init(const Username& username,
                                                           const CallOptions& call = {}) const override;

  /// Completes the login with the browser's answer (POST /authenticate/fido2/complete, no service
  /// token): `assertion_payload` = `{challenge, credential_id, client_data, authenticator_data,
  /// signature}` as JSON text. Returns the authentication response; its JWT is verified.
  /// @code
  /// auto auth = web.authenticate_fido2_complete(loginid::Username("alice@example.com"), answer_from_page);
  /// @endcode
  /// @throws InvalidArgument (empty username, payload not JSON or missing a member) before
  ///         anything is sent.
  /// @throws ServiceError (`credential_invalid` 401 naming the failed check, e.g. a signature
  ///         counter that went back; `challenge_invalid` 400, `user_inactive` 403),
  ///         TransportError, BadResponse.
  /// @throws TokenError when the returned JWT does not verify.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  AuthResult authenticate_fido2_complete(const Username& username, std::string_view assertion_payload,
                                         const Fido2AuthenticateOptions& options = {},
                                         const CallOptions& call = {}) const override;

  /// Starts adding a passkey to an existing user with an authorized code of purpose
  /// `add_credential` (POST /credentials/fido2/init/code, scope `credentials.add`); the code is
  /// used up. Complete with complete_add_fido2_credential.
  /// @code
  /// auto init = web.init_add_fido2_credential_with_code(loginid::Username("alice@example.com"), code, loginid::CodeType::short_code);
  /// @endcode
  /// @throws InvalidArgument (empty username or code, bad code type, no private key) before
  ///         anything is sent.
  /// @throws ServiceError (`code_invalid` for a wrong, used or unauthorized code; `code_expired`
  ///         410, ...), TransportError, BadResponse.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  [[nodiscard]] Fido2AttestationInit init_add_fido2_credential_with_code(
      const Username& username, std::string_view code, CodeType code_type,
      const Fido2CredentialOptions& options = {}, const CallOptions& call = {}) const override;

  /// Completes adding a passkey (POST /credentials/fido2/complete, no service token) begun by
  /// init_add_fido2_credential_with_code or LoginIdManagement::force_fido2_credential_init, with
  /// the browser's answer as for register_fido2_complete. The JWT is verified.
  /// @code
  /// auto auth = web.complete_add_fido2_credential(loginid::Username("alice@example.com"), answer_from_page, {.credential_name = "Phone"});
  /// @endcode
  /// @throws as register_fido2_complete.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  AuthResult complete_add_fido2_credential(const Username& username, std::string_view attestation_payload,
                                           const Fido2CompleteOptions& options = {},
                                           const CallOptions& call = {}) const override;

  /// The assertion for authenticate_publickey_complete: a compact ES256 JWS (header
  /// `{"alg":"ES256","typ":"JWT"}`) whose payload is `{"server_nonce": <server_nonce>, "iat": <now>}`,
  /// signed with the user's private key.
  /// @throws InvalidArgument for an empty or non-UTF-8 `server_nonce`.
  [[nodiscard]] static std::string make_publickey_assertion(const PrivateKey& user_key, std::string_view server_nonce);

 protected:
  /// The shared, immutable state (key, request pipeline, token verifier).
  [[nodiscard]] const detail::ClientState& state() const noexcept { return *state_; }

 private:
  friend class AsyncLoginID;  // loginid/async.hpp: the async twin shares this state
  friend class AsyncLoginIdManagement;
  std::shared_ptr<const detail::ClientState> state_;
};

}  // namespace loginid::inline v1
