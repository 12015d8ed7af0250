// Service: the wait_code long poll as a small state machine. A wait is first checked on the store
// pool (the wait_code route); while its code is not authorized it is parked in the WaitHub (a
// record) with one timer for its deadline; a wake-up or the timer hands it to an event loop, which
// checks again with reads only, answers, or hands a code to consume to the store pool.
// Exactly one of (wake-up, deadline, the client going away) takes a parked wait (WaitHub::unpark
// decides), and exactly one answer goes out (`finished`).
#include <algorithm>
#include <mutex>

#include "emulator/service/service.hpp"
#include "emulator/service/util.hpp"

namespace loginid::detail::emulator {

using SteadyClock = std::chrono::steady_clock;

struct Service::CodeWait {
  CodeWait(const Caller& caller_in, const store::User& user_in, const store::Code& code, bool no_jwt_in,
           SteadyClock::time_point give_up_at_in, Scheduler& scheduler_in, WaitDone done_in)
      : caller(caller_in),
        user(user_in),
        code_id(code.id),
        no_jwt(no_jwt_in),
        give_up_at(give_up_at_in),
        scheduler(scheduler_in),
        done(std::move(done_in)) {}

  const Caller caller;
  const store::User user;
  const std::int64_t code_id;
  const bool no_jwt;
  const SteadyClock::time_point give_up_at;
  Scheduler& scheduler;
  WaitDone done;         // moved out by the one answer
  WaitHub::Seat seat;    // taken before the first park, given back with the answer

