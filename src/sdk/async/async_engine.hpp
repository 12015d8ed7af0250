#pragma once
// The async engine: one event loop thread, shared by the async clients made with it (each brings
// its own transport, which lives on this loop). The engine lives as long as the last of them (and
// of the tasks they queued).

#include "sdk/async/event_loop.hpp"
#include "sdk/async/unique_function.hpp"

namespace loginid::detail {

class AsyncEngine final {
 public:
  /// Starts the loop thread (TransportError refused_locally when the OS refuses it).
  AsyncEngine() = default;
  /// Stops the loop (joins its thread, or lets it finish its task when on the loop thread).
  ~AsyncEngine() = default;
  AsyncEngine(const AsyncEngine&) = delete;
  AsyncEngine& operator=(const AsyncEngine&) = delete;

  [[nodiscard]] EventLoop& loop() noexcept { return loop_; }

  /// Runs `task` on the loop thread and returns once it has run (at once, inline, on the loop
  /// thread itself, and in a forked child, which has no loop thread); rethrows what it throws.
  void run_and_wait(UniqueFunction<void()> task);

 private:
  EventLoop loop_;
};

}  // namespace loginid::detail
