#pragma once
// One thread running an epoll loop: tasks posted from any thread, timers, and file descriptors
// watched for readiness. Everything the async engine does to its libcurl multi handle, its calls
// and their completions happens on this thread, so none of that state needs a lock; other threads
// only post tasks. Tasks and handlers must not block: every call waiting on this loop waits for them.

#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>

#include "sdk/async/unique_function.hpp"

namespace loginid::detail {

class EventLoop final {
 public:
  using Task = UniqueFunction<void()>;
  using FdHandler = UniqueFunction<void(std::uint32_t events)>;
  using TimePoint = std::chrono::steady_clock::time_point;
  using TimerId = std::uint64_t;

  /// Starts the loop thread. Throws TransportError (refused_locally) when the OS refuses an epoll
  /// instance, an eventfd or a thread.
  EventLoop();
  /// Stops the loop: tasks still queued are dropped without running, pending timers are dropped,
  /// watched descriptors are forgotten (not closed). Joins the thread; when called on the loop
  /// thread itself (the last owner let go inside a task), the thread finishes its current task and
  /// exits on its own.
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  /// Runs `task` on the loop thread after every task posted before it (FIFO). Any thread. Returns
  /// false, dropping the task unrun, when the loop has stopped (also in a child process forked
  /// after the loop started: the loop thread does not exist there).
  bool post(Task task);

  /// True on the loop thread.
  [[nodiscard]] bool in_loop_thread() const noexcept;

  // --- loop thread only -----------------------------------------------------------------------

  /// Runs `task` once at `when` (or as soon after as the loop gets to it). Timers due at the same
  /// time run in the order they were started.
  TimerId start_timer(TimePoint when, Task task);
  /// Forgets a timer that has not run yet (no effect on one that ran or was cancelled).
  void cancel_timer(TimerId id) noexcept;

  /// Calls `handler(events)` (EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP bits) whenever `fd` is ready for
  /// `events` (EPOLLIN and/or EPOLLOUT); replaces an earlier watch of `fd`. Level-triggered.
  /// Throws TransportError (refused_locally) when epoll refuses the descriptor.
  void watch(int fd, std::uint32_t events, FdHandler handler);
  /// Stops watching `fd` (no effect when it is not watched).
  void unwatch(int fd) noexcept;

  /// Number of timers and watched descriptors (tests: nothing is left behind).
  [[nodiscard]] std::size_t timer_count() const noexcept;
  [[nodiscard]] std::size_t watch_count() const noexcept;

 private:
  struct Core;
  std::shared_ptr<Core> core_;  // shared with the thread, which may outlive this object (see ~EventLoop)
  std::thread thread_;
};

}  // namespace loginid::detail
