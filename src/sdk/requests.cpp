// Argument validation and request building shared by LoginID and LoginIdManagement.

#include "requests.hpp"

#include <array>

#include "jose/json_strict.hpp"

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

template <typename Text>
bool present(const std::optional<Text>& value) {
  return value.has_value() && !value->empty();
}

}  // namespace

void require_text(std::string_view value, std::string_view argument) {
  if (value.empty()) throw InvalidArgument(std::string(argument) + ": must not be empty");
  if (!is_valid_utf8(value)) throw InvalidArgument(std::string(argument) + ": not valid UTF-8");
}

void require_optional_text(const std::optional<std::string_view>& value, std::string_view argument) {
  if (value) require_text(*value, argument);
}

void add_user_ref(nlohmann::json& body, const UserRef& user) {
  if (!present(user.user_id()) && !present(user.username())) {
    throw InvalidArgument("user: give a user_id or a username (both are empty)");
  }
  if (const auto& id = user.user_id()) {
    require_text(id->str(), "user.user_id");
    body["user_id"] = id->str();
  }
  if (const auto& name = user.username()) {
    require_text(name->str(), "user.username");
    body["username"] = name->str();
  }
}

std::optional<std::string_view> username_of(const UserRef& user) noexcept {
  if (present(user.username())) return std::string_view(user.username()->str());
  return std::nullopt;
}

std::string code_path(CodeType type, std::string_view action) {
  return "/codes/" + std::string(to_string(type)) + "/" + std::string(action);
}

std::string user_path(const UserId& user_id, std::string_view suffix) {
  require_text(user_id.str(), "user_id");
  return "/manage/users/" + percent_encode(user_id.str()) + std::string(suffix);
}

namespace {

bool is_base64url(std::string_view text) noexcept {
  // Trailing '=' padding is tolerated: some backends' encoders add it, and the service drops it.
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.empty()) return false;
  for (const char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

const nlohmann::json& required_string_member(const nlohmann::json& object, std::string_view argument,
                                             std::string_view member) {
  const std::string name = std::string(argument) + "." + std::string(member);
  const auto it = object.find(member);
  if (it == object.end() || it->is_null()) throw InvalidArgument(name + ": missing");
  if (!it->is_string()) throw InvalidArgument(name + ": must be a string");
  if (it->get_ref<const std::string&>().empty()) throw InvalidArgument(name + ": must not be empty");
  return *it;
}

}  // namespace

nlohmann::json browser_answer(std::string_view text, std::string_view argument,
                              std::initializer_list<std::string_view> required_ids,
                              std::initializer_list<std::string_view> binary_members) {
  if (text.empty()) throw InvalidArgument(std::string(argument) + ": must not be empty");
  JsonProblem problem = JsonProblem::none;
  auto object = parse_json_object_strict(text, problem);
  if (!object) {
    throw InvalidArgument(std::string(argument) + ": " +
                          (problem == JsonProblem::not_object ? std::string("must be a JSON object")
                                                              : "not valid JSON (" + describe(problem) + ")"));
  }
  for (std::string_view member : required_ids) (void)required_string_member(*object, argument, member);
  for (std::string_view member : binary_members) {
    const auto& value = required_string_member(*object, argument, member);
    if (!is_base64url(value.get_ref<const std::string&>())) {
      throw InvalidArgument(std::string(argument) + "." + std::string(member) +
                            ": not base64url (A-Z a-z 0-9 - _, no padding needed)");
    }
  }
  return std::move(*object);
}

namespace {

// The options both kinds of credential-making init share; each value is checked like an argument.
nlohmann::json credential_options(const std::optional<std::string>& display_name, bool roaming_authenticator) {
  nlohmann::json options = nlohmann::json::object();
  if (display_name) {
    require_text(*display_name, "options.display_name");
    options["display_name"] = *display_name;
  }
  // Sent only when asked for, as the published Python SDK does: absent means a platform authenticator.
  if (roaming_authenticator) options["roaming_authenticator"] = true;
  return options;
}

std::optional<nlohmann::json> unless_empty(nlohmann::json options) {
  if (options.empty()) return std::nullopt;
  return options;
}

}  // namespace

std::optional<nlohmann::json> fido2_create_options(const Fido2RegisterOptions& options) {
  nlohmann::json out = credential_options(options.display_name, options.roaming_authenticator);
  if (options.override_name) {
    require_text(*options.override_name, "options.override_name");
    out["override_name"] = *options.override_name;
  }
  if (options.register_session) {
    require_text(*options.register_session, "options.register_session");
    out["register_session"] = *options.register_session;
  }
  return unless_empty(std::move(out));
}

std::optional<nlohmann::json> fido2_create_options(const Fido2CredentialOptions& options) {
  return unless_empty(credential_options(options.display_name, options.roaming_authenticator));
}

void add_fido2_complete_options(nlohmann::json& body, const Fido2CompleteOptions& options) {
  if (options.credential_name) {
    require_text(*options.credential_name, "options.credential_name");
    body["options"] = nlohmann::json{{"credential_name", *options.credential_name}};
  }
  if (options.no_jwt) body["no_jwt"] = true;
}

}  // namespace loginid::detail
