#pragma once
// Parked wait_code calls, completion-based: a parked wait is a record holding a callback, never a
// blocked thread. Per watched code a change counter and the list of its parked waits, so an
// authorize wakes (or hands the code to) exactly its own waiters; notify_all wakes everyone (bulk
// deletes), shutdown wakes everyone for good.

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>

namespace loginid::detail::emulator {

class WaitHub {
 public:
  explicit WaitHub(std::size_t max_waiters) : max_waiters_(max_waiters) {}
  /// Drops the waits still parked without calling them (shutdown() is the way to answer them).
  ~WaitHub();
  WaitHub(const WaitHub&) = delete;
  WaitHub& operator=(const WaitHub&) = delete;

  /// A seat among the bounded number of waits; released when destroyed.
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
  /// An empty Seat when max_waiters are already seated.
  Seat try_take_seat();

  struct Slot;
  /// A watch on one code, taken BEFORE reading the code's state so a change in between is not
  /// missed: park() refuses a ticket whose code changed since. Keeps the code's slot alive.
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

  enum class WakeReason {
    changed,      ///< the code (or any code, after notify_all) changed: check it again
    handed_over,  ///< the caller of hand_over() consumed the code on this wait's behalf
    shutdown,     ///< the hub is shut down
  };
  /// Called exactly once per park, never under the hub's lock, on the thread that woke it: it
  /// should only hand the work on (the notifier is in the middle of its own request).
  using Wake = std::function<void(WakeReason)>;

  struct Parked;
  using ParkedRef = std::shared_ptr<Parked>;
  /// Parks `wake` on the ticket's code until notify, notify_all, hand_over or shutdown calls it,
  /// or unpark() takes it back. Returns nullptr instead (and drops `wake`) when the code changed
  /// since the ticket was taken or the hub is shut down: the caller checks again.
  ParkedRef park(const Ticket& ticket, Wake wake);
  /// Takes a parked wait back without calling it (its deadline passed): false when a wake-up took
  /// it first, and that wake-up's call goes ahead.
  bool unpark(const ParkedRef& parked);
  /// Takes the longest-parked wait on `code_id` off the hub and returns its Wake, which the caller
  /// must call exactly once: handed_over when it consumed the code for that wait, changed when it
  /// could not. Empty when nobody is parked on the code.
  Wake hand_over(std::int64_t code_id);

  void notify(std::int64_t code_id);
  void notify_all();
  /// Wakes every parked wait with shutdown; later parks are refused.
  void shutdown();
  /// Seats taken: the waits in progress, parked or being checked.
  [[nodiscard]] std::size_t parked() const;

  /// One watched code: a change counter, its parked waits in arrival order, and the tickets and
  /// parked waits holding it.
  struct Slot {
    std::uint64_t generation = 0;
    std::size_t users = 0;
    std::list<ParkedRef> parked;
  };

 private:
  /// Under the lock: drops one holder of the slot, and the slot with its last holder.
  void release_slot_locked(std::int64_t code_id, Slot& slot);
  /// Under the lock: moves every parked wait's Wake out.
  void take_all_locked(std::list<Wake>& out);

  const std::size_t max_waiters_;
  mutable std::mutex mutex_;
  std::map<std::int64_t, std::shared_ptr<Slot>> slots_;
  std::uint64_t epoch_ = 0;
  bool shutdown_ = false;
  std::size_t seats_ = 0;
};

}  // namespace loginid::detail::emulator
