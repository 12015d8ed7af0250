#include "emulator/http/json_input.hpp"

#include "emulator/service/errors.hpp"
#include "jose/json_strict.hpp"

namespace loginid::detail::emulator::http {
namespace {

[[noreturn]] void bad(const std::string& message) { throw ApiError(Errc::bad_request, message); }

const nlohmann::json* member(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

nlohmann::json parse_object(const std::string& body, bool empty_ok) {
  if (body.empty()) {
    if (empty_ok) return nlohmann::json::object();
    bad("request body: missing (a JSON object is required)");
  }
  JsonProblem problem{};
  auto parsed = parse_json_object_strict(body, problem);
  if (problem == JsonProblem::not_object) bad("request body: must be a JSON object");
  if (!parsed) bad("request body: " + describe(problem));
  return std::move(*parsed);
}

std::string required_string(const nlohmann::json& object, const char* name, const std::string& prefix) {
  auto value = optional_string(object, name, prefix);
  if (!value) bad(prefix + name + ": missing");
  return *value;
}

std::optional<std::string> optional_string(const nlohmann::json& object, const char* name,
                                           const std::string& prefix) {
  const auto* value = member(object, name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) bad(prefix + name + ": must be a string");
  return value->get<std::string>();
}

std::optional<bool> optional_bool(const nlohmann::json& object, const char* name, const std::string& prefix) {
  const auto* value = member(object, name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) bad(prefix + name + ": must be a boolean");
  return value->get<bool>();
}

const nlohmann::json& required_object(const nlohmann::json& object, const char* name) {
  const auto* value = optional_object(object, name);
  if (value == nullptr) bad(std::string(name) + ": missing");
  return *value;
}

const nlohmann::json* optional_object(const nlohmann::json& object, const char* name) {
  const auto* value = member(object, name);
  if (value == nullptr) return nullptr;
  if (!value->is_object()) bad(std::string(name) + ": must be an object");
  return value;
}

}  // namespace loginid::detail::emulator::http
