#pragma once
// Where the service's deferred work runs. The service owns no threads: the HTTP server provides
// this (its event loops' threads and timers, and its store pool), so a parked wait_code costs a
// record and a timer, never a thread. Work given to post() and post_at() runs on an event loop: it
// may read the store (reads that never wait for the writer) but must not write it nor wait on its
// write lock: that part goes to post_store().

#include <chrono>
#include <functional>
#include <memory>

namespace loginid::detail::emulator {

class Scheduler {
 public:
  class Timer {
   public:
    virtual ~Timer() = default;
    /// The work will not start after this returns, unless it was already due (callers tolerate a
    /// late run: see Service::wait_code).
    virtual void cancel() = 0;
  };

  virtual ~Scheduler() = default;
  /// Runs `work` soon on an event loop's thread (no store writes there).
  virtual void post(std::function<void()> work) = 0;
  /// Runs `work` soon on the store pool, where it may write the store (and wait on its locks).
  virtual void post_store(std::function<void()> work) = 0;
  /// Runs `work` on an event loop's thread at `when` unless cancelled first (no store writes there).
  virtual std::shared_ptr<Timer> post_at(std::chrono::steady_clock::time_point when, std::function<void()> work) = 0;
};

}  // namespace loginid::detail::emulator
