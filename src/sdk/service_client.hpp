#pragma once
// The request pipeline every SDK call goes through: base URL resolution (incl. the emulator switch),
// the transport, the retry policy, and the mapping of failures to loginid::Error.
// Split of work: this file and key_cache / token_verifier are the infrastructure; src/sdk/client*.cpp
// and management*.cpp build the calls of API.md on top of them.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "loginid/error.hpp"
#include "loginid/options.hpp"
#include "loginid/transport.hpp"

namespace loginid::detail {

/// What may be repeated after a failure (issue 4, "Transport and resilience").
enum class Idempotency {
  safe,     ///< reads, PUT activate/deactivate, DELETE: retried on connection failures and 408/429/500/502/503/504
  creates,  ///< creates something: retried only when the request cannot have reached the server
};

struct ApiCall {
  std::string method;                   ///< "GET", "POST", "PUT", "DELETE"
  std::string path;                     ///< starts with '/', already percent-encoded, may carry a query
  std::optional<nlohmann::json> body;   ///< sent as application/json when present
  std::optional<std::string> bearer;    ///< service token for `Authorization: Bearer`
  /// When set, called before every attempt for the bearer token (overrides `bearer`): a service
  /// token's nonce is single use at the service, so a retry must carry a fresh token.
  std::function<std::string()> make_bearer;
  Idempotency idempotency = Idempotency::safe;
  /// Overrides Options::timeout (wait_code uses Options::wait_timeout).
  std::optional<std::chrono::milliseconds> timeout;
  /// The body holds a secret (a password): its serialized copy is wiped once the call is over.
  bool secret_body = false;
};

struct ApiResponse {
  int status = 0;
  std::string body;
  nlohmann::json json;     ///< parsed body; null for an empty body (204) or a non-JSON 2xx body
  std::string request_id;  ///< X-Request-ID
  HttpHeaders headers;
};

/// Waits between attempts. The default sleeps for real; tests inject one that advances their clock.
using Sleeper = std::function<void(std::chrono::milliseconds)>;

class ServiceClient {
 public:
  /// Resolves the base URL (Options::base_url, else LOGINID_EMULATOR_HOST when
  /// Options::honour_emulator_env, else kDefaultBaseUrl; the switch is logged once as a warning),
  /// refuses insecure set-ups (InvalidArgument), creates the libcurl transport unless one is given.
  /// Every request carries `X-Client-ID: client_id`.
  ServiceClient(Options options, std::string client_id);
  /// Same, with the wait between retries injected (tests).
  ServiceClient(Options options, std::string client_id, Sleeper sleeper);

  /// Sends the call, retrying per policy within the call's timeout. Returns a 2xx answer; throws
  /// loginid::Error for a non-2xx answer (status, code, message, request id from the body; code
  /// `unknown_error` for a non-JSON body) and for transport failures (status 0, code
  /// `connection_failed` / `timeout`). Logs one line per attempt through Options::log (no secrets).
  ApiResponse call(const ApiCall& call) const;

  [[nodiscard]] const std::string& base_url() const noexcept;
  /// True when LOGINID_EMULATOR_HOST chose the base URL (Options::honour_emulator_env).
  [[nodiscard]] bool is_emulator() const noexcept;
  [[nodiscard]] const std::string& client_id() const noexcept;
  [[nodiscard]] const Options& options() const noexcept;
  [[nodiscard]] std::chrono::system_clock::time_point now() const;
  void log(LogLevel level, std::string_view message) const;

 private:
  void log_emulator_switch() const;
  struct State;
  std::shared_ptr<const State> state_;
};

/// Percent-encodes a path segment or query value (RFC 3986 unreserved characters kept).
std::string percent_encode(std::string_view text);

}  // namespace loginid::detail
