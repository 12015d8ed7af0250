#include "emulator/service/web_settings.hpp"

#include <charconv>

#include "emulator/service/errors.hpp"
#include "emulator/service/util.hpp"

namespace loginid::detail::emulator {
namespace {

constexpr std::size_t kMaxOrigins = 32;
constexpr std::size_t kMaxOriginLength = 256;
constexpr std::size_t kMaxRpNameLength = 128;

[[noreturn]] void bad(const std::string& field, const std::string& why) {
  throw ApiError(Errc::bad_request, field + ": " + why);
}

/// An origin split into its parts; port is empty for the scheme's default port, "*" for any port.
struct Origin {
  std::string scheme;
  std::string host;
  std::string port;
};

bool is_host_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

/// Parses `scheme://host[:port]` (lowercased). `allow_any_port`: the port may be `*`. Returns the
/// reason on failure.
std::optional<Origin> parse_origin(std::string_view text, bool allow_any_port, std::string& why) {
  auto lower = lowercase_ascii(text);
  Origin out;
  if (lower.starts_with("http://")) {
    out.scheme = "http";
  } else if (lower.starts_with("https://")) {
    out.scheme = "https";
  } else {
    why = "must start with http:// or https://";
    return std::nullopt;
  }
  std::string_view rest = std::string_view(lower).substr(out.scheme.size() + 3);
  std::size_t host_end = 0;
  if (rest.starts_with("[")) {  // an IPv6 literal
    host_end = rest.find(']');
    if (host_end == std::string_view::npos) {
      why = "IPv6 host has no closing ]";
      return std::nullopt;
    }
    ++host_end;
    for (char c : rest.substr(1, host_end - 2)) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') {
        why = "not an IPv6 address in []";
        return std::nullopt;
      }
    }
  } else {
    while (host_end < rest.size() && is_host_char(rest[host_end])) ++host_end;
  }
  out.host = std::string(rest.substr(0, host_end));
  if (out.host.empty() || out.host == "[]") {
    why = "has no host";
    return std::nullopt;
  }
  rest.remove_prefix(host_end);
  if (rest.starts_with(":")) {
    out.port = std::string(rest.substr(1));
    rest = {};
    if (out.port == "*") {
      if (!allow_any_port) {
        why = "port * is only for allowed origins";
        return std::nullopt;
      }
    } else {
      unsigned port = 0;
      auto [end, ec] = std::from_chars(out.port.data(), out.port.data() + out.port.size(), port);
      if (ec != std::errc() || end != out.port.data() + out.port.size() || port == 0 || port > 65535) {
        why = "port must be 1 to 65535 or *";
        return std::nullopt;
      }
      out.port = std::to_string(port);
      if ((out.scheme == "http" && port == 80) || (out.scheme == "https" && port == 443)) out.port.clear();
    }
  }
  if (!rest.empty()) {
    why = rest.starts_with("/") ? "an origin has no path (not even a trailing /)"
                                : "unexpected character after the host";
    return std::nullopt;
  }
  return out;
}

std::string format_origin(const Origin& origin) {
  return origin.scheme + "://" + origin.host + (origin.port.empty() ? "" : ":" + origin.port);
}

std::string checked_rp_id(const std::string& text) {
  const auto id = lowercase_ascii(text);
  if (id.empty() || id.size() > 253) bad("rp_id", "must be 1 to 253 characters");
  bool all_numeric = true;
  std::size_t label_start = 0;
  for (std::size_t i = 0; i <= id.size(); ++i) {
    if (i == id.size() || id[i] == '.') {
      const auto label = std::string_view(id).substr(label_start, i - label_start);
      if (label.empty() || label.size() > 63) bad("rp_id", "must be a domain name (labels of 1 to 63 characters)");
      if (label.front() == '-' || label.back() == '-') bad("rp_id", "a domain label cannot start or end with -");
      label_start = i + 1;
      continue;
    }
    if (!is_host_char(id[i])) {
      bad("rp_id", "must be a domain name such as localhost or example.com (no scheme, port or path)");
    }
    if (!(id[i] >= '0' && id[i] <= '9')) all_numeric = false;
  }
  if (all_numeric) bad("rp_id", "an IP address cannot be a WebAuthn relying-party id");
  return id;
}

std::vector<std::string> checked_origins(const std::vector<std::string>& origins) {
  if (origins.size() > kMaxOrigins) bad("allowed_origins", "at most 32 origins");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < origins.size(); ++i) {
    const auto field = "allowed_origins[" + std::to_string(i) + "]";
    if (origins[i].size() > kMaxOriginLength) bad(field, "longer than 256 characters");
    std::string why;
    auto origin = parse_origin(origins[i], /*allow_any_port=*/true, why);
    if (!origin) bad(field, why + " (the form is scheme://host[:port], port may be *)");
    out.push_back(format_origin(*origin));
  }
  return out;
}

}  // namespace

store::WebSettings apply_web_settings(const store::WebSettings& settings, const WebSettingsChange& change,
                                      const std::string& app_type) {
  auto out = settings;
  if (change.rp_id) out.rp_id = checked_rp_id(*change.rp_id);
  if (change.rp_name) {
    if (change.rp_name->empty() || change.rp_name->size() > kMaxRpNameLength) {
      bad("rp_name", "must be 1 to 128 characters");
    }
    out.rp_name = *change.rp_name;
  }
  if (change.allowed_origins) out.allowed_origins = checked_origins(*change.allowed_origins);
  if (change.public_init) {
    if (*change.public_init && app_type != "web") {
      bad("public_init", "only a web application lets pages start browser flows without a service token");
    }
    out.public_init = *change.public_init;
  }
  return out;
}

bool origin_allowed(const std::vector<std::string>& allowed, std::string_view origin) {
  std::string why;
  auto parsed = parse_origin(origin, /*allow_any_port=*/false, why);
  if (!parsed) return false;
  for (const auto& pattern_text : allowed) {
    auto pattern = parse_origin(pattern_text, /*allow_any_port=*/true, why);
    if (!pattern || pattern->scheme != parsed->scheme || pattern->host != parsed->host) continue;
    if (pattern->port == "*" || pattern->port == parsed->port) return true;
  }
  return false;
}

std::string printable_origin(std::string_view origin) {
  std::string out;
  for (char c : origin.substr(0, 200)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  if (origin.size() > 200) out += "...";
  return out;
}

std::string how_to_allow_origin(const std::string& client_id, std::string_view origin) {
  const auto shown = printable_origin(origin);
  return "add it to the application's allowed origins: start loginid-emulator with `--allowed-origin " + shown +
         "` (repeat the flag for each origin; it sets the default applications' list) or call PUT "
         "/emulator/applications/" + client_id + "/web-settings with {\"allowed_origins\": [..., \"" + shown + "\"]}";
}

}  // namespace loginid::detail::emulator
