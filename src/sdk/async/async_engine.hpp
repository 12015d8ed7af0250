#pragma once
// The async engine: one event loop thread and the transport it drives. Clients made with the same
// engine share its thread and its connections; the engine lives as long as the last of them (and
// of the tasks they queued).

#include <memory>

#include "sdk/async/async_transport.hpp"
#include "sdk/async/event_loop.hpp"
#include "sdk/async/unique_function.hpp"
#include "loginid/transport.hpp"

namespace loginid::detail {

class AsyncEngine final {
 public:
  /// Makes the transport on the loop thread, where it will live.
  using TransportFactory = UniqueFunction<std::unique_ptr<AsyncTransport>(EventLoop& loop)>;

  /// Starts the loop thread and makes the transport there; rethrows what the factory throws.
  explicit AsyncEngine(TransportFactory make_transport);
  /// An engine whose transport is libcurl's multi interface (curl_multi_transport.hpp).
  static std::shared_ptr<AsyncEngine> with_curl(CurlTransportOptions options);

  /// Destroys the transport on the loop thread (its exchanges are abandoned: the callers have
  /// completed them already, see AsyncCaller), then stops the loop.
  ~AsyncEngine();
  AsyncEngine(const AsyncEngine&) = delete;
  AsyncEngine& operator=(const AsyncEngine&) = delete;

  [[nodiscard]] EventLoop& loop() noexcept { return loop_; }
  /// Loop thread only.
  [[nodiscard]] AsyncTransport& transport() noexcept { return *transport_; }

  /// Runs `task` on the loop thread and returns once it has run (at once, inline, on the loop
  /// thread itself); rethrows what it throws.
  void run_and_wait(UniqueFunction<void()> task);

 private:
  EventLoop loop_;
  std::unique_ptr<AsyncTransport> transport_;  // made, used and destroyed on the loop thread
};

}  // namespace loginid::detail
