// Service: FIDO2 / WebAuthn relying party (API.md, "FIDO2 / WebAuthn (passkeys)").
//
// Every init issues a challenge: 32 random bytes, single use, expiring, bound to the user, the
// application that issued it and the ceremony (register, add a credential, log in, make a code,
// confirm a transaction). Its complete looks the challenge up by the string the page echoes, checks
// those bindings, verifies the page's answer with src/webauthn against the relying party the
// challenge was issued for (the issuing application's rp id and allowed origins), then consumes the
// challenge and writes the result in one store transaction.
#include <algorithm>
#include <array>

#include "emulator/service/service.hpp"
#include "emulator/service/util.hpp"
#include "jose/base64url.hpp"
#include "jose/json_strict.hpp"
#include "jose/tokens.hpp"
#include "webauthn/verify.hpp"

namespace loginid::detail::emulator {
namespace {

namespace ceremony {
constexpr const char* kRegister = "register";
constexpr const char* kAddCredential = "add_credential";  // with an authorized code
constexpr const char* kForceAdd = "force_add";            // a management application's force init
constexpr const char* kAuthenticate = "authenticate";
constexpr const char* kGenerateCode = "generate_code";
constexpr const char* kTx = "tx";
}  // namespace ceremony

// What pubKeyCredParams offers, preferred first; registrations must use one of them.
const std::vector<int> kOfferedAlgorithms = {webauthn::cose_alg::es256, webauthn::cose_alg::eddsa,
                                             webauthn::cose_alg::rs256};
constexpr std::size_t kMaxDisplayName = 256;
constexpr std::size_t kMaxTransports = 8;

[[noreturn]] void challenge_invalid(const std::string& why) {
  throw ApiError(Errc::challenge_invalid, "challenge: " + why);
}

void require_active(const store::User& user) {
  if (user.status != "active") throw ApiError(Errc::user_inactive, "user is deactivated");
}

/// The published browser SDK's base64 decoder drops a 0x00 byte completed by one of the last two
/// characters: for 32 bytes, a zero in either of the last two bytes (docs: websdk notes). Values the
/// page must decode (challenges, tx hashes) avoid that.
bool survives_browser_sdk_decoder(std::string_view bytes) {
  const auto n = bytes.size();
  if (n == 0 || bytes[n - 1] == '\0') return false;
  return n % 3 == 1 || n < 2 || bytes[n - 2] != '\0';
}

std::string random_challenge() {
  for (;;) {
    auto bytes = random_byte_string(32);
    if (survives_browser_sdk_decoder(bytes)) return base64url_encode(bytes);
  }
}

/// A WebAuthn user handle: the user id's own text (36 ASCII bytes, so never a 0x00 byte), stable
/// for the user and the same for every credential the user registers.
std::string user_handle(const std::string& user_id) { return base64url_encode(user_id); }

std::string format_aaguid(const std::array<std::uint8_t, 16>& aaguid) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < aaguid.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[aaguid[i] >> 4]);
    out.push_back(kHex[aaguid[i] & 0x0f]);
  }
  return out;
}

void check_display_name(const std::string& field, const std::optional<std::string>& value) {
  if (value && (value->empty() || value->size() > kMaxDisplayName)) {
    throw ApiError(Errc::bad_request, field + ": must be 1 to 256 characters");
  }
}

void check_credential_name(const std::optional<std::string>& name) {
  if (name && (name->empty() || name->size() > 128)) {
    throw ApiError(Errc::bad_request, "options.credential_name: must be 1 to 128 characters");
  }
}

std::vector<std::string> checked_transports(const std::vector<std::string>& transports) {
  if (transports.size() > kMaxTransports) {
    throw ApiError(Errc::bad_request, "attestation_payload.transports: at most 8 transports");
  }
  for (const auto& t : transports) {
    bool ok = !t.empty() && t.size() <= 32;
    for (char c : t) ok = ok && ((c >= 'a' && c <= 'z') || c == '-');
    if (!ok) {
      throw ApiError(Errc::bad_request,
                     "attestation_payload.transports: each must be a transport name such as usb, nfc, ble, "
                     "internal or hybrid");
    }
  }
  return transports;
}

