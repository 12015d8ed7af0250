#pragma once
// Where the service's deferred work runs. The service owns no threads: the HTTP server provides
// this (its worker pool and its timers), so a parked wait_code costs a record and a timer, never a
// thread. Work posted here may use the store (it runs off the server's I/O threads).

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
  /// Runs `work` soon on a worker thread.
  virtual void post(std::function<void()> work) = 0;
  /// Runs `work` on a worker thread at `when` unless cancelled first.
  virtual std::shared_ptr<Timer> post_at(std::chrono::steady_clock::time_point when, std::function<void()> work) = 0;
};

}  // namespace loginid::detail::emulator
