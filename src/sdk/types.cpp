// Enum <-> wire value conversions and strict parsing of the service's answers.

#include <array>
#include <chrono>
#include <initializer_list>
#include <string_view>
#include <utility>

#include "loginid/error.hpp"
#include "loginid/types.hpp"
#include "types_parse.hpp"

namespace loginid::inline v1 {

namespace {

constexpr std::array<std::pair<CodeType, std::string_view>, 3> kCodeTypes{{
    {CodeType::short_code, "short"},
    {CodeType::long_code, "long"},
    {CodeType::phrase, "phrase"},
}};

constexpr std::array<std::pair<CodePurpose, std::string_view>, 2> kPurposes{{
    {CodePurpose::temporary_authentication, "temporary_authentication"},
    {CodePurpose::add_credential, "add_credential"},
}};

// Quoted and truncated so a hostile value cannot flood an error message.
std::string quoted(std::string_view text) {
  constexpr std::size_t kMaxShown = 40;
  if (text.size() > kMaxShown) return "'" + std::string(text.substr(0, kMaxShown)) + "...'";
  return "'" + std::string(text) + "'";
}

}  // namespace

std::string_view to_string(CodeType type) {
  for (const auto& [value, name] : kCodeTypes) {
    if (value == type) return name;
  }
  throw InvalidArgument("code_type: not one of short, long, phrase");
}

std::string_view to_string(CodePurpose purpose) {
  for (const auto& [value, name] : kPurposes) {
    if (value == purpose) return name;
  }
  throw InvalidArgument("purpose: not one of temporary_authentication, add_credential");
}

CodeType parse_code_type(std::string_view text) {
  for (const auto& [value, name] : kCodeTypes) {
    if (name == text) return value;
  }
  throw InvalidArgument("code_type: " + quoted(text) + " is not one of short, long, phrase");
}

CodePurpose parse_code_purpose(std::string_view text) {
  for (const auto& [value, name] : kPurposes) {
    if (name == text) return value;
  }
  throw InvalidArgument("purpose: " + quoted(text) + " is not one of temporary_authentication, add_credential");
}

}  // namespace loginid::inline v1

namespace loginid::detail {

namespace {

using nlohmann::json;

// Reads `count` decimal digits at `pos` (advancing it); false when any is missing.
bool read_digits(std::string_view text, std::size_t& pos, std::size_t count, int& value) {
  value = 0;
  for (std::size_t end = pos + count; pos < end; ++pos) {
    if (pos >= text.size() || text[pos] < '0' || text[pos] > '9') return false;
    value = value * 10 + (text[pos] - '0');
  }
  return true;
}

bool read_char(std::string_view text, std::size_t& pos, std::string_view allowed) {
  if (pos >= text.size() || allowed.find(text[pos]) == std::string_view::npos) return false;
  ++pos;
  return true;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text) {
  using namespace std::chrono;
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(text, pos, 4, year) || !read_char(text, pos, "-") || !read_digits(text, pos, 2, month) ||
      !read_char(text, pos, "-") || !read_digits(text, pos, 2, day) || !read_char(text, pos, "Tt") ||
      !read_digits(text, pos, 2, hour) || !read_char(text, pos, ":") || !read_digits(text, pos, 2, minute) ||
      !read_char(text, pos, ":") || !read_digits(text, pos, 2, second)) {
    return std::nullopt;
  }
  const year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                            std::chrono::day(static_cast<unsigned>(day))};
  // 60 is a leap second (RFC 3339 allows it); the system clock has none, so it is the next second.
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  nanoseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::size_t first = pos;
    long long scale = 100'000'000;  // digits past nanoseconds are dropped
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction += nanoseconds((text[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == first) return std::nullopt;
  }
  minutes offset{0};
  if (!read_char(text, pos, "Zz")) {
    const bool east = pos < text.size() && text[pos] == '+';
    int offset_hours = 0, offset_minutes = 0;
    if (!read_char(text, pos, "+-") || !read_digits(text, pos, 2, offset_hours) || !read_char(text, pos, ":") ||
        !read_digits(text, pos, 2, offset_minutes) || offset_hours > 23 || offset_minutes > 59) {
      return std::nullopt;
    }
    offset = hours(offset_hours) + minutes(offset_minutes);
    if (!east) offset = -offset;
  }
  if (pos != text.size()) return std::nullopt;
  const auto local = sys_days(date) + hours(hour) + minutes(minute) + seconds(second) + fraction;
  return time_point_cast<system_clock::duration>(local - offset);
}

namespace {

std::string_view type_name(const json& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_array()) return "an array";
  return "an object";
}

// Reads the members of one JSON object, naming "<where>.<member>" in every complaint.
class ObjectReader {
 public:
  ObjectReader(const json& object, std::string where) : object_(object), where_(std::move(where)) {
    if (!object_.is_object()) {
      throw BadShape(where_ + ": expected an object, got " + std::string(type_name(object_)));
    }
  }