/// A refusal of src/webauthn as the API's error: malformed input is a 400 naming the field it came
/// in, a check that failed is a 401 credential_invalid saying which check.
[[noreturn]] void refuse(const webauthn::Failure& failure, const Fido2FieldNames& names,
                         const std::string& origin_client_id, std::string_view client_data_json) {
  using webauthn::Errc;
  const auto& why = failure.message;
  std::string page_origin = "<origin>";
  if (failure.reason == Errc::origin_mismatch) {
    JsonProblem problem{};
    if (auto client_data = parse_json_object_strict(client_data_json, problem)) {
      if (auto it = client_data->find("origin"); it != client_data->end() && it->is_string()) {
        page_origin = it->get<std::string>();
      }
    }
  }
  switch (failure.reason) {
    case Errc::malformed_client_data:
      throw ApiError(emulator::Errc::bad_request, names.client_data + ": " + why);
    case Errc::malformed_attestation_object:
    case Errc::malformed_authenticator_data:
    case Errc::missing_attested_credential_data:
    case Errc::credential_id_too_long:
    case Errc::unsupported_credential_public_key:
    case Errc::unsupported_fmt:
      throw ApiError(emulator::Errc::bad_request, names.authenticator_data + ": " + why);
    case Errc::sign_count_not_increased:
      throw ApiError(emulator::Errc::credential_invalid,
                     why + ": this looks like a cloned authenticator, so the assertion is refused");
    case Errc::origin_mismatch:
      throw ApiError(emulator::Errc::credential_invalid,
                     why + "; " + how_to_allow_origin(origin_client_id, page_origin));
    case Errc::bad_signature:
      throw ApiError(emulator::Errc::credential_invalid, names.signature + ": " + why);
    default:
      throw ApiError(emulator::Errc::credential_invalid, why);
  }
}

}  // namespace

// ----- shared steps -----

store::Fido2Challenge Service::prepare_fido2_challenge(store::Fido2Challenge challenge,
                                                       const store::Application& issuer) {
  if (challenge.challenge.empty()) challenge.challenge = random_challenge();
  challenge.client_id = issuer.client_id;
  challenge.namespace_id = issuer.namespace_id;
  challenge.rp_id = issuer.web_settings.rp_id;
  challenge.user_verification = "required";
  challenge.expires_at = now_ms() + std::chrono::duration_cast<std::chrono::milliseconds>(config_.challenge_ttl).count();
  return challenge;
}

Fido2Options Service::fido2_create_options(const store::Fido2Challenge& challenge, const store::Application& issuer,
                                           const store::User& user, const Fido2CreateRequest& request) {
  Fido2Options options;
  options.challenge = challenge.challenge;
  options.rp_id = challenge.rp_id;
  options.rp_name = issuer.web_settings.rp_name;
  options.user_handle = user_handle(user.id);
  options.user_name = request.override_name.value_or(user.username);
  options.user_display_name = request.display_name.value_or(user.username);
  options.user_verification = challenge.user_verification;
  options.timeout_ms = std::chrono::duration_cast<std::chrono::milliseconds>(config_.challenge_ttl).count();
  options.credential_uuid = challenge.credential_uuid;
  options.authenticator_attachment = request.roaming_authenticator ? "cross-platform" : "platform";
  options.algorithms = kOfferedAlgorithms;
  // excludeCredentials: every credential of the user for this relying party, revoked ones too (the
  // authenticator would only make a second credential for the same account).
  for (auto& [credential, key] : store_.list_fido2_credentials(user.id)) {
    if (key.rp_id == challenge.rp_id) options.credentials.push_back(std::move(key));
  }
  return options;
}

Fido2Options Service::issue_fido2_assertion(const store::Fido2Challenge& challenge, const store::User& user) {
  Fido2Options options;
  options.challenge = challenge.challenge;
  options.rp_id = challenge.rp_id;
  options.user_verification = challenge.user_verification;
  options.timeout_ms = std::chrono::duration_cast<std::chrono::milliseconds>(config_.challenge_ttl).count();
  for (auto& [credential, key] : store_.list_fido2_credentials(user.id)) {
    if (credential.status == "active" && key.rp_id == challenge.rp_id) options.credentials.push_back(std::move(key));
  }
  if (options.credentials.empty()) {
    throw ApiError(Errc::not_found, "the user has no active FIDO2 credential for relying party " + options.rp_id);
  }
  store_.insert_fido2_challenge(challenge);
  return options;
}

