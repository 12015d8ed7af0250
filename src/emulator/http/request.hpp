#pragma once
// One HTTP request and its answer, as the emulator's routes see them. The members follow
// cpp-httplib's Request/Response (req.body, req.matches[i], req.get_header_value, res.set_content,
// ...), so route code reads the same as it did on that library; nothing here depends on the
// transport (http/event_server.hpp fills a Request and writes a Response).

#include <map>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loginid::detail::emulator::http {

/// Name/value pairs in arrival order; names compare ASCII-case-insensitively (RFC 9110 §5.1).
class HeaderList {
 public:
  [[nodiscard]] bool has(std::string_view name) const { return find(name) != nullptr; }
  /// The first value sent under `name`, or "" when absent.
  [[nodiscard]] std::string get(std::string_view name) const;
  /// Replaces every value under `name`. A value with CR or LF is ignored (it would split the answer).
  void set(std::string_view name, std::string_view value);
  void add(std::string_view name, std::string_view value) { items_.emplace_back(name, value); }
  [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  [[nodiscard]] const std::string* find(std::string_view name) const;
  std::vector<std::pair<std::string, std::string>> items_;
};

struct Request {
  std::string method;  ///< as sent: "GET", "POST", ... (HEAD is routed as GET, answered without a body)
  std::string path;    ///< percent-decoded, without the query
  std::string target;  ///< the request-target as sent (path and query)
  std::string body;
  HeaderList headers;
  std::multimap<std::string, std::string> params;  ///< the query, percent-decoded ('+' is a space)
  std::smatch matches;  ///< the route pattern's groups, matched against `path` (set by the router)

  [[nodiscard]] bool has_header(std::string_view name) const { return headers.has(name); }
  [[nodiscard]] std::string get_header_value(std::string_view name) const { return headers.get(name); }
  [[nodiscard]] bool has_param(const std::string& name) const { return params.count(name) > 0; }
  /// The first value of `name`, or "" when absent.
  [[nodiscard]] std::string get_param_value(const std::string& name) const;

  /// Splits `target` into the decoded `path` and `params`. false when the path is not origin-form
  /// (it must start with '/').
  bool set_target(std::string_view request_target);
};

struct Response {
  int status = 200;
  std::string body;
  HeaderList headers;

  [[nodiscard]] bool has_header(std::string_view name) const { return headers.has(name); }
  [[nodiscard]] std::string get_header_value(std::string_view name) const { return headers.get(name); }
  void set_header(std::string_view name, std::string_view value) { headers.set(name, value); }
  void set_content(std::string content, std::string_view content_type) {
    body = std::move(content);
    headers.set("Content-Type", content_type);
  }
};

/// Percent-decoding of a path (`plus_is_space` false) or of a query component (true). An invalid
/// escape is kept as it is, as browsers and cpp-httplib do.
std::string percent_decode(std::string_view text, bool plus_is_space);

}  // namespace loginid::detail::emulator::http