  [[nodiscard]] const json* find(std::string_view key) const {
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }

  [[nodiscard]] const json& required(std::string_view key) const {
    const json* value = find(key);
    if (value == nullptr) throw BadShape(path(key) + ": missing");
    return *value;
  }

  [[nodiscard]] std::string string(std::string_view key) const { return as_string(required(key), key); }

  /// A string that must not be empty (ids, names of things).
  [[nodiscard]] std::string non_empty(std::string_view key) const {
    std::string value = string(key);
    if (value.empty()) throw BadShape(path(key) + ": empty");
    return value;
  }

  [[nodiscard]] std::optional<std::string> optional_string(std::string_view key) const {
    const json* value = find(key);
    if (value == nullptr || value->is_null()) return std::nullopt;
    return as_string(*value, key);
  }

  /// An RFC 3339 date-time ("2026-11-29T01:02:03.456Z", any offset) as a time point.
  [[nodiscard]] std::chrono::system_clock::time_point time(std::string_view key) const {
    const std::string text = string(key);
    auto value = parse_rfc3339(text);
    if (!value) throw BadShape(path(key) + ": expected an RFC 3339 date-time (like 2026-11-29T01:02:03.456Z)");
    return *value;
  }

  [[nodiscard]] bool boolean(std::string_view key) const {
    const json& value = required(key);
    if (!value.is_boolean()) throw BadShape(path(key) + ": expected a boolean, got " + std::string(type_name(value)));
    return value.get<bool>();
  }

  [[nodiscard]] const json& array(std::string_view key) const {
    const json& value = required(key);
    if (!value.is_array()) throw BadShape(path(key) + ": expected an array, got " + std::string(type_name(value)));
    return value;
  }

  [[nodiscard]] std::string path(std::string_view key) const { return where_ + "." + std::string(key); }

 private:
  [[nodiscard]] std::string as_string(const json& value, std::string_view key) const {
    if (!value.is_string()) throw BadShape(path(key) + ": expected a string, got " + std::string(type_name(value)));
    return value.get<std::string>();
  }

  const json& object_;
  std::string where_;
};

Credential parse_credential_at(const json& object, const std::string& where) {
  ObjectReader r(object, where);
  Credential c;
  c.uuid = r.non_empty("uuid");
  c.type = r.non_empty("type");
  c.status = CredentialStatus(r.non_empty("status"));  // a newer status is kept, not refused
  c.name = r.string("name");
  c.created_at = r.time("created_at");
  c.updated_at = r.time("updated_at");
  c.raw_json = object.dump();
  return c;
}

}  // namespace

User parse_user(json object) {
  ObjectReader r(object, "user");
  User u;
  u.id = r.non_empty("id");
  u.username = r.non_empty("username");
  u.status = UserStatus(r.non_empty("status"));  // a newer status is kept, not refused
  u.namespace_id = r.string("namespace_id");
  // Newer members (API.md correction 5): checked when present, absent from older services.
  u.client_id = r.optional_string("client_id").value_or("");
  u.type = r.optional_string("type").value_or("");
  if (const json* contacts = r.find("contacts"); contacts != nullptr && !contacts->is_null() && !contacts->is_array()) {
    throw BadShape(r.path("contacts") + ": expected an array, got " + std::string(type_name(*contacts)));
  }
  u.created_at = r.time("created_at");
  u.updated_at = r.time("updated_at");
  u.raw_json = object.dump();
  return u;
}

Credential parse_credential(json object, const std::string& where) { return parse_credential_at(object, where); }

CredentialList parse_credential_list(json object) {
  ObjectReader r(object, "response");
  CredentialList list;
  list.user_id = r.non_empty("user_id");
  const json& items = r.array("credentials");
  list.credentials.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    list.credentials.push_back(parse_credential_at(items[i], "response.credentials[" + std::to_string(i) + "]"));
  }
  list.raw_json = object.dump();
  return list;
}