store::Fido2Challenge Service::fido2_challenge_for(const Caller& caller, const std::string& text,
                                                   std::initializer_list<const char*> ceremonies) {
  if (text.empty() || text.size() > 128) challenge_invalid("unknown challenge (not one this emulator issued)");
  auto challenge = store_.find_fido2_challenge(text);
  if (!challenge) challenge_invalid("unknown or already used challenge");
  if (std::none_of(ceremonies.begin(), ceremonies.end(), [&](const char* c) { return challenge->ceremony == c; })) {
    challenge_invalid("this challenge was issued for another flow (" + challenge->ceremony + "), not for this call");
  }
  // Bound to the application that issued it; a management application's force init is completed by
  // the namespace's web application, as the published Python SDK does it.
  const bool same_app = challenge->client_id == caller.app.client_id;
  const bool namespace_force_add =
      challenge->ceremony == std::string(ceremony::kForceAdd) && challenge->namespace_id == caller.app.namespace_id;
  if (!same_app && !namespace_force_add) challenge_invalid("this challenge was issued to another application");
  if (now_ms() > challenge->expires_at) {
    challenge_invalid("the challenge has expired (challenges live " + std::to_string(config_.challenge_ttl.count()) +
                      " s); start again with the init call");
  }
  return *challenge;
}

store::User Service::fido2_user_for(const Caller& caller, const store::Fido2Challenge& challenge,
                                    const std::string& username) {
  auto user = user_by_username(caller.app.namespace_id, username);
  if (user.id != challenge.user_id) challenge_invalid("this challenge was issued for another user");
  require_active(user);
  return user;
}

namespace {

webauthn::Policy policy_for(const store::Fido2Challenge& challenge, const store::Application& issuer) {
  webauthn::Policy policy;
  policy.rp_id = challenge.rp_id;
  policy.origin_allowed = [origins = issuer.web_settings.allowed_origins](std::string_view origin) {
    return origin_allowed(origins, origin);
  };
  policy.require_user_verification = challenge.user_verification == "required";
  policy.allowed_algorithms = kOfferedAlgorithms;
  return policy;
}

}  // namespace

AuthResult Service::finish_fido2_registration(const Caller& caller, const store::Fido2Challenge& challenge,
                                              const std::optional<store::User>& existing_user,
                                              const Fido2Attestation& attestation,
                                              const std::optional<std::string>& credential_name, bool no_jwt) {
  checked_transports(attestation.transports);
  if (attestation.credential_uuid != challenge.credential_uuid.value_or("")) {
    throw ApiError(Errc::bad_request, "attestation_payload.credential_uuid: not the credential_uuid of this challenge");
  }
  auto issuer = find_app(challenge.client_id);
  if (!issuer) challenge_invalid("the application that issued it no longer exists");
  auto result = webauthn::verify_registration(
      {attestation.client_data_json, attestation.attestation_object, challenge.challenge},
      policy_for(challenge, issuer->app));
  if (!result) refuse(result.failure(), attestation.names, issuer->app.client_id, attestation.client_data_json);
  if (result->credential_id != attestation.credential_id) {
    throw ApiError(Errc::bad_request,
                   attestation.names.credential_id + ": not the credential id of the attestation object");
  }

  const auto now = now_ms();
  store::User user = existing_user.value_or(
      store::User{challenge.user_id, caller.app.namespace_id, challenge.username, "active", now, now,
                  challenge.client_id});
  store::Credential credential{*challenge.credential_uuid, user.id, "fido2", "active",
                               credential_name.value_or("Passkey"), std::nullopt, now, now};
  store::Fido2Key key{credential.uuid,
                      caller.app.namespace_id,
                      base64url_encode(result->credential_id),
                      base64url_encode(result->credential_public_key_cose),
                      result->alg,
                      result->sign_count,
                      attestation.transports,
                      format_aaguid(result->aaguid),
                      challenge.rp_id,
                      result->fmt,
                      result->flags.be,
                      result->flags.bs,
                      std::nullopt};
  std::optional<std::pair<store::User, std::string>> new_user;
  if (!existing_user) new_user.emplace(user, lowercase_ascii(user.username));
  switch (store_.add_fido2_credential(challenge.challenge, new_user, credential, key)) {
    case store::Store::Fido2Outcome::done: break;
    case store::Store::Fido2Outcome::username_taken:
      throw ApiError(Errc::user_already_exists, "username is already taken in this namespace");
    case store::Store::Fido2Outcome::credential_exists:
      throw ApiError(Errc::credential_exists, "this authenticator's credential is already registered");
    default: challenge_invalid("already used");
  }
  return authenticated(user, credential, caller.app, !no_jwt, existing_user ? "credential_add" : "register");
}

