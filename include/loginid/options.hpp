#pragma once
/// @file options.hpp
/// Client configuration. Every member has a sensible default.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "loginid/jwt.hpp"
#include "loginid/transport.hpp"
#include "loginid/version.hpp"

namespace loginid::inline v1 {

/// The production environment (API.md, "Base URL").
inline constexpr std::string_view kDefaultBaseUrl = "https://directweb.usw1.loginid.io";

/// The severity of a log line given to a LogCallback.
enum class LogLevel {
  debug,    ///< each answer received
  info,     ///< retry decisions (retrying, giving up)
  warning,  ///< a failed attempt, a key that could not be fetched, the emulator switch in use
  error,    ///< not used by this release (the SDK reports failures by throwing)
};
/// Receives the SDK's log lines (never secrets). The library prints nothing by itself. Called on
/// the thread making the call, possibly from several threads at once, never under an SDK lock.
using LogCallback = std::function<void(LogLevel level, std::string_view message)>;

/// When and how often a failed call is repeated.
struct RetryOptions final {
  /// Total attempts, the first included (1 = never retry).
  int max_attempts = 3;
  /// The wait before retry n is random in [0, cap] (full jitter), where cap is initial_backoff
  /// times multiplier^(n-1), at most max_backoff; a valid Retry-After replaces it.
  std::chrono::milliseconds initial_backoff{100};
  /// The largest cap (see initial_backoff).
  std::chrono::milliseconds max_backoff{2'000};
  /// The cap's growth per retry (see initial_backoff).
  double multiplier = 2.0;
  /// Honour `Retry-After` (seconds or HTTP-date) on 429/503, within the call's timeout.
  bool honour_retry_after = true;
};

/// The cache of LoginID's public keys, by `kid`.
struct KeyCacheOptions final {
  /// Used when /certs sends no usable Cache-Control: max-age.
  std::chrono::seconds default_ttl{300};
  /// max-age is clamped into [min_ttl, max_ttl].
  std::chrono::seconds min_ttl{60};
  std::chrono::seconds max_ttl{std::chrono::hours(24)};  ///< see min_ttl
  /// At most this many keys are kept; the one fetched longest ago goes first.
  std::size_t max_keys = 64;
  /// An unknown kid is remembered as unknown this long (no new fetch for it).
  std::chrono::seconds negative_ttl{60};
  /// At most this many fetches for kids never seen before, per minute (tokens with random
  /// kids cannot make the SDK flood the service).
  int max_unknown_fetches_per_minute = 10;
};

/// Optional cache of verified tokens: SHA-256(token) -> claims, until the token's `exp`.
/// A hit still enforces audience, username and time checks.
struct TokenCacheOptions final {
  bool enabled = false;  ///< off by default: every verification checks the signature
  /// At most this many tokens are kept; the one expiring soonest goes first.
  std::size_t max_entries = 10'000;
};

/// Service tokens signed ahead of need. Each call to the service needs a fresh service token (its
/// nonce is single use) and its ECDSA signature is the largest client-side cost of a call to a
/// nearby service. With this on, one background thread (started by the first call that needs a
/// token) signs the next token for a scope while the current call waits for its answer. A token is
/// used once, only within `max_age` of being signed, and never in a forked child; with no token
/// ready the call signs inline, as with this off.
struct PresignOptions final {
  bool enabled = true;  ///< off: every call signs its token inline
  /// Tokens kept ready per scope.
  std::size_t per_scope = 2;
  /// A ready token older than this is wiped instead of used (the service accepts `iat` within
  /// minutes; this keeps tokens far inside that window).
  std::chrono::seconds max_age{5};
  /// Scopes given a stock (API.md has about fifteen); others always sign inline.
  std::size_t max_scopes = 32;
};

/// The configuration of a client (LoginID, LoginIdManagement). Every member has a default that
/// suits production; docs/sdk.md ("Configuration") explains each.
struct Options final {
  /// Service base URL; a trailing '/' is dropped. When unset: the emulator switch if
  /// LOGINID_EMULATOR_HOST is set and `honour_emulator_env` is on (`host:port` means
  /// http://host:port; `https://host:port` too, trusting the CA file named by LOGINID_EMULATOR_CA
  /// unless `ca_bundle` is set), else kDefaultBaseUrl.
  std::optional<std::string> base_url{};
  /// Whether LOGINID_EMULATOR_HOST (and LOGINID_EMULATOR_CA) may choose the service when
  /// `base_url` is unset. The switch moves every call, and the fetching of the keys that tokens
  /// are verified with, to the emulator; when it does, the client says so once through `log`
  /// (warning) and LoginID::is_emulator() is true. Turn this off in a production binary so that no
  /// environment variable can redirect it.
  bool honour_emulator_env = true;
  /// Each call ends within this (retries included).
  std::chrono::milliseconds timeout{10'000};
  /// Each connection attempt (DNS, TCP, TLS handshake) ends within this.
  std::chrono::milliseconds connect_timeout{3'000};
  /// How long wait_code waits for the code to be authorized. The service holds one long poll for
  /// less (the emulator's --wait-timeout, 30 s by default); wait_code then asks again, so this is
  /// the whole wait. Past it: Error `code_timeout`.
  std::chrono::milliseconds wait_timeout{120'000};
  /// When and how often a failed call is repeated.
  RetryOptions retry{};
  /// Tolerance for exp/nbf/iat when verifying LoginID's tokens.
  std::chrono::seconds leeway{60};
  /// When set, tokens older than this (from `iat`) are rejected.
  std::optional<std::chrono::seconds> max_token_age{};
  /// Null: the libcurl transport, with `ca_bundle`. A custom transport makes its own TLS choices, so
  /// setting `ca_bundle` as well is refused (InvalidArgument naming Options::ca_bundle) rather than
  /// silently ignored: give the CAs to the transport (CurlTransportOptions::ca_bundle).
  std::shared_ptr<HttpTransport> transport{};
  /// Empty: system clock. Called from the calling threads and from the pre-signing thread.
  Clock clock{};
  LogCallback log{};  ///< receives the SDK's log lines; empty: nothing is logged
  /// Allow plain http:// to a non-loopback host (never do this in production).
  bool allow_insecure_http = false;
  /// The CAs to trust for https instead of the system store: PEM text, a PEM file, or a directory
  /// of hashed certificates (CurlTransportOptions::ca_bundle). Needed for a service behind a
  /// private CA (a corporate proxy, an emulator serving TLS). A certificate that does not verify
  /// fails the call at once (TransportError, reason() tls_failed). Not with a custom `transport`.
  std::optional<std::string> ca_bundle{};
  KeyCacheOptions key_cache{};      ///< the cache of LoginID's public keys
  TokenCacheOptions token_cache{};  ///< the optional cache of verified tokens
  PresignOptions presign{};         ///< service tokens signed ahead of need
};

}  // namespace loginid::inline v1
