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
#include <variant>

#include <nlohmann/json.hpp>

#include "loginid/call_options.hpp"
#include "loginid/cancellation.hpp"
#include "loginid/error.hpp"
#include "loginid/options.hpp"
#include "loginid/transport.hpp"
#include "retry_policy.hpp"

namespace loginid::detail {

struct ApiCall {
  std::string method;                   ///< "GET", "POST", "PUT", "DELETE"
  std::string path;                     ///< starts with '/', already percent-encoded, may carry a query
  std::optional<nlohmann::json> body;   ///< sent as application/json when present
  std::optional<std::string> bearer;    ///< service token for `Authorization: Bearer`
  /// When set, called before every attempt for the bearer token (overrides `bearer`): a service
  /// token's nonce is single use at the service, so a retry must carry a fresh token.
  std::function<std::string()> make_bearer;
  Idempotency idempotency = Idempotency::safe;
  /// The operation's own default budget when the caller sets none (wait_code: Options::wait_timeout);
  /// unset: Options::timeout. Used by call(const ApiCall&) only: a CallContext carries its deadline.
  std::optional<std::chrono::milliseconds> timeout;
  /// The body holds a secret (a password): its serialized copy is wiped once the call is over, and
  /// the strings of `body` when this ApiCall is destroyed.
  bool secret_body = false;

  ApiCall() = default;
  ApiCall(const ApiCall&) = default;
  ApiCall(ApiCall&&) noexcept = default;
  ApiCall& operator=(const ApiCall&) = default;
  ApiCall& operator=(ApiCall&&) noexcept = default;
  ~ApiCall();
};

struct ApiResponse {
  int status = 0;
  std::string body;
  nlohmann::json json;     ///< parsed body; null for an empty body (204) or a non-JSON 2xx body
  std::string request_id;  ///< X-Request-ID
  HttpHeaders headers;
};

/// Waits between attempts, returning early when the token is cancelled. The default sleeps for
/// real (sleep_cancellable); tests inject one that advances their clock.
using Sleeper = std::function<void(std::chrono::milliseconds, const CancellationToken&)>;

/// The limits of one call, resolved once from its CallOptions when the operation starts (all the
/// long polls of one wait_code share one).
struct DeferredKeys;  // key_cache.hpp

struct CallContext {
  TimePoint deadline;                ///< on the client's clock (Options::clock)
  std::chrono::milliseconds budget;  ///< deadline - start, for messages
  CancellationToken cancellation;
  RetryPolicy retry;
  /// Set by the async engine only (its loop thread must never wait for a key fetch): the key
  /// cache does not fetch within this call but says which key it lacks (key_cache.hpp).
  std::shared_ptr<DeferredKeys> deferred_keys{};
};

class ServiceClient;

/// One call through the pipeline as steps that do no I/O and never wait: ServiceClient::call runs
/// them with the blocking transport and the sleeper; the async engine (issue 12) runs the same steps
/// with its event loop and timers, so both send, retry, time out, cancel and fail alike.
class CallRun {
 public:
  /// Checks the call (InvalidArgument) and builds its request. The client must outlive the run.
  CallRun(const ServiceClient& client, const ApiCall& call, CallContext context);
  ~CallRun();
  CallRun(const CallRun&) = delete;
  CallRun& operator=(const CallRun&) = delete;

  /// The request of the next attempt: a fresh bearer token, the time left as its timeout, the
  /// call's cancellation token. Throws Cancelled when the call is cancelled, TransportError
  /// (timeout) when its deadline has passed (then nothing more is sent).
  const HttpRequest& next_request();

  /// What comes after an attempt: the call's answer, or the wait before the next attempt (then call
  /// next_request() once it has passed, or at once when the cancellation interrupted it).
  using Step = std::variant<ApiResponse, std::chrono::milliseconds>;
  /// After an answer: a 2xx ends the call; an error status is retried per policy or thrown
  /// (ServiceError, BadResponse).
  Step on_answer(HttpResponse response);
  /// After the transport failed: retried per policy, else thrown (TransportError; Cancelled when
  /// the call was cancelled meanwhile).
  Step on_failure(const TransportError& failure);
  /// After the transport aborted the exchange for the cancellation: throws Cancelled.
  [[noreturn]] void on_cancelled();

  [[nodiscard]] const CallContext& context() const noexcept { return context_; }

 private:
  Step decide(AttemptOutcome outcome, std::optional<HttpResponse> response, const TransportError* failure);
  [[noreturn]] void throw_cancelled(std::string_view where) const;

  const ServiceClient& client_;
  CallContext context_;
  std::string what_;  // "METHOD /path", for messages
  std::function<std::string()> make_bearer_;
  Idempotency idempotency_;
  bool secret_body_;
  HttpRequest request_;
  int attempt_ = 0;
};

class ServiceClient {
 public:
  /// Resolves the base URL (Options::base_url, else LOGINID_EMULATOR_HOST when
  /// Options::honour_emulator_env, else kDefaultBaseUrl; the switch is logged once as a warning),
  /// refuses insecure set-ups (InvalidArgument), creates the libcurl transport unless one is given.
  /// Every request carries `X-Client-ID: client_id`.
  ServiceClient(Options options, std::string client_id);
  /// Same, with the wait between retries injected (tests).
  ServiceClient(Options options, std::string client_id, Sleeper sleeper);

  /// The limits of a call made with `options`: its deadline (CallOptions::deadline / timeout, else
  /// `default_budget`, else Options::timeout), cancellation and retry policy (CallOptions::retry,
  /// else Options::retry). Throws InvalidArgument naming the CallOptions member that is wrong.
  [[nodiscard]] CallContext context(const CallOptions& options,
                                    std::optional<std::chrono::milliseconds> default_budget = std::nullopt) const;

  /// Sends the call, retrying per the context's policy until its deadline. Returns a 2xx answer;
  /// throws ServiceError for a non-2xx answer (status, code, message, request id from the body;
  /// code `unknown_error` for a non-JSON body), BadResponse, TransportError when no answer came in
  /// time, Cancelled as soon as the context's token is cancelled (also during the exchange and the
  /// wait between attempts). Logs one line per attempt through Options::log (no secrets).
  ApiResponse call(const ApiCall& call, const CallContext& context) const;
  /// The same with the defaults: context({}, call.timeout).
  ApiResponse call(const ApiCall& call) const;

  [[nodiscard]] const std::string& base_url() const noexcept;
  /// True when LOGINID_EMULATOR_HOST chose the base URL (Options::honour_emulator_env).
  [[nodiscard]] bool is_emulator() const noexcept;
  [[nodiscard]] const std::string& client_id() const noexcept;
  [[nodiscard]] const Options& options() const noexcept;
  [[nodiscard]] std::chrono::system_clock::time_point now() const;
  void log(LogLevel level, std::string_view message) const;
  /// Whether Options::log is set (a line is built only for a sink).
  [[nodiscard]] bool logs() const noexcept;

 private:
  friend class CallRun;
  void log_emulator_switch() const;
  struct State;
  std::shared_ptr<const State> state_;
};

/// Percent-encodes a path segment or query value (RFC 3986 unreserved characters kept).
std::string percent_encode(std::string_view text);

}  // namespace loginid::detail