std::pair<store::Credential, store::Fido2Key> Service::verify_fido2_assertion(const store::Fido2Challenge& challenge,
                                                                             const store::User& user,
                                                                             const Fido2Assertion& assertion) {
  const auto& field = assertion.names.credential_id;
  auto found = store_.find_fido2_credential(challenge.namespace_id, base64url_encode(assertion.credential_id));
  if (!found) throw ApiError(Errc::credential_invalid, field + ": not a registered FIDO2 credential");
  auto& [credential, key] = *found;
  if (credential.user_id != user.id) throw ApiError(Errc::credential_invalid, field + ": not a credential of this user");
  if (credential.status != "active") {
    throw ApiError(Errc::credential_invalid, field + ": the credential is " + credential.status);
  }
  if (key.rp_id != challenge.rp_id) {
    throw ApiError(Errc::credential_invalid, field + ": the credential was registered for relying party " + key.rp_id +
                                                 ", not " + challenge.rp_id);
  }
  auto issuer = find_app(challenge.client_id);
  if (!issuer) challenge_invalid("the application that issued it no longer exists");
  auto cose = base64url_decode(key.cose_key);
  if (!cose) throw std::runtime_error("stored COSE key is not base64url");
  webauthn::AuthenticationInput input;
  input.client_data_json = assertion.client_data_json;
  input.authenticator_data = assertion.authenticator_data;
  input.signature = assertion.signature;
  input.expected_challenge = challenge.challenge;
  input.stored_public_key_cose = *cose;
  input.stored_sign_count = static_cast<std::uint32_t>(key.sign_count);
  input.stored_backup_eligible = key.backup_eligible;
  auto result = webauthn::verify_authentication(input, policy_for(challenge, issuer->app));
  if (!result) refuse(result.failure(), assertion.names, issuer->app.client_id, assertion.client_data_json);

  switch (store_.record_fido2_assertion(challenge.challenge, credential.uuid, key.sign_count, result->sign_count,
                                        result->flags.bs, now_ms())) {
    case store::Store::Fido2Outcome::done: break;
    case store::Store::Fido2Outcome::counter_moved:
      throw ApiError(Errc::credential_invalid,
                     "another assertion of this credential was recorded at the same time; its signature counter "
                     "moved (start again)");
    default: challenge_invalid("already used");
  }
  key.sign_count = result->sign_count;
  return {credential, key};
}

// ----- registration -----

Fido2Options Service::register_fido2_init(const Caller& caller, const std::string& username,
                                          const Fido2CreateRequest& request) {
  check_username(username);
  check_display_name("options.display_name", request.display_name);
  check_display_name("options.override_name", request.override_name);
  if (store_.find_user_by_username(caller.app.namespace_id, lowercase_ascii(username))) {
    throw ApiError(Errc::user_already_exists, "username is already taken in this namespace");
  }
  store::Fido2Challenge challenge;
  challenge.ceremony = ceremony::kRegister;
  challenge.user_id = new_uuid();  // the user is created by the complete, with this id
  challenge.username = username;
  challenge.credential_uuid = new_uuid();
  challenge = prepare_fido2_challenge(std::move(challenge), caller.app);
  store_.insert_fido2_challenge(challenge);
  const auto now = now_ms();
  store::User future{challenge.user_id, caller.app.namespace_id, username, "active", now, now, caller.app.client_id};
  return fido2_create_options(challenge, caller.app, future, request);
}

AuthResult Service::register_fido2_complete(const Caller& caller, const std::string& username,
                                            const Fido2Attestation& attestation,
                                            const std::optional<std::string>& credential_name, bool no_jwt) {
  check_username(username);
  check_credential_name(credential_name);
  auto challenge = fido2_challenge_for(caller, attestation.challenge, {ceremony::kRegister});
  if (lowercase_ascii(username) != lowercase_ascii(challenge.username)) {
    challenge_invalid("this challenge was issued for another username");
  }
  return finish_fido2_registration(caller, challenge, std::nullopt, attestation, credential_name, no_jwt);
}

