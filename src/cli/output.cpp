#include "cli/output.hpp"

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <ostream>
#include <utility>
#include <vector>

namespace loginid::cli {
namespace {

using Json = nlohmann::json;

std::string scalar_text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

bool is_table(const Json& v) {
  return v.is_array() && !v.empty() && std::all_of(v.begin(), v.end(), [](const Json& e) { return e.is_object(); });
}

/// Flattens nested objects into dotted keys; arrays of objects are left for their own table.
void flatten(const Json& obj, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& rows,
             std::vector<std::pair<std::string, const Json*>>& tables) {
  for (const auto& [key, value] : obj.items()) {
    const std::string name = prefix.empty() ? key : prefix + "." + key;
    if (value.is_object() && !value.empty()) {
      flatten(value, name, rows, tables);
    } else if (is_table(value)) {
      tables.emplace_back(name, &value);
    } else {
      rows.emplace_back(name, scalar_text(value));
    }
  }
}

std::string pad(const std::string& s, std::size_t width) { return s + std::string(width > s.size() ? width - s.size() : 0, ' '); }

std::string render_rows(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.first.size());
  std::string out;
  for (const auto& [key, value] : rows) out += pad(key, width) + "  " + value + "\n";
  return out;
}

/// Identifying columns first (a human scans for the id and name), the rest in key order.
std::vector<std::string> table_columns(const Json& array) {
  static const std::vector<std::string> kLeading = {"id", "uuid", "name", "username", "setting", "value", "type", "status"};
  std::vector<std::string> keys;
  for (const auto& item : array) {
    for (const auto& [key, value] : item.items()) {
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    }
  }
  std::vector<std::string> columns;
  for (const auto& lead : kLeading) {
    if (std::find(keys.begin(), keys.end(), lead) != keys.end()) columns.push_back(lead);
  }
  for (const auto& key : keys) {
    if (std::find(columns.begin(), columns.end(), key) == columns.end()) columns.push_back(key);
  }
  return columns;
}

std::string render_table(const Json& array) {
  const std::vector<std::string> columns = table_columns(array);
  std::vector<std::vector<std::string>> cells;
  cells.push_back(columns);
  for (const auto& item : array) {
    std::vector<std::string> row;
    for (const auto& col : columns) row.push_back(item.contains(col) ? scalar_text(item.at(col)) : "-");
    cells.push_back(std::move(row));
  }
  std::vector<std::size_t> widths(columns.size(), 0);
  for (const auto& row : cells) {
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : cells) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) line += (i + 1 < row.size() ? pad(row[i], widths[i]) + "  " : row[i]);
    out += line + "\n";
  }
  return out;
}

}  // namespace

std::string render_json(const Json& doc) { return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n"; }

std::string render_text(const Json& doc) {
  if (is_table(doc)) return render_table(doc);
  if (!doc.is_object()) return scalar_text(doc) + "\n";
  std::vector<std::pair<std::string, std::string>> rows;
  std::vector<std::pair<std::string, const Json*>> tables;
  flatten(doc, "", rows, tables);
  std::string out = render_rows(rows);
  for (const auto& [name, table] : tables) {
    if (!out.empty()) out += "\n";
    out += name + ":\n" + render_table(*table);
  }
  return out;
}

Json with_utc_times(const Json& claims) {
  Json out = claims;
  if (!out.is_object()) return out;
  for (const char* name : {"iat", "exp", "nbf", "auth_time"}) {
    const auto it = out.find(name);
    if (it == out.end() || !it->is_number_integer()) continue;
    const auto seconds = it->get<std::int64_t>();
    // Years 1970..9999: beyond that a date means nothing to a reader (and gmtime may refuse it).
    if (seconds < 0 || seconds > 253402300799) continue;
    const std::time_t t = static_cast<std::time_t>(seconds);
    std::tm utc{};
    char text[32];
    if (::gmtime_r(&t, &utc) == nullptr || std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc) == 0) continue;
    *it = std::to_string(seconds) + " (" + text + ")";
  }
  return out;
}

void print_document(std::ostream& out, const Json& doc, Format format) {
  out << (format == Format::json ? render_json(doc) : render_text(doc));
  out.flush();
}

}  // namespace loginid::cli
