// Argument validation and request building shared by LoginID and LoginIdManagement.

#include "requests.hpp"

#include <array>

namespace loginid::detail {

namespace {

// nlohmann::json refuses to serialize invalid UTF-8 (it would throw deep inside the request
// pipeline); asking it up front turns that into a clear error naming the argument.
bool is_valid_utf8(std::string_view value) {
  try {
    (void)nlohmann::json(std::string(value)).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

bool present(const std::optional<std::string>& value) { return value.has_value() && !value->empty(); }

}  // namespace

void require_text(std::string_view value, std::string_view argument) {
  if (value.empty()) throw InvalidArgument(std::string(argument) + ": must not be empty");
  if (!is_valid_utf8(value)) throw InvalidArgument(std::string(argument) + ": not valid UTF-8");
}

void require_optional_text(const std::optional<std::string_view>& value, std::string_view argument) {
  if (value) require_text(*value, argument);
}

void add_user_ref(nlohmann::json& body, const UserRef& user) {
  if (!present(user.user_id) && !present(user.username)) {
    throw InvalidArgument("user: give a user_id or a username (both are empty)");
  }
  if (user.user_id) {
    require_text(*user.user_id, "user.user_id");
    body["user_id"] = *user.user_id;
  }
  if (user.username) {
    require_text(*user.username, "user.username");
    body["username"] = *user.username;
  }
}

std::optional<std::string_view> username_of(const UserRef& user) noexcept {
  if (present(user.username)) return std::string_view(*user.username);
  return std::nullopt;
}

std::string code_path(CodeType type, std::string_view action) {
  return "/codes/" + std::string(to_string(type)) + "/" + std::string(action);
}

std::string user_path(std::string_view user_id, std::string_view suffix) {
  require_text(user_id, "user_id");
  return "/manage/users/" + percent_encode(user_id) + std::string(suffix);
}

void require_credential_status(std::string_view status) {
  constexpr std::array<std::string_view, 3> kStatuses{"active", "inactive", "revoked"};
  for (std::string_view known : kStatuses) {
    if (known == status) return;
  }
  throw InvalidArgument("status: must be one of active, inactive, revoked");
}

}  // namespace loginid::detail
