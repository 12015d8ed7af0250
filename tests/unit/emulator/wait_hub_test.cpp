#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <vector>
#include <thread>

#include "emulator/service/wait_hub.hpp"

namespace loginid::detail::emulator {
namespace {

using std::chrono::steady_clock;
constexpr auto kFar = std::chrono::seconds(30);

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

TEST(WaitHub, NotifyWakesTheWaiterOfThatCode) {
  WaitHub hub(4);
  std::promise<void> parked;
  auto waiter = std::async(std::launch::async, [&] {
    WaitHub::Ticket ticket(hub, 7);
    parked.set_value();
    return hub.wait(ticket, steady_clock::now() + kFar);
  });
  parked.get_future().wait();
  hub.notify(8);  // another code: must not end the wait
  EXPECT_EQ(waiter.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  hub.notify(7);
  ASSERT_EQ(waiter.wait_for(kFar), std::future_status::ready);
  EXPECT_EQ(waiter.get(), WaitHub::WakeReason::changed);
}

TEST(WaitHub, AChangeBetweenTicketAndWaitIsNotLost) {
  WaitHub hub(4);
  WaitHub::Ticket ticket(hub, 1);
  hub.notify(1);  // before the wait starts
  EXPECT_EQ(hub.wait(ticket, steady_clock::now() + kFar), WaitHub::WakeReason::changed);
}

TEST(WaitHub, DeadlineEndsTheWait) {
  WaitHub hub(4);
  WaitHub::Ticket ticket(hub, 1);
  EXPECT_EQ(hub.wait(ticket, steady_clock::now() + std::chrono::milliseconds(20)), WaitHub::WakeReason::deadline);
}

TEST(WaitHub, NotifyAllAndShutdownWakeEveryone) {
  WaitHub hub(8);
  std::vector<std::future<WaitHub::WakeReason>> waiters;
  std::atomic<int> ready{0};
  for (int code = 0; code < 4; ++code) {
    waiters.push_back(std::async(std::launch::async, [&hub, &ready, code] {
      WaitHub::Ticket ticket(hub, code);
      ++ready;
      return hub.wait(ticket, steady_clock::now() + kFar);
    }));
  }
  while (ready < 4) std::this_thread::yield();
  hub.notify_all();
  for (auto& w : waiters) {
    ASSERT_EQ(w.wait_for(kFar), std::future_status::ready);
    EXPECT_EQ(w.get(), WaitHub::WakeReason::changed);
  }
  hub.shutdown();
  WaitHub::Ticket late(hub, 9);
  EXPECT_EQ(hub.wait(late, steady_clock::now() + kFar), WaitHub::WakeReason::shutdown);
}

}  // namespace
}  // namespace loginid::detail::emulator
