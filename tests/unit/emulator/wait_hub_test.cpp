#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "emulator/service/wait_hub.hpp"

namespace loginid::detail::emulator {
namespace {

using WakeReason = WaitHub::WakeReason;

/// Records the wake-ups of one parked wait.
struct Woken {
  std::vector<WakeReason> reasons;
  WaitHub::Wake callback() {
    return [this](WakeReason reason) { reasons.push_back(reason); };
  }
};

TEST(WaitHub, SeatsAreBoundedAndGivenBack) {
  WaitHub hub(2);
  auto a = hub.try_take_seat();
  auto b = hub.try_take_seat();
  EXPECT_TRUE(a.taken());
  EXPECT_TRUE(b.taken());
  EXPECT_FALSE(hub.try_take_seat().taken());
  EXPECT_EQ(hub.parked(), 2u);
  { auto released = std::move(a); }
  EXPECT_EQ(hub.parked(), 1u);
  EXPECT_TRUE(hub.try_take_seat().taken());
}

TEST(WaitHub, NotifyWakesExactlyTheWaitsOfThatCodeOnce) {
  WaitHub hub(4);
  Woken on7, on8;
  WaitHub::Ticket t7(hub, 7), t8(hub, 8);
  ASSERT_NE(hub.park(t7, on7.callback()), nullptr);
  ASSERT_NE(hub.park(t8, on8.callback()), nullptr);
  hub.notify(8);
  EXPECT_TRUE(on7.reasons.empty()) << "another code's change must not wake it";
  EXPECT_EQ(on8.reasons, std::vector{WakeReason::changed});
  hub.notify(7);
  hub.notify(7);  // a second change finds nobody parked
  EXPECT_EQ(on7.reasons, std::vector{WakeReason::changed});
  EXPECT_EQ(on8.reasons, std::vector{WakeReason::changed});
}

TEST(WaitHub, AChangeBetweenTicketAndParkIsNotLost) {
  WaitHub hub(4);
  Woken woken;
  WaitHub::Ticket ticket(hub, 1);
  hub.notify(1);  // after the ticket, before the park: the caller's check may have missed it
  EXPECT_EQ(hub.park(ticket, woken.callback()), nullptr) << "park must refuse, so the caller checks again";
  EXPECT_TRUE(woken.reasons.empty());
  hub.notify_all();
  WaitHub::Ticket other(hub, 2);
  EXPECT_NE(hub.park(other, woken.callback()), nullptr) << "a ticket taken after the change parks";
}

TEST(WaitHub, NotifyAllAfterTheTicketAlsoRefusesThePark) {
  WaitHub hub(4);
  Woken woken;
  WaitHub::Ticket ticket(hub, 1);
  hub.notify_all();
  EXPECT_EQ(hub.park(ticket, woken.callback()), nullptr);
}

TEST(WaitHub, UnparkTakesTheWaitBackWithoutCallingIt) {
  WaitHub hub(4);
  Woken woken;
  WaitHub::ParkedRef parked;
  {
    WaitHub::Ticket ticket(hub, 3);
    parked = hub.park(ticket, woken.callback());
  }
  ASSERT_NE(parked, nullptr);
  EXPECT_TRUE(hub.unpark(parked));
  EXPECT_FALSE(hub.unpark(parked)) << "only once";
  hub.notify(3);
  hub.shutdown();
  EXPECT_TRUE(woken.reasons.empty());
}

TEST(WaitHub, AWakeUpThatCameFirstWinsOverUnpark) {
  WaitHub hub(4);
  Woken woken;
  WaitHub::Ticket ticket(hub, 3);
  auto parked = hub.park(ticket, woken.callback());
  hub.notify(3);
  EXPECT_FALSE(hub.unpark(parked));
  EXPECT_EQ(woken.reasons, std::vector{WakeReason::changed});
}

TEST(WaitHub, HandOverTakesTheLongestParkedWaitOfThatCode) {
  WaitHub hub(4);
  Woken first, second;
  WaitHub::Ticket ticket(hub, 5);
  auto first_parked = hub.park(ticket, first.callback());
  auto second_parked = hub.park(ticket, second.callback());
  EXPECT_FALSE(hub.hand_over(6)) << "nobody waits on code 6";
  auto wake = hub.hand_over(5);
  ASSERT_TRUE(wake);
  EXPECT_TRUE(first.reasons.empty()) << "the caller of hand_over calls it";
  EXPECT_FALSE(hub.unpark(first_parked)) << "it left the hub";
  wake(WakeReason::handed_over);
  EXPECT_EQ(first.reasons, std::vector{WakeReason::handed_over});
  hub.notify(5);
  EXPECT_EQ(second.reasons, std::vector{WakeReason::changed});
  EXPECT_FALSE(hub.hand_over(5));
}

TEST(WaitHub, NotifyAllAndShutdownWakeEveryone) {
  WaitHub hub(8);
  std::vector<Woken> woken(4);
  for (int code = 0; code < 4; ++code) {
    WaitHub::Ticket ticket(hub, code);
    ASSERT_NE(hub.park(ticket, woken[static_cast<std::size_t>(code)].callback()), nullptr);
  }
  hub.notify_all();
  for (const auto& w : woken) EXPECT_EQ(w.reasons, std::vector{WakeReason::changed});

  Woken parked_at_shutdown;
  {
    WaitHub::Ticket ticket(hub, 1);
    ASSERT_NE(hub.park(ticket, parked_at_shutdown.callback()), nullptr);
  }
  hub.shutdown();
  EXPECT_EQ(parked_at_shutdown.reasons, std::vector{WakeReason::shutdown});
  Woken late;
  WaitHub::Ticket ticket(hub, 9);
  EXPECT_EQ(hub.park(ticket, late.callback()), nullptr) << "after shutdown nothing parks";
}

TEST(WaitHub, AWakeMayReleaseItsSeatWithoutDeadlock) {
  // The service's Wake holds the wait, which holds a Seat: dropping it takes the hub's lock, so the
  // hub must never call or drop a Wake while it holds that lock.
  WaitHub hub(2);
  auto seat = std::make_shared<WaitHub::Seat>(hub.try_take_seat());
  std::optional<WaitHub::ParkedRef> parked;
  {
    WaitHub::Ticket ticket(hub, 1);
    parked = hub.park(ticket, [seat](WakeReason) {});
  }
  seat.reset();
  EXPECT_TRUE(hub.unpark(*parked));  // drops the last holder of the Seat
  EXPECT_EQ(hub.parked(), 0u);
  {
    auto again = std::make_shared<WaitHub::Seat>(hub.try_take_seat());
    WaitHub::Ticket ticket(hub, 1);
    parked = hub.park(ticket, [again](WakeReason) {});
  }
  hub.notify(1);
  EXPECT_EQ(hub.parked(), 0u);
}

TEST(WaitHub, EveryParkIsTakenExactlyOnceUnderRacingWakeUpsAndUnparks) {
  WaitHub hub(1000);
  constexpr int kRounds = 2000;
  std::atomic<int> taken{0};
  std::atomic<bool> stop{false};
  std::thread notifier([&] {
    while (!stop) {
      hub.notify(1);
      hub.notify_all();
    }
  });
  for (int i = 0; i < kRounds; ++i) {
    auto calls = std::make_shared<std::atomic<int>>(0);
    WaitHub::ParkedRef parked;
    {
      WaitHub::Ticket ticket(hub, 1);
      parked = hub.park(ticket, [calls](WakeReason) { ++*calls; });
    }
    if (!parked) continue;  // a change came first: refused, never called
    const bool unparked = hub.unpark(parked);
    // Either unpark took it (and it is never called) or a wake-up did (called once); wait for that
    // call, which may still be on its way on the notifier's thread.
    while (!unparked && calls->load() == 0) std::this_thread::yield();
    EXPECT_EQ(calls->load(), unparked ? 0 : 1);
    ++taken;
  }
  stop = true;
  notifier.join();
  EXPECT_GT(taken.load(), 0);
}

}  // namespace
}  // namespace loginid::detail::emulator
