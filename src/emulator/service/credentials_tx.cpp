// Service: credentials, public-key authentication, transactions and the admin's user-side actions.
#include "emulator/service/service.hpp"
#include "emulator/service/util.hpp"
#include "jose/tokens.hpp"
#include "jose/jwt_json.hpp"

namespace loginid::detail::emulator {
namespace {

constexpr std::int64_t kChallengeLifetimeMs = 5 * 60 * 1000;

void check_name(const std::string& field, const std::string& name) {
  if (name.empty() || name.size() > 128) throw ApiError(Errc::bad_request, field + ": must be 1 to 128 characters");
}

std::string parse_es256_key(const std::string& algorithm, const std::string& public_key) {
  if (algorithm != "ES256") throw ApiError(Errc::bad_request, "publickey_alg: only ES256 is supported");
  try {
    return PublicKey::from_pem(public_key).to_pem();  // normalised, so equal keys compare equal
  } catch (const KeyError& e) {
    throw ApiError(Errc::bad_request, std::string("publickey: ") + e.what());
  }
}

void require_active(const store::User& user) {
  if (user.status != "active") throw ApiError(Errc::user_inactive, "user is deactivated");
}

[[noreturn]] void credential_not_found() { throw ApiError(Errc::not_found, "credential not found"); }

}  // namespace

store::Credential Service::owned_credential(const store::User& user, const std::string& uuid) {
  if (!is_uuid(uuid)) throw ApiError(Errc::bad_request, "credential.uuid: not a UUID");
  auto credential = store_.find_credential(lowercase_ascii(uuid));
  if (!credential || credential->user_id != user.id) credential_not_found();
  return *credential;
}

std::pair<store::User, std::vector<store::Credential>> Service::list_credentials(
    const Caller& caller, const UserRef& ref, const std::optional<std::string>& status) {
  if (status && *status != "active" && *status != "inactive" && *status != "revoked") {
    throw ApiError(Errc::bad_request, "status: must be 'active', 'inactive' or 'revoked'");
  }
  auto user = resolve_user(caller, ref);
  auto credentials = store_.list_credentials(user.id);
  if (status) std::erase_if(credentials, [&](const auto& c) { return c.status != *status; });
  return {user, credentials};
}

std::pair<store::User, store::Credential> Service::rename_credential(const Caller& caller, const UserRef& ref,
                                                                     const std::string& uuid,
                                                                     const std::string& name) {
  check_name("credential.name", name);
  auto user = resolve_user(caller, ref);
  auto credential = owned_credential(user, uuid);
  credential.name = name;
  credential.updated_at = now_ms();
  store_.update_credential(credential);
  return {user, credential};
}

std::pair<store::User, store::Credential> Service::revoke_credential(const Caller& caller, const UserRef& ref,
                                                                     const std::string& uuid) {
  auto user = resolve_user(caller, ref);
  auto credential = owned_credential(user, uuid);
  credential.status = "revoked";
  credential.updated_at = now_ms();
  store_.update_credential(credential);
  return {user, credential};
}

AuthResult Service::add_publickey_credential(const Caller& caller, const UserRef& ref, const std::string& algorithm,
                                             const std::string& public_key, const std::optional<std::string>& name) {
  auto pem = parse_es256_key(algorithm, public_key);
  if (name) check_name("options.credential_name", *name);
  auto user = resolve_user(caller, ref);
  require_active(user);
  const auto now = now_ms();
  store::Credential credential{new_uuid(), user.id, "public_key", "active", name.value_or("Public key"), pem, now,
                               now};
  store_.insert_credential(credential);
  return authenticated(user, credential, caller.app, true);
}

store::Challenge Service::publickey_init(const Caller& caller, const std::string& username,
                                         const std::string& public_key, const std::string& algorithm) {
  auto pem = parse_es256_key(algorithm, public_key);
  auto user = user_by_username(caller.app.namespace_id, username);
  require_active(user);
  for (const auto& credential : store_.list_credentials(user.id)) {
    if (credential.status == "active" && credential.public_key_pem == pem) {
      store::Challenge challenge{new_uuid(),         user.id, credential.uuid, caller.app.client_id,
                                 random_alphanumeric(43), now_ms() + kChallengeLifetimeMs};
      store_.insert_challenge(challenge);
      return challenge;
    }
  }
  throw ApiError(Errc::not_found, "no active public key credential of this user matches publickey");
}

AuthResult Service::publickey_complete(const Caller& caller, const std::string& username,
                                       const std::string& challenge_id, const std::string& assertion) {
  if (!is_uuid(challenge_id)) throw ApiError(Errc::bad_request, "challenge_id: not a UUID");
  auto challenge = store_.find_challenge(lowercase_ascii(challenge_id));
  if (!challenge || challenge->client_id != caller.app.client_id) {
    throw ApiError(Errc::challenge_invalid, "challenge_id: unknown or already used challenge");
  }
  auto user = user_by_username(caller.app.namespace_id, username);
  if (user.id != challenge->user_id) {
    throw ApiError(Errc::challenge_invalid, "challenge_id: unknown or already used challenge");
  }
  if (now_ms() > challenge->expires_at) throw ApiError(Errc::challenge_invalid, "challenge_id: the challenge has expired");
  require_active(user);
  auto credential = store_.find_credential(challenge->credential_uuid);
  if (!credential || credential->status != "active" || !credential->public_key_pem) {
    throw ApiError(Errc::credential_invalid, "the challenge's credential is no longer active");
  }

  std::error_code ec;
  auto decoded = decode_jwt_json(assertion, ec);
  if (!decoded) throw ApiError(Errc::credential_invalid, "assertion rejected: " + ec.message());
  if (check_signature_json(*decoded, PublicKey::from_pem(*credential->public_key_pem))) {
    throw ApiError(Errc::credential_invalid, "assertion signature does not verify with the credential's key");
  }
  // API.md: the server nonce is signed as `server_nonce` (published SDKs); `challenge` is accepted too.
  auto signed_nonce = decoded->payload.find("server_nonce");
  if (signed_nonce == decoded->payload.end()) signed_nonce = decoded->payload.find("challenge");
  if (signed_nonce == decoded->payload.end() || *signed_nonce != challenge->challenge) {
    throw ApiError(Errc::credential_invalid, "assertion does not sign this challenge's server_nonce");
  }
  if (!store_.delete_challenge(challenge->id)) {
    throw ApiError(Errc::challenge_invalid, "challenge_id: unknown or already used challenge");
  }
  return authenticated(user, credential, caller.app, true);
}

void Service::refuse_not_emulated(const Caller& caller, const UserRef& ref,
                                  const std::optional<std::string>& credential_uuid, const std::string& message) {
  auto user = resolve_user(caller, ref);
  if (credential_uuid) owned_credential(user, *credential_uuid);
  throw ApiError(Errc::not_implemented, message);
}

store::Transaction Service::create_tx(const Caller& caller, const std::string& tx_payload, const std::string& nonce,
                                      const std::optional<std::string>& tx_type,
                                      const std::optional<std::string>& username) {
  if (tx_payload.empty()) throw ApiError(Errc::bad_request, "tx_payload: must not be empty");
  if (nonce.empty() || nonce.size() > 256) throw ApiError(Errc::bad_request, "nonce: must be 1 to 256 characters");
  if (tx_type && (tx_type->empty() || tx_type->size() > 64)) {
    throw ApiError(Errc::bad_request, "tx_type: must be 1 to 64 characters");
  }
  if (username && (username->empty() || username->size() > 256)) {
    throw ApiError(Errc::bad_request, "username: must be 1 to 256 characters");
  }
  store::Transaction tx{new_uuid(), caller.app.client_id, caller.app.namespace_id, tx_type.value_or("text"),
                        tx_payload, nonce, username, "pending", std::nullopt, now_ms()};
  store_.insert_transaction(tx);
  return tx;
}

std::string Service::confirm_tx(const std::string& tx_id) {
  auto tx = store_.find_transaction(lowercase_ascii(tx_id));
  if (!tx) throw ApiError(Errc::not_found, "transaction not found");
  // A second confirm re-signs with the same server nonce, so tx_hash stays stable.
  const auto server_nonce = tx->server_nonce.value_or(random_alphanumeric(16));
  store_.confirm_transaction(tx->id, server_nonce);
  std::optional<store::User> user;
  if (tx->username) user = store_.find_user_by_username(tx->namespace_id, lowercase_ascii(*tx->username));
  return transaction_token(*tx, server_nonce, user);
}

std::string Service::transaction_token(const store::Transaction& tx, const std::string& server_nonce,
                                       const std::optional<store::User>& user) {
  const auto iat = now_ms() / 1000;
  nlohmann::json claims = {
      {"iss", "loginid.io"},
      {"sid", new_uuid()},
      {"nid", tx.namespace_id},
      {"aud", tx.client_id},
      {"action", "tx.confirm"},
      {"iat", iat},
      {"nonce", tx.nonce},
      {"server_nonce", server_nonce},
      {"tx_hash", tx_hash(tx.tx_payload, tx.nonce, server_nonce)},
  };
  if (user) {
    claims["sub"] = user->id;
    claims["udata"] = user->username;
  }
  add_expiry(claims, iat);
  return sign(claims);
}

std::vector<store::Transaction> Service::list_transactions(const std::optional<std::string>& client_id) {
  return store_.list_transactions(client_id);
}

store::Credential Service::admin_add_credential(const std::string& user_id, const std::optional<std::string>& name,
                                                const std::optional<std::string>& type) {
  if (name) check_name("name", *name);
  if (type && (type->empty() || type->size() > 32)) throw ApiError(Errc::bad_request, "type: must be 1 to 32 characters");
  auto user = store_.find_user_any_namespace(lowercase_ascii(user_id));
  if (!user) throw ApiError(Errc::not_found, "user not found");
  const auto now = now_ms();
  store::Credential credential{new_uuid(), user->id, type.value_or("fido2"), "active",
                               name.value_or("Security key"), std::nullopt, now, now};
  store_.insert_credential(credential);
  return credential;
}

std::vector<store::Credential> Service::admin_list_credentials(const std::optional<std::string>& user_id) {
  return store_.list_credentials(user_id);
}

}  // namespace loginid::detail::emulator
