#pragma once
// fork() in a process whose SDK objects have threads, locks and connections. A child inherits the
// parent's memory (connections, signed-ahead tokens, caches) but only the thread that forked: a
// lock another thread held stays held, a condition variable may list waiters that do not exist,
// a promise a vanished thread was to fulfil never is. Objects holding such state register here;
// around every fork (pthread_atfork) each one takes its locks first, so its state is whole in both
// processes, and the child then drops what it must not share with its parent.

#include <mutex>
#include <vector>

namespace loginid::detail {

class ForkParticipant {
 public:
  /// Takes the object's locks (called before fork(), on the forking thread).
  virtual void lock_for_fork() noexcept = 0;
  /// Releases them in the parent.
  virtual void unlock_in_parent() noexcept = 0;
  /// In the child, the only thread, the locks still held: drops what belongs to the parent and
  /// its threads, then releases the locks.
  virtual void restart_in_child() noexcept = 0;

 protected:
  ForkParticipant() = default;
  ~ForkParticipant() = default;
  ForkParticipant(const ForkParticipant&) = default;
  ForkParticipant& operator=(const ForkParticipant&) = default;
};

/// Registers with pthread_atfork on first use. Add an object once it is fully built; remove it
/// first thing in its destructor (a fork on another thread must not see it half destroyed).
class ForkRegistry final {
 public:
  static ForkRegistry& instance();
  void add(ForkParticipant* participant);
  void remove(ForkParticipant* participant) noexcept;

 private:
  ForkRegistry();
  static void prepare() noexcept;
  static void parent() noexcept;
  static void child() noexcept;

  std::mutex mutex_;
  std::vector<ForkParticipant*> participants_;
};

}  // namespace loginid::detail