CredentialResult parse_credential_result(json object) {
  ObjectReader r(object, "response");
  CredentialResult result;
  result.user_id = r.non_empty("user_id");
  result.credential = parse_credential_at(r.required("credential"), "response.credential");
  result.raw_json = object.dump();
  return result;
}

CodeResult parse_code_result(json object) {
  ObjectReader r(object, "response");
  CodeResult result;
  result.code = r.non_empty("code");
  result.expires_at = r.time("expires_at");
  result.is_authorized = r.boolean("is_authorized");
  result.raw_json = object.dump();
  return result;
}

AuthorizeResult parse_authorize_result(json object) {
  ObjectReader r(object, "response");
  AuthorizeResult result;
  result.expires_at = r.time("expires_at");
  result.is_authorized = r.boolean("is_authorized");
  result.raw_json = object.dump();
  return result;
}

InvalidateResult parse_invalidate_result(json object) {
  ObjectReader r(object, "response");
  InvalidateResult result;
  result.deleted_at = r.time("deleted_at");
  result.raw_json = object.dump();
  return result;
}

AuthResult parse_auth_result(json object) {
  ObjectReader r(object, "response");
  AuthResult result;
  result.is_authenticated = r.boolean("is_authenticated");
  result.jwt = r.optional_string("jwt");
  if (result.jwt && result.jwt->empty()) throw BadShape("response.jwt: empty");

  ObjectReader user(r.required("user"), "response.user");
  result.user.id = user.non_empty("id");
  result.user.username = user.non_empty("username");
  result.user.namespace_id = user.string("namespace_id");

  if (const json* cred = r.find("credential"); cred != nullptr && !cred->is_null()) {
    ObjectReader c(*cred, "response.credential");
    result.credential = AuthCredential{c.non_empty("uuid"), c.non_empty("type"), c.string("name")};
  }

  ObjectReader client(r.required("client"), "response.client");
  result.client.id = client.non_empty("id");
  result.client.type = client.non_empty("type");
  result.raw_json = object.dump();
  return result;
}

TxResult parse_tx_result(json object) {
  ObjectReader r(object, "response");
  TxResult result;
  result.id = r.non_empty("id");
  result.url = r.optional_string("url");
  result.raw_json = object.dump();
  return result;
}

PublicKeyChallenge parse_publickey_challenge(json object) {
  ObjectReader r(object, "response");
  PublicKeyChallenge result;
  result.challenge_id = r.non_empty("challenge_id");
  result.server_nonce = r.non_empty("server_nonce");
  result.raw_json = object.dump();
  return result;
}

RecoveryCode parse_recovery_code(json object) {
  ObjectReader r(object, "response");
  RecoveryCode result;
  result.code = r.non_empty("code");
  result.created_at = r.time("created_at");
  result.raw_json = object.dump();
  return result;
}

// The payloads go to a page as they came: checked for what the SDK and the browser rely on, and
// kept whole, members this version does not know included.
Fido2AttestationInit parse_fido2_attestation_init(json object) {
  ObjectReader r(object, "response");
  Fido2AttestationInit result;
  result.register_session = r.optional_string("register_session");
  const json& payload = r.required("attestation_payload");
  ObjectReader p(payload, "response.attestation_payload");
  result.challenge = p.non_empty("challenge");
  result.credential_uuid = p.non_empty("credential_uuid");
  (void)ObjectReader(p.required("rp"), p.path("rp"));
  (void)ObjectReader(p.required("user"), p.path("user"));
  (void)p.array("pubKeyCredParams");
  result.attestation_payload = payload.dump();
  result.raw_json = object.dump();
  return result;
}

Fido2AssertionInit parse_fido2_assertion_init(json object) {
  ObjectReader r(object, "response");
  Fido2AssertionInit result;
  const json& payload = r.required("assertion_payload");
  ObjectReader p(payload, "response.assertion_payload");
  result.challenge = p.non_empty("challenge");
  if (const json* allowed = p.find("allowCredentials"); allowed != nullptr && !allowed->is_array()) {
    throw BadShape(p.path("allowCredentials") + ": expected an array, got " + std::string(type_name(*allowed)));
  }
  result.assertion_payload = payload.dump();
  result.raw_json = object.dump();
  return result;
}

}  // namespace loginid::detail
