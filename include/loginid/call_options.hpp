#pragma once
/// @file call_options.hpp
/// Per-call settings: the trailing `const CallOptions& call = {}` of every network function. An
/// empty CallOptions means the client's Options: Options::timeout (Options::wait_timeout for
/// wait_code), Options::retry, never cancelled.
///
/// @code
/// using namespace std::chrono_literals;
/// loginid::CancellationSource cancel;
/// loginid::CallOptions call{.timeout = 2s, .cancellation = cancel.token(), .retry = loginid::RetryOptions{.max_attempts = 1}};
/// @endcode

#include <chrono>
#include <optional>

#include "loginid/cancellation.hpp"
#include "loginid/options.hpp"
#include "loginid/version.hpp"

namespace loginid::inline v1 {

/// How one call may run: until when, whether it can be cancelled, how it retries.
struct CallOptions final {
  /// The call ends by then, retries and waits between them included. A deadline already passed
  /// fails the call before anything is sent (TransportError, reason() timeout; for wait_code,
  /// ServiceError `code_timeout` with status 0).
  std::optional<std::chrono::steady_clock::time_point> deadline{};
  /// The call ends within this from its start, retries included. With `deadline` too, the earlier
  /// one holds. When both are unset: Options::timeout (wait_code: Options::wait_timeout). Must be
  /// positive (InvalidArgument naming CallOptions::timeout).
  std::optional<std::chrono::milliseconds> timeout{};
  /// Cancelling its source stops the call at once wherever it is, and it throws Cancelled.
  /// Cancellation is never retried.
  CancellationToken cancellation{};
  /// Replaces Options::retry for this call (checked like it: InvalidArgument naming CallOptions::retry).
  std::optional<RetryOptions> retry{};
};

}  // namespace loginid::inline v1
