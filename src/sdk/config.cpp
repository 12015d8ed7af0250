#include "config.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

#include "loginid/error.hpp"

namespace loginid::detail {
namespace {

std::string to_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool has_control_or_space(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; });
}

// Checks ":<port>" at the start of `rest` (if any): 1..65535, digits only.
void check_port(std::string_view rest, std::string_view what) {
  if (rest.empty() || rest.front() != ':') {
    return;
  }
  const auto digits = rest.substr(1, rest.find('/') == std::string_view::npos ? std::string_view::npos : rest.find('/') - 1);
  long port = 0;
  bool ok = !digits.empty() && digits.size() <= 5;
  for (char c : digits) {
    ok = ok && std::isdigit(static_cast<unsigned char>(c)) != 0;
    port = port * 10 + (c - '0');
  }
  if (!ok || port < 1 || port > 65535) {
    throw InvalidArgument(std::string(what) + ": port must be a number from 1 to 65535");
  }
}

// Refuses cleartext HTTP to anything but this machine: tokens and keys would cross the network.
void refuse_insecure(const UrlParts& parts, const Options& options, std::string_view what) {
  if (parts.scheme == "http" && !options.allow_insecure_http && !is_loopback_host(parts.host)) {
    throw InvalidArgument(std::string(what) + ": plain http:// to the non-loopback host '" + parts.host +
                          "' is refused (use https, or set Options::allow_insecure_http for a trusted network)");
  }
}

std::string drop_trailing_slashes(std::string url) {
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  return url;
}

}  // namespace

std::optional<std::string> emulator_host_from_env() {
  const char* value = std::getenv(kEmulatorHostEnv);  // NOLINT(concurrency-mt-unsafe): read once per client
  if (value == nullptr || *value == '\0') {
    return std::nullopt;
  }
  return std::string(value);
}

std::optional<std::string> emulator_ca_from_env() {
  const char* value = std::getenv(kEmulatorCaEnv);  // NOLINT(concurrency-mt-unsafe): read once per client
  if (value == nullptr || *value == '\0') {
    return std::nullopt;
  }
  return std::string(value);
}

bool is_loopback_host(std::string_view host) noexcept {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host.size() > 255) {
    return false;
  }
  std::string text(host);
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (text == "localhost" || text == "localhost.") {
    return true;
  }
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) {
      return true;
    }
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

UrlParts parse_base_url(std::string_view url, std::string_view what) {
  const std::string name(what);
  if (url.empty()) {
    throw InvalidArgument(name + ": empty URL");
  }
  if (has_control_or_space(url)) {
    throw InvalidArgument(name + ": URL contains spaces or control characters");
  }
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) {
    throw InvalidArgument(name + ": not an absolute URL (want http:// or https://)");
  }
  UrlParts parts;
  parts.scheme = to_lower(url.substr(0, sep));
  if (parts.scheme != "http" && parts.scheme != "https") {
    throw InvalidArgument(name + ": scheme '" + parts.scheme + "' is not allowed (only http and https)");
  }
  if (url.find_first_of("?#") != std::string_view::npos) {
    throw InvalidArgument(name + ": a base URL cannot carry a query or a fragment");
  }
  const auto after = url.substr(sep + 3);
  const auto authority = after.substr(0, after.find('/'));
  if (authority.find('@') != std::string_view::npos) {
    throw InvalidArgument(name + ": user info (user@host) is not allowed in the URL");
  }
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      throw InvalidArgument(name + ": unterminated '[' in the IPv6 host");
    }
    parts.host = std::string(authority.substr(1, close - 1));
    parts.rest = std::string(after.substr(close + 1));
  } else {
    const auto colon = authority.find(':');
    parts.host = std::string(authority.substr(0, colon));
    parts.rest = std::string(after.substr(parts.host.size()));
  }
  if (parts.host.empty()) {
    throw InvalidArgument(name + ": the URL has no host");
  }
  if (!parts.rest.empty() && parts.rest.front() != ':' && parts.rest.front() != '/') {
    throw InvalidArgument(name + ": unexpected text after the host");
  }
  check_port(parts.rest, what);
  return parts;
}

std::string resolve_base_url(const Options& options, const std::optional<std::string>& emulator_host) {
  if (options.base_url) {
    const auto parts = parse_base_url(*options.base_url, "Options::base_url");
    refuse_insecure(parts, options, "Options::base_url");
    return drop_trailing_slashes(*options.base_url);
  }
  if (emulator_host) {
    const std::string what = std::string(kEmulatorHostEnv) + "='" + *emulator_host + "'";
    // host:port means plain http (the emulator's default); a scheme picks https explicitly.
    std::string scheme = "http";
    std::string_view host_port = *emulator_host;
    for (const char* prefix : {"http://", "https://"}) {
      if (to_lower(host_port.substr(0, std::string_view(prefix).size())) == prefix) {
        scheme = std::string(prefix, std::string_view(prefix).size() - 3);
        host_port.remove_prefix(std::string_view(prefix).size());
      }
    }
    if (host_port.find('/') != std::string_view::npos) {
      throw InvalidArgument(what + ": want host:port or https://host:port, without any other scheme or a path");
    }
    if (host_port.find(':') == std::string_view::npos) {
      throw InvalidArgument(what + ": want host:port (the port is missing)");
    }
    const std::string url = scheme + "://" + std::string(host_port);
    const auto parts = parse_base_url(url, what);
    if (parts.rest.empty()) {
      throw InvalidArgument(what + ": want host:port (the port is missing)");
    }
    refuse_insecure(parts, options, what);
    return url;
  }
  return std::string(kDefaultBaseUrl);
}

}  // namespace loginid::detail
