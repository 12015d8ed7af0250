// Service: users, codes and the wait_code long poll.
#include <algorithm>

#include "emulator/service/service.hpp"
#include "emulator/service/util.hpp"
#include "jose/tokens.hpp"

namespace loginid::detail::emulator {
namespace {

void check_code_type(const std::string& code_type) {
  if (code_type != "short" && code_type != "long" && code_type != "phrase") {
    throw ApiError(Errc::invalid_code_type, "code type must be short, long or phrase");
  }
}

void check_purpose(const std::string& purpose) {
  if (purpose != "temporary_authentication" && purpose != "add_credential") {
    throw ApiError(Errc::bad_request, "purpose: must be 'temporary_authentication' or 'add_credential'");
  }
}

std::string make_code(const std::string& code_type) {
  if (code_type == "short") return random_digits(6);
  if (code_type == "long") return random_alphanumeric(16);
  return random_phrase(4);
}

[[noreturn]] void user_not_found() { throw ApiError(Errc::not_found, "user not found"); }

constexpr std::size_t kMaxUsernameLength = 256;

}  // namespace

void check_username(const std::string& username) {
  if (username.empty() || username.size() > kMaxUsernameLength) {
    throw ApiError(Errc::bad_request, "username: must be 1 to 256 characters");
  }
}

store::User Service::user_by_username(const std::string& namespace_id, const std::string& username) {
  check_username(username);
  auto user = store_.find_user_by_username(namespace_id, lowercase_ascii(username));
  if (!user) user_not_found();
  return *user;
}

store::User Service::resolve_user(const Caller& caller, const UserRef& ref) {
  if (!ref.user_id && !ref.username) throw ApiError(Errc::bad_request, "user_id or username: one is required");
  std::optional<store::User> by_id;
  if (ref.user_id) {
    if (!is_uuid(*ref.user_id)) throw ApiError(Errc::bad_request, "user_id: not a UUID");
    by_id = store_.find_user(caller.app.namespace_id, lowercase_ascii(*ref.user_id));
    if (!by_id) user_not_found();
  }
  if (ref.username) {
    auto by_name = user_by_username(caller.app.namespace_id, *ref.username);
    if (by_id && by_id->id != by_name.id) {
      throw ApiError(Errc::bad_request, "user_id and username name different users");
    }
    return by_name;
  }
  return *by_id;
}

store::User Service::create_user(const Caller& caller, const std::string& username) {
  check_username(username);
  const auto now = now_ms();
  store::User user{new_uuid(), caller.app.namespace_id, username, "active", now, now, caller.app.client_id};
  if (!store_.insert_user(user, lowercase_ascii(username))) {
    throw ApiError(Errc::user_already_exists, "username is already taken in this namespace");
  }
  return user;
}

store::User Service::get_user(const Caller& caller, const std::string& username) {
  return user_by_username(caller.app.namespace_id, username);
}

store::User Service::set_user_active(const Caller& caller, const std::string& user_id, bool active) {
  auto user = resolve_user(caller, UserRef{user_id, std::nullopt});
  user.status = active ? "active" : "inactive";
  user.updated_at = now_ms();
  if (!store_.set_user_status(user.id, user.status, user.updated_at)) user_not_found();
  return user;
}

void Service::delete_user_by_id(const Caller& caller, const std::string& user_id) {
  auto user = resolve_user(caller, UserRef{user_id, std::nullopt});
  if (!store_.delete_user(user.id)) user_not_found();
  waiters_.notify_all();  // parked waits on the user's codes now answer code_invalid
}

void Service::delete_user_by_username(const Caller& caller, const std::string& username) {
  auto user = user_by_username(caller.app.namespace_id, username);
  if (!store_.delete_user(user.id)) user_not_found();
  waiters_.notify_all();
}

std::vector<store::User> Service::list_users(const std::optional<std::string>& namespace_id) {
  return store_.list_users(namespace_id);
}

store::Code Service::generate_code(const Caller& caller, const std::string& code_type, const std::string& purpose,
                                   bool authorize, const UserRef& ref) {
  check_code_type(code_type);
  check_purpose(purpose);
  auto user = resolve_user(caller, ref);
  const auto now = now_ms();
  store::Code code{0,         user.id, code_type, purpose, make_code(code_type), authorize,
                   now + std::chrono::duration_cast<std::chrono::milliseconds>(config_.code_ttl).count(), now};
  store_.insert_code(code);
  return code;
}

store::Code Service::authorize_code(const Caller& caller, const std::string& code_type, const std::string& purpose,
                                    const std::string& code, const UserRef& ref) {
  check_code_type(code_type);
  check_purpose(purpose);
  auto user = resolve_user(caller, ref);
  auto row = store_.find_code(user.id, code_type, code);
  if (!row || row->purpose != purpose) throw ApiError(Errc::code_invalid, "code is wrong, used or invalidated");
  if (now_ms() > row->expires_at) throw ApiError(Errc::code_expired, "code has expired");
  if (user.status == "active" && hand_over_code(row->id)) {
    row->is_authorized = true;
    return *row;
  }
  if (!store_.authorize_code(row->id)) throw ApiError(Errc::code_invalid, "code is wrong, used or invalidated");
  row->is_authorized = true;
  waiters_.notify(row->id);
  return *row;
}

std::int64_t Service::invalidate_codes(const Caller& caller, const std::string& code_type,
                                       const std::string& purpose, const UserRef& ref) {
  check_code_type(code_type);
  check_purpose(purpose);
  auto user = resolve_user(caller, ref);
  store_.delete_codes(user.id, code_type, purpose);
  waiters_.notify_all();
  return now_ms();
}

std::vector<store::Code> Service::list_codes(const std::optional<std::string>& user_id) {
  return store_.list_codes(user_id);
}

AuthResult Service::authenticated(const store::User& user, const std::optional<store::Credential>& credential,
                                  const store::Application& client, bool with_jwt, std::string_view action) {
  AuthResult result{user, credential, client, std::nullopt};
  if (with_jwt) result.jwt = user_token(user, client, action);
  return result;
}

bool Service::wait_code_authorized(std::int64_t code_id) {
  auto row = store_.find_code_by_id(code_id);
  if (!row) throw ApiError(Errc::code_invalid, "code is wrong, used or invalidated");
  if (now_ms() > row->expires_at) throw ApiError(Errc::code_expired, "code has expired");
  return row->is_authorized;
}

AuthResult Service::finish_authorized_wait(const Caller& caller, const store::User& user, std::int64_t code_id,
                                           bool no_jwt) {
  auto current = store_.find_user(caller.app.namespace_id, user.id);
  if (!current) throw ApiError(Errc::code_invalid, "code is wrong, used or invalidated");
  if (current->status != "active") throw ApiError(Errc::user_inactive, "user is deactivated");
  // Single use: only the caller whose delete removed the row gets the token.
  if (!store_.consume_code(code_id)) throw ApiError(Errc::code_invalid, "code is wrong, used or invalidated");
  return authenticated(*current, std::nullopt, caller.app, !no_jwt);
}

AbandonWait Service::wait_code(const Caller& caller, const std::string& username, const std::string& code,
                               const std::string& code_type, bool no_jwt, Scheduler& scheduler, WaitDone done) {
  check_code_type(code_type);
  auto user = user_by_username(caller.app.namespace_id, username);
  auto row = store_.find_code(user.id, code_type, code);
  if (!row) throw ApiError(Errc::code_invalid, "code is wrong, used or invalidated");
  return start_wait(caller, user, *row, no_jwt, scheduler, std::move(done));
}

}  // namespace loginid::detail::emulator
