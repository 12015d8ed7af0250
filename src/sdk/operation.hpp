#pragma once
// One operation of API.md as a description, and the one path that runs it. Every network function
// of LoginID / LoginIdManagement validates its arguments while it builds its Operation (so a bad
// argument costs no round trip) and hands it to run_operation with the caller's CallOptions. The
// async engine (issue 12) runs the same descriptions: CallRun for the exchanges (its own loop and
// timers instead of the blocking transport and sleeper), then `read`, `ask_again` and
// `on_transport_error` exactly as run_operation does. Nothing about an operation is written twice.

#include <chrono>
#include <functional>
#include <optional>

#include "loginid/call_options.hpp"
#include "loginid/error.hpp"
#include "requests.hpp"
#include "service_client.hpp"

namespace loginid::detail {

template <class Result>
struct Operation {
  /// The request (path, body, scope's bearer, idempotency, secrecy).
  ApiCall call{};
  /// The call's budget when its CallOptions set none; unset: Options::timeout.
  std::optional<std::chrono::milliseconds> default_budget{};
  /// Reads a 2xx answer into the result: shape checks, and a returned JWT verified within the
  /// call's limits (which may fetch a signing key: an async runner must not block its loop on it).
  std::function<Result(ApiResponse&&, const CallContext&)> read{};
  /// When set: whether a refusal means "send the same request again" under the same limits
  /// (wait_code: the service's long poll ended before the caller's wait). `asked_at` is when the
  /// refused request was sent, on the client's clock.
  std::function<bool(const ServiceError&, TimePoint asked_at, const CallContext&)> ask_again{};
  /// When set: may turn a TransportError that ended the call into the operation's own error by
  /// throwing it (wait_code: its own deadline is `code_timeout`); returning rethrows the original.
  std::function<void(const TransportError&, const CallContext&)> on_transport_error{};
};

/// A reader that checks a 2xx answer's shape with `parser` (types_parse.hpp; BadResponse naming the
/// member) and returns what it gives.
template <class Parser>
auto read_parsed(Parser parser) {
  return [parser](ApiResponse&& answer, const CallContext&) { return parse_answer(std::move(answer), parser); };
}

/// The same request as `operation`, its answer read by `reader(read, answer, context)`, where
/// `read` is `operation`'s own reader: an operation derived from another (get_user_id from
/// get_user, the async verify_token from verify_token_claims) keeps the request, budget and
/// ask-again rules in one place and changes only what it makes of the answer.
template <class Result, class From, class Reader>
Operation<Result> with_reader(Operation<From> operation, Reader reader) {
  return {std::move(operation.call), operation.default_budget,
          [read = std::move(operation.read), reader = std::move(reader)](ApiResponse&& answer, const CallContext& context) {
            return reader(read, std::move(answer), context);
          },
          std::move(operation.ask_again), std::move(operation.on_transport_error)};
}

/// Runs `operation` within the limits of `options` (ServiceClient::context) and returns its result.
/// @throws what the pipeline and the operation's `read` throw (ServiceError, TransportError,
///         BadResponse, TokenError, Cancelled; InvalidArgument for bad CallOptions).
/// Hidden: an instantiation's demangled name starts with its public result type, which the export
/// list (libloginid.map, "loginid::v1::*") would otherwise take for part of the public API.
template <class Result>
[[gnu::visibility("hidden")]] Result run_operation(const ServiceClient& service, const Operation<Result>& operation, const CallOptions& options) {
  const CallContext context = service.context(options, operation.default_budget);
  for (;;) {
    const auto asked_at = service.now();
    try {
      return operation.read(service.call(operation.call, context), context);
    } catch (const ServiceError& e) {
      if (operation.ask_again && operation.ask_again(e, asked_at, context)) continue;
      throw;
    } catch (const TransportError& e) {
      if (operation.on_transport_error) operation.on_transport_error(e, context);
      throw;
    }
  }
}

}  // namespace loginid::detail