Fido2Options Service::issue_fido2_credential_add(const char* ceremony_name, const Caller& caller,
                                                 const store::User& user, const Fido2CreateRequest& request) {
  store::Fido2Challenge challenge;
  challenge.ceremony = ceremony_name;
  challenge.user_id = user.id;
  challenge.username = user.username;
  challenge.credential_uuid = new_uuid();
  challenge = prepare_fido2_challenge(std::move(challenge), caller.app);
  store_.insert_fido2_challenge(challenge);
  return fido2_create_options(challenge, caller.app, user, request);
}

Fido2Options Service::add_fido2_credential_with_code_init(const Caller& caller, const std::string& username,
                                                          const std::string& code, const std::string& code_type,
                                                          const Fido2CreateRequest& request) {
  if (code_type != "short" && code_type != "long" && code_type != "phrase") {
    throw ApiError(Errc::invalid_code_type, "authentication_code.type: must be short, long or phrase");
  }
  check_display_name("options.display_name", request.display_name);
  check_display_name("options.override_name", request.override_name);
  auto user = user_by_username(caller.app.namespace_id, username);
  require_active(user);
  auto row = store_.find_code(user.id, code_type, code);
  if (!row || row->purpose != "add_credential") {
    throw ApiError(Errc::code_invalid, "authentication_code: wrong, used or invalidated code of purpose add_credential");
  }
  if (now_ms() > row->expires_at) throw ApiError(Errc::code_expired, "authentication_code: the code has expired");
  if (!row->is_authorized) {
    throw ApiError(Errc::code_invalid, "authentication_code: the code is not authorized (authorize it first)");
  }
  // The code is the proof for this one credential: used up now, the challenge carries it on.
  if (!store_.consume_code(row->id)) {
    throw ApiError(Errc::code_invalid, "authentication_code: wrong, used or invalidated code of purpose add_credential");
  }
  return issue_fido2_credential_add(ceremony::kAddCredential, caller, user, request);
}

Fido2Options Service::force_fido2_credential_init(const Caller& caller, const UserRef& ref,
                                                  const Fido2CreateRequest& request) {
  check_display_name("options.display_name", request.display_name);
  check_display_name("options.override_name", request.override_name);
  auto user = resolve_user(caller, ref);
  require_active(user);
  return issue_fido2_credential_add(ceremony::kForceAdd, caller, user, request);
}

AuthResult Service::add_fido2_credential_complete(const Caller& caller, const std::string& username,
                                                  const Fido2Attestation& attestation,
                                                  const std::optional<std::string>& credential_name, bool no_jwt) {
  check_credential_name(credential_name);
  auto challenge = fido2_challenge_for(caller, attestation.challenge, {ceremony::kAddCredential, ceremony::kForceAdd});
  auto user = fido2_user_for(caller, challenge, username);
  return finish_fido2_registration(caller, challenge, user, attestation, credential_name, no_jwt);
}

// ----- authentication -----

Fido2Options Service::authenticate_fido2_init(const Caller& caller, const std::string& username) {
  auto user = user_by_username(caller.app.namespace_id, username);
  require_active(user);
  store::Fido2Challenge challenge;
  challenge.ceremony = ceremony::kAuthenticate;
  challenge.user_id = user.id;
  challenge.username = user.username;
  return issue_fido2_assertion(prepare_fido2_challenge(std::move(challenge), caller.app), user);
}

AuthResult Service::authenticate_fido2_complete(const Caller& caller, const std::string& username,
                                                const Fido2Assertion& assertion, bool no_jwt) {
  auto challenge = fido2_challenge_for(caller, assertion.challenge, {ceremony::kAuthenticate});
  auto user = fido2_user_for(caller, challenge, username);
  auto [credential, key] = verify_fido2_assertion(challenge, user, assertion);
  return authenticated(user, credential, caller.app, !no_jwt, "login");
}

