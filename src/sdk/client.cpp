// loginid::LoginID: the application functions of API.md, built on ServiceClient (request
// pipeline) and TokenVerifier (verification of LoginID's tokens).

#include "loginid/client.hpp"

#include <chrono>
#include <string>
#include <utility>

#include "jose/jwt_json.hpp"
#include "jose/tokens.hpp"
#include "client_state.hpp"
#include "operations.hpp"
#include "requests.hpp"
#include "types_parse.hpp"


namespace loginid::detail {

const PrivateKey& ClientState::require_key(std::string_view operation) const {
  if (!key) {
    throw InvalidArgument("private_key_pem: " + std::string(operation) +
                          " needs the application's private key, and this client was created without one");
  }
  return *key;
}

// The message is built only when it is needed: this runs on every signed call.
const PrivateKey& ClientState::require_scoped_key(std::string_view scope) const {
  return key ? *key : require_key("a call with scope " + std::string(scope));
}

std::string ClientState::service_token(std::string_view scope) const {
  ServiceTokenRequest request{};
  request.client_id = client_id;
  request.scope = scope;
  request.now = service->now();
  return make_service_token(require_scoped_key(scope), request);
}

std::string ClientState::request_token(std::string_view scope) const {
  return minter ? minter->take(scope) : service_token(scope);
}

ApiCall ClientState::scoped_call(std::string method, std::string path, std::optional<nlohmann::json> body,
                                 std::string_view scope, Idempotency idempotency, BodySecrecy secrecy) const {
  ApiCall call;
  call.method = std::move(method);
  call.path = std::move(path);
  call.body = std::move(body);
  call.secret_body = secrecy == BodySecrecy::secret;  // from here on the ApiCall wipes the body
  (void)require_scoped_key(scope);                     // refused before anything is sent
  // A fresh service token per attempt: its nonce is single use, so a retry must not replay it.
  call.make_bearer = [this, scope = std::string(scope)] { return request_token(scope); };
  call.idempotency = idempotency;
  return call;
}

ApiCall ClientState::complete_call(std::string path, nlohmann::json body) {
  ApiCall call;
  call.method = "POST";
  call.path = std::move(path);
  call.body = std::move(body);
  call.idempotency = Idempotency::creates;
  return call;
}

AuthResult ClientState::verified_auth_result(ApiResponse answer, std::optional<std::string_view> username,
                                             bool require_jwt, const CallContext& context) const {
  const int status = answer.status;
  const std::string request_id = answer.request_id;
  AuthResult result = parse_answer(std::move(answer), parse_auth_result);
  if (!result.jwt) {
    if (require_jwt) throw BadResponse(status, "response.jwt: missing", request_id);
    return result;
  }
  std::error_code ec;
  TokenExpectations expect{client_id, username ? std::optional<std::string>(*username) : std::nullopt};
  result.claims = verifier->verify(*result.jwt, expect, ec, context);
  if (!result.claims) throw_token_error(ec);
  return result;
}

std::function<AuthResult(ApiResponse&&, const CallContext&)> ClientState::auth_reader(
    std::optional<std::string> username, bool require_jwt) const {
  return [this, username = std::move(username), require_jwt](ApiResponse&& answer, const CallContext& context) {
    return verified_auth_result(std::move(answer), username, require_jwt, context);
  };
}

std::shared_ptr<const ClientState> make_client_state(std::string client_id, std::optional<PrivateKey> key,
                                                     Options options) {
  require_text(client_id, "client_id");
  auto state = std::make_shared<ClientState>();
  state->client_id = client_id;
  state->key = std::move(key);
  state->service = std::make_shared<const ServiceClient>(std::move(options), std::move(client_id));
  state->verifier = std::make_unique<const TokenVerifier>(state->service);
  const PresignOptions& presign = state->service->options().presign;
  validate_presign(presign);
  if (state->key && presign.enabled) {
    const ClientState* self = state.get();  // the minter is a member: it never outlives the state
    state->minter = std::make_unique<TokenMinter>([self](std::string_view scope) { return self->service_token(scope); },
                                                  [self] { return self->service->now(); }, presign);
  }
  return state;
}

namespace {

// Parses the PEM; the SecretString wipes it whatever happens (also when parsing fails).
std::optional<PrivateKey> parse_key(const SecretString& pem) {
  if (pem.empty()) return std::nullopt;
  return PrivateKey::from_pem(pem.view());
}

std::optional<std::string> expected_username(const std::optional<Username>& username) {
  if (!username) return std::nullopt;
  return username->str();
}

// wait_code is one wait as the caller sees it, up to Options::wait_timeout, whatever the service's
// own hold of a long poll (the emulator's --wait-timeout, 30 s by default). A service that gives up
// first answers 408 code_timeout with the code still valid, so asking again is safe; an answer that
// came back at once was no long poll, and asking again would spin.
constexpr std::chrono::seconds kMinLongPoll{1};

bool should_ask_again(const ServiceError& e, std::chrono::system_clock::time_point asked_at,
                      std::chrono::system_clock::time_point now, std::chrono::system_clock::time_point deadline) {
  return e.status() == 408 && e.code() == ServiceCode::code_timeout && now - asked_at >= kMinLongPoll &&
         deadline - now >= kMinLongPoll;
}

// Our own deadline ran out while the service was still holding the wait (no answer). A connection
// failure stays a connection failure: that is a service out of reach, not a slow user.
bool is_own_deadline(const TransportError& e) { return e.reason() == TransportError::Reason::timeout; }

std::string describe_duration(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

// The same code as the service's own timeout, so a caller handles one outcome, not two.
ServiceError wait_deadline_error(std::chrono::milliseconds budget) {
  return ServiceError(0, ServiceCode::code_timeout,
                      "the code was not authorized within " + describe_duration(budget) +
                          " (CallOptions::timeout / deadline, else Options::wait_timeout)");
}

// What the service needs of the browser's answers (API.md, "FIDO2 / WebAuthn"); `challenge` echoes
// the service's string, the rest is binary, base64url.
nlohmann::json attestation_answer(std::string_view text) {
  return browser_answer(text, "attestation_payload", {"challenge", "credential_uuid"},
                        {"credential_id", "client_data", "attestation_data"});
}

nlohmann::json assertion_answer(std::string_view text) {
  return browser_answer(text, "assertion_payload", {"challenge"},
                        {"credential_id", "client_data", "authenticator_data", "signature"});
}

// register_fido2_complete and complete_add_fido2_credential differ only in the path.
Operation<AuthResult> complete_attestation(const ClientState& state, std::string path, const Username& username,
                                           std::string_view attestation_payload, const Fido2CompleteOptions& options) {
  require_text(username.str(), "username");
  nlohmann::json body{{"client_id", state.client_id},
                      {"username", username.str()},
                      {"attestation_payload", attestation_answer(attestation_payload)}};
  add_fido2_complete_options(body, options);
  return {ClientState::complete_call(std::move(path), std::move(body)), std::nullopt,
          state.auth_reader(username.str(), /*require_jwt=*/!options.no_jwt)};
}

// A CallOptions that sets nothing: verification then needs no call context (and reads no clock
// for one) unless a key must be fetched.
bool is_default(const CallOptions& call) noexcept {
  return !call.deadline && !call.timeout && !call.retry && !call.cancellation.can_be_cancelled();
}

// Verification with the caller's limits; `ec` std::errc::invalid_argument for a bad CallOptions.
template <class Verify>
std::optional<Claims> verify_within(const ClientState& state, const CallOptions& call, std::error_code& ec,
                                    Verify verify) noexcept {
  try {
    if (is_default(call)) return verify(nullptr);
    const CallContext context = state.service->context(call);
    return verify(&context);
  } catch (const InvalidArgument&) {
    ec = std::make_error_code(std::errc::invalid_argument);
  } catch (...) {  // only std::bad_alloc can get here (building the expectations or the context)
    ec = std::make_error_code(std::errc::not_enough_memory);
  }
  return std::nullopt;
}

}  // namespace

// ---- the request descriptions (operations.hpp) ---------------------------------------------------

namespace ops {

Operation<TxResult> create_transaction(const ClientState& state, std::string_view tx_payload,
                                       const TxOptions& options) {
  require_text(tx_payload, "tx_payload");
  if (options.nonce) require_text(*options.nonce, "nonce");
  if (options.tx_type) require_text(*options.tx_type, "tx_type");
  if (options.username) require_text(options.username->str(), "username");
  const PrivateKey& key = state.require_key("create_transaction");

  // The same nonce goes into the tx auth token and the body: the service binds them together.
  std::string nonce = options.nonce ? *options.nonce : random_alphanumeric(16);
  nlohmann::json body{{"client_id", state.client_id}, {"tx_payload", tx_payload}, {"nonce", nonce}};
  if (options.tx_type) body["tx_type"] = *options.tx_type;
  if (options.username) body["username"] = options.username->str();

  ApiCall call;
  call.method = "POST";
  call.path = "/tx";
  call.body = std::move(body);
  call.bearer = make_tx_auth_token(key, tx_payload, nonce, state.service->now());
  call.idempotency = Idempotency::creates;
  return {std::move(call), std::nullopt, [nonce = std::move(nonce)](ApiResponse&& answer, const CallContext&) {
            TxResult result = parse_answer(std::move(answer), parse_tx_result);
            result.nonce = nonce;
            return result;
          }};
}

Operation<AuthResult> wait_code(const ClientState& state, const Username& username, std::string_view code,
                                CodeType code_type, const WaitCodeOptions& options) {
  require_text(username.str(), "username");
  require_text(code, "code");
  nlohmann::json body{{"client_id", state.client_id},
                      {"username", username.str()},
                      {"authentication_code", {{"code", code}, {"type", to_string(code_type)}}}};
  if (options.no_jwt) body["no_jwt"] = true;
  ApiCall call;
  call.method = "POST";
  call.path = "/authenticate/code/wait";
  call.body = std::move(body);
  // Not repeated by the retry policy once sent: an answer lost after the code was consumed would
  // turn into code_invalid. A long poll the service ended first is asked again (ask_again).
  call.idempotency = Idempotency::creates;
  const ServiceClient* service = state.service.get();
  Operation<AuthResult> operation{std::move(call), service->options().wait_timeout,
                                  state.auth_reader(username.str(), /*require_jwt=*/!options.no_jwt)};
  operation.ask_again = [service](const ServiceError& e, TimePoint asked_at, const CallContext& context) {
    return should_ask_again(e, asked_at, service->now(), context.deadline);
  };
  operation.on_transport_error = [](const TransportError& e, const CallContext& context) {
    if (is_own_deadline(e)) throw wait_deadline_error(context.budget);
  };
  return operation;
}

// The two password calls: the body holds the password (wiped after the call), the call is never
// repeated once sent, and the answer must carry a JWT for `username`.
Operation<AuthResult> password_operation(const ClientState& state, const Username& username, std::string path,
                                         nlohmann::json body, std::string_view scope) {
  return {state.scoped_call("POST", std::move(path), std::move(body), scope, Idempotency::creates,
                            BodySecrecy::secret),
          std::nullopt, state.auth_reader(username.str(), /*require_jwt=*/true)};
}

Operation<AuthResult> register_password(const ClientState& state, const Username& username, std::string_view password,
                                        std::optional<std::string_view> password_confirmation) {
  require_text(username.str(), "username");
  require_text(password, "password");
  require_optional_text(password_confirmation, "password_confirmation");
  nlohmann::json body{{"client_id", state.client_id},
                      {"username", username.str()},
                      {"password", password},
                      {"password_confirmation", password_confirmation.value_or(password)}};
  // Not repeated once sent: the user may have been created.
  return password_operation(state, username, "/register/password", std::move(body), "auth.register");
}

Operation<AuthResult> authenticate_password(const ClientState& state, const Username& username,
                                            std::string_view password) {
  require_text(username.str(), "username");
  require_text(password, "password");
  nlohmann::json body{{"client_id", state.client_id}, {"username", username.str()}, {"password", password}};
  // Not repeated once sent: each attempt counts towards the service's lockout.
  return password_operation(state, username, "/authenticate/password", std::move(body), "auth.login");
}

Operation<PublicKeyChallenge> authenticate_publickey_init(const ClientState& state, const Username& username,
                                                          std::string_view public_key_pem) {
  require_text(username.str(), "username");
  require_text(public_key_pem, "public_key_pem");
  const PublicKey key = PublicKey::from_pem(public_key_pem);
  nlohmann::json body{{"client_id", state.client_id},
                      {"username", username.str()},
                      {"publickey", key.to_pem()},
                      {"publickey_alg", "ES256"}};
  return {state.scoped_call("POST", "/authenticate/publickey/init", std::move(body), "auth.login",
                            Idempotency::creates),
          std::nullopt, read_parsed(parse_publickey_challenge)};
}

Operation<AuthResult> authenticate_publickey_complete(const ClientState& state, const Username& username,
                                                      const PublicKeyChallenge& challenge, std::string_view assertion) {
  require_text(username.str(), "username");
  require_text(challenge.challenge_id, "challenge_id");
  require_text(assertion, "assertion");
  nlohmann::json body{{"client_id", state.client_id},
                      {"username", username.str()},
                      {"challenge_id", challenge.challenge_id},
                      {"assertion", assertion}};
  return {ClientState::complete_call("/authenticate/publickey/complete", std::move(body)), std::nullopt,
          state.auth_reader(username.str(), /*require_jwt=*/false)};
}

Operation<Fido2AttestationInit> register_fido2_init(const ClientState& state, const Username& username,
                                                    const Fido2RegisterOptions& options) {
  require_text(username.str(), "username");
  nlohmann::json body{{"client_id", state.client_id}, {"username", username.str()}};
  if (auto sent = fido2_create_options(options)) body["options"] = std::move(*sent);
  // Safe to repeat: another init only issues another challenge; nothing is created before the complete.
  return {state.scoped_call("POST", "/register/fido2/init", std::move(body), "auth.register", Idempotency::safe),
          std::nullopt, read_parsed(parse_fido2_attestation_init)};
}

Operation<AuthResult> register_fido2_complete(const ClientState& state, const Username& username,
                                              std::string_view attestation_payload,
                                              const Fido2CompleteOptions& options) {
  return complete_attestation(state, "/register/fido2/complete", username, attestation_payload, options);
}

Operation<Fido2AssertionInit> authenticate_fido2_init(const ClientState& state, const Username& username) {
  require_text(username.str(), "username");
  nlohmann::json body{{"client_id", state.client_id}, {"username", username.str()}};
  // Safe to repeat: another init only issues another challenge.
  return {state.scoped_call("POST", "/authenticate/fido2/init", std::move(body), "auth.login", Idempotency::safe),
          std::nullopt, read_parsed(parse_fido2_assertion_init)};
}

Operation<AuthResult> authenticate_fido2_complete(const ClientState& state, const Username& username,
                                                  std::string_view assertion_payload,
                                                  const Fido2AuthenticateOptions& options) {
  require_text(username.str(), "username");
  nlohmann::json body{{"client_id", state.client_id},
                      {"username", username.str()},
                      {"assertion_payload", assertion_answer(assertion_payload)}};
  if (options.no_jwt) body["no_jwt"] = true;
  return {ClientState::complete_call("/authenticate/fido2/complete", std::move(body)), std::nullopt,
          state.auth_reader(username.str(), /*require_jwt=*/!options.no_jwt)};
}

Operation<Fido2AttestationInit> init_add_fido2_credential_with_code(const ClientState& state, const Username& username,
                                                                    std::string_view code, CodeType code_type,
                                                                    const Fido2CredentialOptions& options) {
  require_text(username.str(), "username");
  require_text(code, "code");
  nlohmann::json body{{"client_id", state.client_id},
                      {"username", username.str()},
                      {"authentication_code", {{"code", code}, {"type", to_string(code_type)}}}};
  if (auto sent = fido2_create_options(options)) body["options"] = std::move(*sent);
  // Not repeated once sent: the service uses the code up.
  return {state.scoped_call("POST", "/credentials/fido2/init/code", std::move(body), "credentials.add",
                            Idempotency::creates),
          std::nullopt, read_parsed(parse_fido2_attestation_init)};
}

Operation<AuthResult> complete_add_fido2_credential(const ClientState& state, const Username& username,
                                                    std::string_view attestation_payload,
                                                    const Fido2CompleteOptions& options) {
  return complete_attestation(state, "/credentials/fido2/complete", username, attestation_payload, options);
}

}  // namespace ops

}  // namespace loginid::detail

namespace loginid::inline v1 {

namespace ops = detail::ops;

LoginID::LoginID(std::string client_id, SecretString private_key_pem, Options options)
    : state_(detail::make_client_state(std::move(client_id), detail::parse_key(private_key_pem),
                                       std::move(options))) {}

LoginID::LoginID(std::string client_id, PrivateKey private_key, Options options)
    : state_(detail::make_client_state(std::move(client_id), std::move(private_key), std::move(options))) {}

LoginID::~LoginID() = default;

const std::string& LoginID::client_id() const noexcept { return state_->client_id; }
const std::string& LoginID::base_url() const noexcept { return state_->service->base_url(); }
bool LoginID::has_private_key() const noexcept { return state_->key.has_value(); }
bool LoginID::is_emulator() const noexcept { return state_->service->is_emulator(); }

std::string LoginID::generate_service_token(std::string_view scope, const ServiceTokenOptions& options) const {
  detail::require_text(scope, "scope");
  if (options.username) detail::require_text(options.username->str(), "username");
  if (options.user_id) detail::require_text(options.user_id->str(), "user_id");
  if (options.nonce) detail::require_text(*options.nonce, "nonce");
  detail::ServiceTokenRequest request{};
  request.client_id = state_->client_id;
  request.scope = scope;
  if (options.username) request.username = options.username->str();
  if (options.user_id) request.user_id = options.user_id->str();
  if (options.nonce) request.nonce = *options.nonce;
  request.now = state_->service->now();
  return detail::make_service_token(state_->require_key("generate_service_token"), request);
}

bool LoginID::verify_token(std::string_view token, const std::optional<Username>& username,
                           const CallOptions& call) const noexcept {
  std::error_code ec;
  return verify_token_claims(token, username, ec, call).has_value();
}

std::optional<Claims> LoginID::verify_token_claims(std::string_view token, const std::optional<Username>& username,
                                                   std::error_code& ec, const CallOptions& call) const noexcept {
  return detail::verify_within(*state_, call, ec, [&](const detail::CallContext* context) {
    const detail::TokenExpectations expect{state_->client_id, detail::expected_username(username)};
    return context ? state_->verifier->verify(token, expect, ec, *context) : state_->verifier->verify(token, expect, ec);
  });
}

Claims LoginID::verify_token_claims(std::string_view token, const std::optional<Username>& username,
                                    const CallOptions& call) const {
  std::error_code ec;
  auto claims = verify_token_claims(token, username, ec, call);
  if (!claims) detail::throw_token_error(ec);
  return std::move(*claims);
}

std::string LoginID::generate_tx_auth_token(std::string_view tx_payload, std::optional<std::string_view> nonce) const {
  detail::require_text(tx_payload, "tx_payload");
  detail::require_optional_text(nonce, "nonce");
  return detail::make_tx_auth_token(state_->require_key("generate_tx_auth_token"), tx_payload, nonce,
                                    state_->service->now());
}

TxResult LoginID::create_transaction(std::string_view tx_payload, const TxOptions& options,
                                     const CallOptions& call) const {
  return state_->run(ops::create_transaction(*state_, tx_payload, options), call);
}

bool LoginID::verify_transaction(std::string_view tx_token, std::string_view tx_payload,
                                 const CallOptions& call) const noexcept {
  std::error_code ec;
  return verify_transaction_claims(tx_token, tx_payload, ec, call).has_value();
}

std::optional<Claims> LoginID::verify_transaction_claims(std::string_view tx_token, std::string_view tx_payload,
                                                         std::error_code& ec, const CallOptions& call) const noexcept {
  return detail::verify_within(*state_, call, ec, [&](const detail::CallContext* context) {
    const detail::TokenExpectations expect{state_->client_id, std::nullopt};
    return context ? state_->verifier->verify_transaction(tx_token, tx_payload, expect, ec, *context)
                   : state_->verifier->verify_transaction(tx_token, tx_payload, expect, ec);
  });
}

Claims LoginID::verify_transaction_claims(std::string_view tx_token, std::string_view tx_payload,
                                          const CallOptions& call) const {
  std::error_code ec;
  auto claims = verify_transaction_claims(tx_token, tx_payload, ec, call);
  if (!claims) detail::throw_token_error(ec);
  return std::move(*claims);
}

AuthResult LoginID::wait_code(const Username& username, const CodeResult& code, const WaitCodeOptions& options,
                              const CallOptions& call) const {
  return wait_code(username, code.code, code.code_type, options, call);
}

AuthResult LoginID::wait_code(const Username& username, std::string_view code, CodeType code_type,
                              const WaitCodeOptions& options, const CallOptions& call) const {
  return state_->run(ops::wait_code(*state_, username, code, code_type, options), call);
}

AuthResult LoginID::register_password(const Username& username, std::string_view password,
                                      std::optional<std::string_view> password_confirmation,
                                      const CallOptions& call) const {
  return state_->run(ops::register_password(*state_, username, password, password_confirmation), call);
}

AuthResult LoginID::authenticate_password(const Username& username, std::string_view password,
                                          const CallOptions& call) const {
  return state_->run(ops::authenticate_password(*state_, username, password), call);
}

PublicKeyChallenge LoginID::authenticate_publickey_init(const Username& username, std::string_view public_key_pem,
                                                        const CallOptions& call) const {
  return state_->run(ops::authenticate_publickey_init(*state_, username, public_key_pem), call);
}

AuthResult LoginID::authenticate_publickey_complete(const Username& username, const PublicKeyChallenge& challenge,
                                                    std::string_view assertion, const CallOptions& call) const {
  return state_->run(ops::authenticate_publickey_complete(*state_, username, challenge, assertion), call);
}

Fido2AttestationInit LoginID::register_fido2_init(const Username& username, const Fido2RegisterOptions& options,
                                                  const CallOptions& call) const {
  return state_->run(ops::register_fido2_init(*state_, username, options), call);
}

AuthResult LoginID::register_fido2_complete(const Username& username, std::string_view attestation_payload,
                                            const Fido2CompleteOptions& options, const CallOptions& call) const {
  return state_->run(ops::register_fido2_complete(*state_, username, attestation_payload, options), call);
}

Fido2AssertionInit LoginID::authenticate_fido2_init(const Username& username, const CallOptions& call) const {
  return state_->run(ops::authenticate_fido2_init(*state_, username), call);
}

AuthResult LoginID::authenticate_fido2_complete(const Username& username, std::string_view assertion_payload,
                                                const Fido2AuthenticateOptions& options,
                                                const CallOptions& call) const {
  return state_->run(ops::authenticate_fido2_complete(*state_, username, assertion_payload, options), call);
}

Fido2AttestationInit LoginID::init_add_fido2_credential_with_code(const Username& username, std::string_view code,
                                                                 CodeType code_type,
                                                                 const Fido2CredentialOptions& options,
                                                                 const CallOptions& call) const {
  return state_->run(ops::init_add_fido2_credential_with_code(*state_, username, code, code_type, options), call);
}

AuthResult LoginID::complete_add_fido2_credential(const Username& username, std::string_view attestation_payload,
                                                  const Fido2CompleteOptions& options, const CallOptions& call) const {
  return state_->run(ops::complete_add_fido2_credential(*state_, username, attestation_payload, options), call);
}

std::string LoginID::make_publickey_assertion(const PrivateKey& user_key, std::string_view server_nonce) {
  detail::require_text(server_nonce, "server_nonce");
  const auto now = std::chrono::system_clock::now();
  const auto iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return detail::sign_jwt_json(detail::Json{{"server_nonce", server_nonce}, {"iat", iat}}, user_key);
}

}  // namespace loginid::inline v1
