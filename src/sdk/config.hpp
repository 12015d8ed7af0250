#pragma once
// Where the SDK sends its requests: the base URL from Options, the emulator switch
// (LOGINID_EMULATOR_HOST) or the production default, and the refusal of insecure set-ups.

#include <optional>
#include <string>
#include <string_view>

#include "loginid/options.hpp"

namespace loginid::detail {

/// The environment variable of the emulator switch: `host:port` of a local loginid-emulator.
inline constexpr const char* kEmulatorHostEnv = "LOGINID_EMULATOR_HOST";

/// The value of LOGINID_EMULATOR_HOST, or nullopt when unset or empty. The only place the SDK
/// reads its environment.
std::optional<std::string> emulator_host_from_env();

/// True for `localhost`, 127.0.0.0/8 and ::1 (also ::ffff:127.x.y.z); brackets around IPv6 allowed.
bool is_loopback_host(std::string_view host) noexcept;

/// The pieces of an absolute http(s) URL the SDK cares about.
struct UrlParts {
  std::string scheme;  ///< lower case: "http" or "https"
  std::string host;    ///< without brackets for IPv6
  std::string rest;    ///< ":port/path" (what follows the host), may be empty
};

/// Splits an absolute URL; InvalidArgument (naming `what`) when it is not http(s)://host[:port][/path]
/// or carries user info, a query or a fragment.
UrlParts parse_base_url(std::string_view url, std::string_view what);

/// The base URL every request starts with (no trailing '/'): Options::base_url, else
/// http://<emulator_host> when given, else kDefaultBaseUrl. Throws InvalidArgument for a bad URL, a
/// bad emulator host, or plain http:// to a non-loopback host without Options::allow_insecure_http.
std::string resolve_base_url(const Options& options, const std::optional<std::string>& emulator_host);

}  // namespace loginid::detail
