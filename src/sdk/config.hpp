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

/// The CA file to trust for the emulator switch when the emulator serves https (its
/// --tls-self-signed CA): used only with LOGINID_EMULATOR_HOST and no Options::base_url or
/// Options::ca_bundle, so it never changes whom a production client trusts.
inline constexpr const char* kEmulatorCaEnv = "LOGINID_EMULATOR_CA";

/// The value of LOGINID_EMULATOR_HOST, or nullopt when unset or empty. This and
/// emulator_ca_from_env are the only places the SDK reads its environment.
std::optional<std::string> emulator_host_from_env();
/// The value of LOGINID_EMULATOR_CA, or nullopt when unset or empty.
std::optional<std::string> emulator_ca_from_env();

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
/// http://<emulator_host> when given (https://<host:port> when it starts with https://), else
/// kDefaultBaseUrl. Throws InvalidArgument for a bad URL, a
/// bad emulator host, or plain http:// to a non-loopback host without Options::allow_insecure_http.
std::string resolve_base_url(const Options& options, const std::optional<std::string>& emulator_host);

}  // namespace loginid::detail
