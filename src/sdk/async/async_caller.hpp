#pragma once
// Runs ApiCalls on the async engine: the same steps as ServiceClient::call (CallRun: request
// building, fresh bearer per attempt, time left as each attempt's timeout, answer -> ApiResponse or
// loginid::Error, retry decisions with Retry-After), with the loop's transport instead of a blocking
// send and a loop timer instead of a sleep. Nothing here blocks a thread.
//
// Completion rules (the public async API documents them):
// - every started call completes exactly once: with its answer, its error, Cancelled after cancel(),
//   or Cancelled when the caller is destroyed first;
// - completions run on the loop thread, never inside start() or cancel(); one at a time, so a
//   completion that blocks holds up every call of the engine;
// - ~AsyncCaller returns after every completion of its calls has returned;
// - in a child process forked after the engine started there is no loop thread: start() completes
//   the call at once, on the calling thread, with TransportError refused_locally, and ~AsyncCaller
//   completes what was in flight at the fork on the destroying thread.

#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <variant>

#include "sdk/async/async_engine.hpp"
#include "sdk/async/async_transport.hpp"
#include "sdk/async/unique_function.hpp"
#include "sdk/service_client.hpp"

namespace loginid::detail {

/// How a call ended: the 2xx answer, or what ServiceClient::call would have thrown.
using CallOutcome = std::variant<ApiResponse, std::exception_ptr>;

class AsyncCaller final {
 public:
  using CallId = std::uint64_t;
  using Completion = UniqueFunction<void(CallOutcome outcome)>;
  /// Makes the caller's transport, on the loop thread, where it lives until the caller goes.
  using TransportFactory = UniqueFunction<std::unique_ptr<AsyncTransport>(EventLoop& loop)>;

  /// Makes the transport on the loop (rethrows what the factory throws).
  AsyncCaller(std::shared_ptr<const ServiceClient> service, std::shared_ptr<AsyncEngine> engine,
              TransportFactory make_transport);
  /// The libcurl multi transport (curl_multi_transport.hpp) with `options`.
  static TransportFactory curl(CurlTransportOptions options);
  /// Cancels every call still in flight (each completes with Cancelled) and returns once their
  /// completions have run. May be called on the loop thread (inside a completion); the
  /// completions then run inside it.
  ~AsyncCaller();
  AsyncCaller(const AsyncCaller&) = delete;
  AsyncCaller& operator=(const AsyncCaller&) = delete;

  /// Starts `call` within `context` (ServiceClient::context: deadline, cancellation token, retry
  /// policy); `done` receives its outcome on the loop thread. Any thread. Errors found before
  /// anything is sent (InvalidArgument) arrive through `done` too. Cancelling the context's token
  /// is cancel(id).
  CallId start(ApiCall call, CallContext context, Completion done);
  /// The same with the defaults, as ServiceClient::call(const ApiCall&): context({}, call.timeout).
  CallId start(ApiCall call, Completion done);

  /// A call that fails with `error` (found before anything could be sent): completes like any
  /// call, later, on the loop thread, or with Cancelled when the caller is destroyed first.
  CallId fail(std::exception_ptr error, Completion done);

  /// A call named `what` that sends nothing (a verification): completes with an empty
  /// ApiResponse, later, on the loop thread, unless `context`'s token is cancelled or the caller
  /// destroyed first (then Cancelled, like any call). Gives work that must run on the loop thread
  /// the caller's completion rules.
  CallId later(std::string what, CallContext context, Completion done);

  /// Ends a call that has not completed: its exchange is aborted (or its wait before a retry
  /// dropped) and it completes with Cancelled. No effect on a call that completed. Any thread;
  /// the completion runs later, on the loop thread.
  void cancel(CallId id);

  /// Calls started and not yet completed (any thread).
  [[nodiscard]] std::size_t in_flight() const;

  [[nodiscard]] const std::shared_ptr<AsyncEngine>& engine() const noexcept;
  [[nodiscard]] const ServiceClient& service() const noexcept;
  /// The caller's transport (loop thread only; diagnostics and tests).
  [[nodiscard]] AsyncTransport& transport() const noexcept;

 private:
  CallId start(ApiCall call, CallContext context, Completion done, std::exception_ptr refused,
               bool sends_nothing = false);
  struct Op;
  struct Core;
  std::shared_ptr<Core> core_;  // loop tasks hold it weakly: they do nothing once the caller is gone
};

}  // namespace loginid::detail
