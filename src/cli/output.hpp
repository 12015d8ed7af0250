#pragma once
// stdout formats: one JSON document per command (default), or an aligned table (--format text).

#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

namespace loginid::cli {

enum class Format { json, text };

/// Pretty JSON (2-space indent) followed by a newline. Invalid UTF-8 is replaced, never thrown on.
std::string render_json(const nlohmann::json& doc);

/// A human table: scalar members as aligned "key  value" rows (nested objects flattened as
/// "a.b"), then each array of objects as a table with one column per key.
std::string render_text(const nlohmann::json& doc);

void print_document(std::ostream& out, const nlohmann::json& doc, Format format);

/// For text output: a copy of JWT claims where the NumericDate claims (`iat`, `exp`, `nbf`,
/// `auth_time`) read "1623267976 (2021-06-09T19:46:16Z)". Other members are left as they are.
nlohmann::json with_utc_times(const nlohmann::json& claims);

}  // namespace loginid::cli