Fido2Options Service::generate_code_fido2_init(const Caller& caller, const std::string& code_type,
                                               const std::string& username, const std::string& purpose) {
  if (code_type != "short" && code_type != "long" && code_type != "phrase") {
    throw ApiError(Errc::invalid_code_type, "code type must be short, long or phrase");
  }
  if (purpose != "temporary_authentication" && purpose != "add_credential") {
    throw ApiError(Errc::bad_request, "purpose: must be 'temporary_authentication' or 'add_credential'");
  }
  auto user = user_by_username(caller.app.namespace_id, username);
  require_active(user);
  store::Fido2Challenge challenge;
  challenge.ceremony = ceremony::kGenerateCode;
  challenge.user_id = user.id;
  challenge.username = user.username;
  challenge.code_type = code_type;
  challenge.code_purpose = purpose;
  return issue_fido2_assertion(prepare_fido2_challenge(std::move(challenge), caller.app), user);
}

std::pair<AuthResult, store::Code> Service::generate_code_fido2_complete(const Caller& caller,
                                                                         const std::string& code_type,
                                                                         const std::string& username,
                                                                         const Fido2Assertion& assertion,
                                                                         bool no_jwt) {
  auto challenge = fido2_challenge_for(caller, assertion.challenge, {ceremony::kGenerateCode});
  if (challenge.code_type != code_type) {
    challenge_invalid("this challenge was issued for a " + challenge.code_type.value_or("") + " code, not " +
                      code_type);
  }
  auto user = fido2_user_for(caller, challenge, username);
  auto [credential, key] = verify_fido2_assertion(challenge, user, assertion);
  auto code = generate_code(caller, code_type, challenge.code_purpose.value_or(""), /*authorize=*/true,
                            UserRef{user.id, std::nullopt});
  return {authenticated(user, credential, caller.app, !no_jwt, "login"), code};
}

// ----- transaction confirmation -----

Fido2Options Service::tx_fido2_init(const Caller& caller, const std::string& username, const std::string& tx_id) {
  if (!is_uuid(tx_id)) throw ApiError(Errc::bad_request, "tx_id: not a UUID");
  auto tx = store_.find_transaction(lowercase_ascii(tx_id));
  if (!tx || tx->client_id != caller.app.client_id) throw ApiError(Errc::not_found, "transaction not found");
  auto user = user_by_username(caller.app.namespace_id, username);
  if (tx->username && lowercase_ascii(*tx->username) != lowercase_ascii(user.username)) {
    throw ApiError(Errc::not_found, "transaction not found");  // created for another user
  }
  require_active(user);
  if (tx->status == "confirmed") throw ApiError(Errc::bad_request, "tx_id: the transaction is already confirmed");
  // The challenge is the transaction hash itself, so the authenticator signs what the backend
  // recomputes in verify_transaction; the server nonce is drawn until the page can decode the hash.
  std::string server_nonce;
  std::string hash;
  do {
    server_nonce = random_alphanumeric(16);
    hash = tx_hash(tx->tx_payload, tx->nonce, server_nonce);
  } while (!survives_browser_sdk_decoder(base64url_decode(hash).value_or("")));
  store::Fido2Challenge challenge;
  challenge.ceremony = ceremony::kTx;
  challenge.user_id = user.id;
  challenge.username = user.username;
  challenge.tx_id = tx->id;
  challenge.server_nonce = server_nonce;
  challenge.challenge = hash;
  return issue_fido2_assertion(prepare_fido2_challenge(std::move(challenge), caller.app), user);
}

std::string Service::tx_fido2_complete(const Caller& caller, const std::string& username, const std::string& tx_id,
                                       const Fido2Assertion& assertion) {
  if (!is_uuid(tx_id)) throw ApiError(Errc::bad_request, "tx_id: not a UUID");
  auto challenge = fido2_challenge_for(caller, assertion.challenge, {ceremony::kTx});
  if (challenge.tx_id != lowercase_ascii(tx_id)) challenge_invalid("this challenge was issued for another transaction");
  auto user = fido2_user_for(caller, challenge, username);
  auto tx = store_.find_transaction(*challenge.tx_id);
  if (!tx) throw ApiError(Errc::not_found, "transaction not found");
  verify_fido2_assertion(challenge, user, assertion);
  store_.confirm_transaction(tx->id, *challenge.server_nonce);
  return transaction_token(*tx, *challenge.server_nonce, user);
}

std::vector<std::pair<store::Credential, store::Fido2Key>> Service::admin_list_fido2_credentials(
    const std::optional<std::string>& user_id) {
  return store_.list_fido2_credentials(user_id);
}

}  // namespace loginid::detail::emulator
