#pragma once
// Per-application web settings (docs/emulator.md, "Web settings"): validating a change, and
// matching a page's origin against an application's allowed origins.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/store/records.hpp"

namespace loginid::detail::emulator {

/// A change to an application's web settings: only the fields that are set change.
struct WebSettingsChange {
  std::optional<std::string> rp_id;
  std::optional<std::string> rp_name;
  std::optional<std::vector<std::string>> allowed_origins;
  std::optional<bool> public_init;
};

/// `settings` with `change` applied, every field validated and normalised (lowercase rp id and
/// origins, no default port). Throws ApiError bad_request naming the field (`rp_id`,
/// `allowed_origins[2]`, ...). `app_type` is "web" or "management": only a web application may
/// start browser flows without a token.
store::WebSettings apply_web_settings(const store::WebSettings& settings, const WebSettingsChange& change,
                                      const std::string& app_type);

/// Whether a page at `origin` (as a browser sends it: `scheme://host[:port]`) is one of `allowed`.
bool origin_allowed(const std::vector<std::string>& allowed, std::string_view origin);

/// The origin as it may appear in a message or a log line: printable ASCII, at most 200 characters.
std::string printable_origin(std::string_view origin);

/// What a developer does to allow `origin` for `client_id` (for refusals).
std::string how_to_allow_origin(const std::string& client_id, std::string_view origin);

}  // namespace loginid::detail::emulator
