#pragma once
// The retry policy (issue 4, "Transport and resilience") as a pure decision function: given what
// happened to an attempt, whether to try again and after how long. ServiceClient does the sleeping.

#include <chrono>
#include <optional>
#include <string_view>

#include "loginid/options.hpp"
#include "loginid/transport.hpp"

namespace loginid::detail {

/// What may be repeated after a failure (issue 4, "Transport and resilience").
enum class Idempotency {
  safe,     ///< reads, PUT activate/deactivate, DELETE: retried on connection failures and 408/429/500/502/503/504
  creates,  ///< creates something: retried only when the request cannot have reached the server
};

using TimePoint = std::chrono::system_clock::time_point;

/// What happened to one attempt; exactly one of `status` and `transport_error` is set.
struct AttemptOutcome {
  int attempt = 1;  ///< 1-based number of the attempt that just ended
  Idempotency idempotency = Idempotency::safe;
  std::optional<int> status;                              ///< the HTTP status, when an answer came
  std::optional<TransportError::Reason> transport_error;    ///< the failure, when no answer came
  std::optional<std::string_view> retry_after;            ///< the answer's Retry-After header
  TimePoint now;                                          ///< when the attempt ended
  TimePoint deadline;                                     ///< when the whole call must have ended
};

struct RetryDecision {
  bool retry = false;
  std::chrono::milliseconds delay{0};  ///< wait this long before the next attempt
  std::string_view reason;             ///< why (for the log line): "retryable status", "deadline", ...
};

/// True for the statuses worth repeating a safe call on: 408, 429, 500, 502, 503, 504.
bool is_retryable_status(int status) noexcept;

/// The point in time a Retry-After value names: delta-seconds (digits only) or an HTTP-date
/// (IMF-fixdate, also the obsolete RFC 850 and asctime forms). nullopt for anything else.
std::optional<TimePoint> parse_retry_after(std::string_view value, TimePoint now) noexcept;

class RetryPolicy {
 public:
  explicit RetryPolicy(RetryOptions options) noexcept : options_(options) {}

  /// The upper bound of the backoff before attempt `attempt + 1`: initial * multiplier^(attempt-1),
  /// capped at max_backoff.
  [[nodiscard]] std::chrono::milliseconds backoff_cap(int attempt) const noexcept;

  /// Whether to repeat the call. `jitter` in [0, 1] picks the delay inside [0, backoff_cap] (full
  /// jitter); a valid Retry-After replaces the backoff. Never retries past max_attempts, never a
  /// creating call that may have reached the server, never when the wait would pass the deadline.
  [[nodiscard]] RetryDecision decide(const AttemptOutcome& outcome, double jitter) const noexcept;

  [[nodiscard]] const RetryOptions& options() const noexcept { return options_; }

 private:
  RetryOptions options_;
};

}  // namespace loginid::detail
