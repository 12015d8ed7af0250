// Argument validation and request building shared by LoginID and LoginIdManagement.

#include "requests.hpp"

#include <array>

namespace loginid::detail {

namespace {

// nlohmann::json refuses to serialize invalid UTF-8 (it would throw deep inside the request
// pipeline), so arguments are checked up front and the error names the argument. RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (byte >= 0xC2 && byte <= 0xDF) {
      length = 2;
    } else if (byte >= 0xE0 && byte <= 0xEF) {
      length = 3;
      if (byte == 0xE0) low = 0xA0;   // overlong
      if (byte == 0xED) high = 0x9F;  // surrogates
    } else if (byte >= 0xF0 && byte <= 0xF4) {
      length = 4;
      if (byte == 0xF0) low = 0x90;   // overlong
      if (byte == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xBF)) return false;
    }
    i += length;
  }
  return true;
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