  std::mutex mutex;            // guards the five below; taken before the hub's lock, never after
  WaitHub::ParkedRef parked;   // while parked
  std::shared_ptr<Scheduler::Timer> timer;
  bool due = false;            // the deadline passed
  bool abandoned = false;      // the client went away
  bool finished = false;
};

AbandonWait Service::start_wait(const Caller& caller, const store::User& user, const store::Code& code, bool no_jwt,
                                Scheduler& scheduler, WaitDone done) {
  const auto now = SteadyClock::now();
  auto wait = std::make_shared<CodeWait>(caller, user, code, no_jwt, now + config_.wait_timeout, scheduler,
                                         std::move(done));
  // One timer for the whole wait: the give-up time, or just after the code expires if sooner.
  const auto expires_in = std::chrono::milliseconds(std::max<std::int64_t>(0, code.expires_at - now_ms() + 1));
  auto timer = scheduler.post_at(std::min(wait->give_up_at, now + expires_in), [this, wait] { on_wait_due(wait); });
  {
    std::lock_guard lock(wait->mutex);
    wait->timer = std::move(timer);
  }
  run_wait(wait, /*on_store_pool=*/true);  // the wait_code route runs there
  // Weak: an answered wait is freed with its last holder (the hub, the timer), not kept for this.
  return [this, weak = std::weak_ptr<CodeWait>(wait)] {
    auto alive = weak.lock();
    // Handed on: the caller (the connection's loop thread) must not block.
    if (alive) alive->scheduler.post([this, alive] { abandon_wait(alive); });
  };
}

void Service::run_wait(const std::shared_ptr<CodeWait>& wait, bool on_store_pool) {
  try {
    for (;;) {
      {
        std::lock_guard lock(wait->mutex);
        if (wait->abandoned) throw ApiError(Errc::client_gone, "the client closed the connection");
      }
      if (shutting_down_) throw ApiError(Errc::shutting_down, "the emulator is shutting down");
      // Taken before the check, so an authorize in between makes park() refuse and we check again.
      WaitHub::Ticket ticket(waiters_, wait->code_id);
      if (wait_code_authorized(wait->code_id)) {
        // Consuming the code writes the store: never on an event loop (a write may wait on
        // SQLite's lock). Not parked meanwhile: the deadline and the client's departure find a
        // check running, which sees them.
        if (!on_store_pool) return wait->scheduler.post_store([this, wait] { run_wait(wait, true); });
        return finish_wait(wait, WaitOutcome(finish_authorized_wait(wait->caller, wait->user, wait->code_id,
                                                                     wait->no_jwt)));
      }
      {
        std::lock_guard lock(wait->mutex);
        if (wait->due) {
          // The timer fires at the give-up time or when the code expires; wait_code_authorized has
          // just answered code_expired unless the clocks disagree by a millisecond.
          if (SteadyClock::now() < wait->give_up_at) throw ApiError(Errc::code_expired, "code has expired");
          throw ApiError(Errc::code_timeout, "the code was not authorized in time");
        }
      }
      if (!wait->seat.taken()) {
        wait->seat = waiters_.try_take_seat();
        if (!wait->seat.taken()) throw ApiError(Errc::too_many_requests, "too many parked wait_code calls; retry later");
      }
      std::lock_guard lock(wait->mutex);
      if (wait->due || wait->abandoned) continue;  // answered by the checks above
      wait->parked = waiters_.park(ticket, [this, wait](WaitHub::WakeReason reason) { on_wait_woken(wait, reason); });
      if (wait->parked) return;
      // The code changed since the ticket (or the hub shut down): check again.
    }
  } catch (...) {
    finish_wait(wait, WaitOutcome(std::current_exception()));
  }
}

void Service::on_wait_woken(const std::shared_ptr<CodeWait>& wait, WaitHub::WakeReason reason) {
  // On the notifier's thread (an authorize, a delete on the store pool; the shutdown): hand the
  // work to an event loop, which answers a handed-over code with reads only.
  wait->scheduler.post([this, wait, reason] {
    {
      std::lock_guard lock(wait->mutex);  // also waits for run_wait to finish parking
      wait->parked.reset();
    }
    if (reason == WaitHub::WakeReason::handed_over) return finish_handed_over(wait);
    run_wait(wait, false);  // changed: check again; shutdown: run_wait answers shutting_down
  });
}

bool Service::mark_and_unpark(const std::shared_ptr<CodeWait>& wait, bool CodeWait::*flag) {
  WaitHub::ParkedRef parked;
  {
    std::lock_guard lock(wait->mutex);
    if (wait->finished) return false;
    (*wait).*flag = true;
    parked = std::move(wait->parked);
  }
  // Not parked: a check is running, and it sees the flag before it parks again. Parked but unpark
  // refuses: a wake-up (or the other of deadline and departure) took it first; its check goes ahead.
  return parked && waiters_.unpark(parked);
}

void Service::on_wait_due(const std::shared_ptr<CodeWait>& wait) {
  // On the timer's event loop: reads only (answers code_expired or code_timeout).
  if (mark_and_unpark(wait, &CodeWait::due)) run_wait(wait, false);
}

void Service::abandon_wait(const std::shared_ptr<CodeWait>& wait) {
  // Taken off the hub here, so an authorize can no longer hand the code to it (the code stays for
  // the client's next wait); run_wait then answers client_gone. A code an authorize handed over
  // first was consumed in its commit: that answer is lost with the connection, as if the client
  // had left a moment after it.
  // On an event loop: run_wait answers client_gone before any store access.
  if (mark_and_unpark(wait, &CodeWait::abandoned)) run_wait(wait, false);
}

void Service::finish_handed_over(const std::shared_ptr<CodeWait>& wait) {
  try {
    // The authorize consumed the code for this wait in its own commit; the user is checked again
    // as finish_authorized_wait does (a deactivation or a delete may have come in between).
    auto current = store_.find_user(wait->caller.app.namespace_id, wait->user.id);
    if (!current) throw ApiError(Errc::code_invalid, "code is wrong, used or invalidated");
    if (current->status != "active") throw ApiError(Errc::user_inactive, "user is deactivated");
    finish_wait(wait, WaitOutcome(authenticated(*current, std::nullopt, wait->caller.app, !wait->no_jwt)));
  } catch (...) {
    finish_wait(wait, WaitOutcome(std::current_exception()));
  }
}

void Service::finish_wait(const std::shared_ptr<CodeWait>& wait, WaitOutcome outcome) {
  std::shared_ptr<Scheduler::Timer> timer;
  {
    std::lock_guard lock(wait->mutex);
    if (wait->finished) return;
    wait->finished = true;
    timer = std::move(wait->timer);
    wait->parked.reset();
  }
  if (timer) timer->cancel();
  wait->seat = WaitHub::Seat();
  auto done = std::move(wait->done);
  done(std::move(outcome));
}

bool Service::hand_over_code(std::int64_t code_id) {
  auto wake = waiters_.hand_over(code_id);
  if (!wake) return false;
  bool consumed = false;
  try {
    consumed = store_.consume_code(code_id);
  } catch (...) {
    wake(WaitHub::WakeReason::changed);  // the wait checks the code again and sees what is stored
    throw;
  }
  wake(consumed ? WaitHub::WakeReason::handed_over : WaitHub::WakeReason::changed);
  if (!consumed) throw ApiError(Errc::code_invalid, "code is wrong, used or invalidated");
  waiters_.notify(code_id);  // other waits on the same code: it is used now (code_invalid)
  return true;
}

}  // namespace loginid::detail::emulator
