// Service: passwords (register_password, authenticate_password) and recovery codes.
//
// A login answers the same for "no such user", "no password", "revoked password" and "wrong
// password": code credential_invalid with one message, after one Argon2id computation each (the
// missing ones hash against a decoy salt), so neither the answer nor its timing tells them apart.
// Lockout is kept per typed username (LoginThrottle), so it too is the same for names that exist
// and names that do not.
#include <openssl/crypto.h>

#include "emulator/service/service.hpp"
#include "emulator/service/util.hpp"

namespace loginid::detail::emulator {
namespace {

constexpr const char* kPasswordType = "password";
constexpr const char* kRecoveryType = "recovery_code";
constexpr std::size_t kRecoveryWords = 12;  // 12 words of a 128-word list: 84 bits
constexpr const char* kWrongCredentials = "wrong username or password";

/// The checks a password gets before anything else, the same for register and login and
/// independent of any user: never echoing it.
void check_password_input(const std::string& password, std::size_t max_bytes, const char* field) {
  if (password.empty()) throw ApiError(Errc::bad_request, std::string(field) + ": must not be empty");
  if (password.size() > max_bytes) {
    throw ApiError(Errc::bad_request, std::string(field) + ": longer than " + std::to_string(max_bytes) + " bytes");
  }
  if (password.find('\0') != std::string::npos) {
    throw ApiError(Errc::bad_request, std::string(field) + ": must not contain NUL characters");
  }
}

bool same_text(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

AuthResult Service::register_password(const Caller& caller, const std::string& username, const std::string& password,
                                      const std::string& confirmation) {
  check_username(username);
  const auto max_bytes = policy_.rules().max_bytes;
  check_password_input(password, max_bytes, "password");
  check_password_input(confirmation, max_bytes, "password_confirmation");
  if (!same_text(password, confirmation)) {
    throw ApiError(Errc::password_mismatch, "password_confirmation: differs from password");
  }
  if (auto violation = policy_.check(password, username)) {
    throw ApiError(Errc::password_too_weak, violation->message);
  }
  const std::string username_key = lowercase_ascii(username);
  if (store_.find_user_by_username(caller.app.namespace_id, username_key)) {
    throw ApiError(Errc::user_already_exists, "username is already taken in this namespace");
  }
  const auto now = now_ms();
  store::User user{new_uuid(), caller.app.namespace_id, username, "active", now, now, caller.app.client_id};
  store::Credential credential{new_uuid(), user.id, kPasswordType, "active", "Password", std::nullopt, now, now};
  const store::SecretHash secret = hasher_.hash(password, credential.uuid);
  if (!store_.insert_user_with_secret(user, username_key, credential, secret)) {
    throw ApiError(Errc::user_already_exists, "username is already taken in this namespace");
  }
  return authenticated(user, credential, caller.app, true, "register");
}

AuthResult Service::authenticate_password(const Caller& caller, const std::string& username,
                                          const std::string& password) {
  check_username(username);
  check_password_input(password, policy_.rules().max_bytes, "password");
  const std::string throttle_key = caller.app.namespace_id + "\n" + lowercase_ascii(username);
  if (const auto seconds = throttle_.locked_for(throttle_key, now_ms()); seconds > 0) {
    throw ApiError(Errc::too_many_requests,
                   "too many failed logins for this username; try again in " + std::to_string(seconds) + " s", seconds);
  }
  const auto user = store_.find_user_by_username(caller.app.namespace_id, lowercase_ascii(username));
  const auto stored = user ? store_.find_active_secret(user->id, kPasswordType) : std::nullopt;
  const bool matches = stored ? hasher_.verify(password, stored->second) : (hasher_.verify_nothing(password), false);
  if (!matches) {
    throttle_.record_failure(throttle_key, now_ms());
    throw ApiError(Errc::credential_invalid, kWrongCredentials);
  }
  throttle_.record_success(throttle_key);
  // Only someone who knows the password learns that the account is deactivated.
  if (user->status != "active") throw ApiError(Errc::user_inactive, "user is deactivated");
  return authenticated(*user, stored->first, caller.app, true, "login");
}

std::pair<std::string, std::int64_t> Service::generate_recovery_code(const Caller& caller, const UserRef& ref) {
  const auto user = resolve_user(caller, ref);
  const std::string code = random_phrase(kRecoveryWords);
  const auto now = now_ms();
  store::Credential credential{new_uuid(), user.id, kRecoveryType, "active", "Recovery code", std::nullopt, now, now};
  store_.replace_secret_credential(credential, hasher_.hash(code, credential.uuid), now);
  return {code, now};
}

}  // namespace loginid::detail::emulator
