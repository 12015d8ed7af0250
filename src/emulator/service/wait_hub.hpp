#pragma once
// Parks wait_code callers until their code changes. One condition variable per watched code, so an
// authorize wakes exactly its waiters at once; a global epoch wakes everyone (bulk deletes, shutdown).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

namespace loginid::detail::emulator {

class WaitHub {
 public:
  explicit WaitHub(std::size_t max_waiters) : max_waiters_(max_waiters) {}

  /// A seat among the bounded number of parked waiters; released when destroyed.
  class Seat {
   public:
    Seat() = default;
    explicit Seat(WaitHub* hub) : hub_(hub) {}
    Seat(Seat&& other) noexcept : hub_(other.hub_) { other.hub_ = nullptr; }
    Seat& operator=(Seat&& other) noexcept;
    Seat(const Seat&) = delete;
    Seat& operator=(const Seat&) = delete;
    ~Seat();
    [[nodiscard]] bool taken() const noexcept { return hub_ != nullptr; }

   private:
    WaitHub* hub_ = nullptr;
  };
  /// An empty Seat when max_waiters are already parked.
  Seat try_take_seat();

  struct Slot;
  /// A watch on one code, taken BEFORE reading the code's state so a change in between is not
  /// missed. Keeps the code's slot alive until destroyed.
  class Ticket {
   public:
    Ticket(WaitHub& hub, std::int64_t code_id);
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket();

   private:
    friend class WaitHub;
    WaitHub& hub_;
    std::int64_t code_id_;
    std::shared_ptr<Slot> slot_;
    std::uint64_t generation_ = 0;
    std::uint64_t epoch_ = 0;
  };
  enum class WakeReason { changed, deadline, shutdown };
  /// Blocks until the code changes after `ticket` was taken (or last woke), the deadline passes,
  /// or shutdown.
  WakeReason wait(Ticket& ticket, std::chrono::steady_clock::time_point deadline);

  void notify(std::int64_t code_id);
  void notify_all();
  /// Wakes every waiter for good; later waits return shutdown at once.
  void shutdown();
  [[nodiscard]] std::size_t parked() const;

  /// One watched code: its condition variable, a change counter, and the tickets holding it.
  struct Slot {
    std::condition_variable cv;
    std::uint64_t generation = 0;
    std::size_t users = 0;
  };

 private:
  const std::size_t max_waiters_;
  mutable std::mutex mutex_;
  std::map<std::int64_t, std::shared_ptr<Slot>> slots_;
  std::uint64_t epoch_ = 0;
  bool shutdown_ = false;
  std::size_t seats_ = 0;
};

}  // namespace loginid::detail::emulator
