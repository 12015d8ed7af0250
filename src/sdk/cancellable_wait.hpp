#pragma once
// Waiting that a cancellation ends at once: the wait between retries, and waiting for another
// thread's fetch of a signing key. The cancel callback takes the waiter's mutex before notifying,
// so a cancellation between the waiter's check and its sleep is never lost.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "loginid/cancellation.hpp"

namespace loginid::detail {

enum class WaitEnd { ready, cancelled, timed_out };

/// Waits until `ready()` (evaluated under `mutex`; whoever makes it true must notify `wakeup`
/// while holding `mutex`), `token` is cancelled, or `timeout` has passed, whichever comes first.
/// `ready` wins over a cancellation seen at the same time.
template <class Ready>
WaitEnd wait_cancellable(std::mutex& mutex, std::condition_variable& wakeup, Ready ready,
                         std::chrono::milliseconds timeout, const CancellationToken& token) {
  // Registered before the lock is taken and unregistered after it is released: an already
  // cancelled token runs the callback right here, and unregistering waits for a running callback,
  // which needs the mutex.
  const CancellationRegistration registration = token.on_cancel([&] {
    const std::lock_guard lock(mutex);
    wakeup.notify_all();
  });
  // Far beyond any call; keeps steady_clock::now() + timeout from overflowing.
  timeout = std::min(timeout, std::chrono::milliseconds(std::chrono::hours(24 * 365)));
  std::unique_lock lock(mutex);
  const bool woken = wakeup.wait_for(lock, timeout, [&] { return ready() || token.is_cancelled(); });
  if (ready()) return WaitEnd::ready;
  return woken ? WaitEnd::cancelled : WaitEnd::timed_out;
}

/// Sleeps `delay`, or less when `token` is cancelled first (then returns false).
inline bool sleep_cancellable(std::chrono::milliseconds delay, const CancellationToken& token) {
  std::mutex mutex;
  std::condition_variable wakeup;
  return wait_cancellable(mutex, wakeup, [] { return false; }, delay, token) == WaitEnd::timed_out;
}

}  // namespace loginid::detail
