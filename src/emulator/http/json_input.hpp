#pragma once
// Reading request bodies: strict JSON objects and typed fields, each failure a 400 naming the field.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace loginid::detail::emulator::http {

/// The body as a JSON object, read by the JOSE core's strict reader (depth-bounded while parsing).
/// Malformed JSON, invalid UTF-8, nesting deeper than kMaxJsonDepth, a repeated member name or a
/// non-object -> 400 bad_request.
/// An empty body is an empty object when `empty_ok`.
nlohmann::json parse_object(const std::string& body, bool empty_ok = false);

/// `prefix` names the enclosing object in messages ("credential." for credential.uuid).
std::string required_string(const nlohmann::json& object, const char* name, const std::string& prefix = {});
std::optional<std::string> optional_string(const nlohmann::json& object, const char* name,
                                           const std::string& prefix = {});
std::optional<bool> optional_bool(const nlohmann::json& object, const char* name, const std::string& prefix = {});
const nlohmann::json& required_object(const nlohmann::json& object, const char* name);
const nlohmann::json* optional_object(const nlohmann::json& object, const char* name);

}  // namespace loginid::detail::emulator::http
