#include "fork_safety.hpp"

#include <pthread.h>

#include <new>

namespace loginid::detail {

// Never destroyed: a fork may run while static destructors do.
ForkRegistry& ForkRegistry::instance() {
  static auto* registry = new ForkRegistry();  // NOLINT(cppcoreguidelines-owning-memory): see above
  return *registry;
}

ForkRegistry::ForkRegistry() {
  if (::pthread_atfork(&ForkRegistry::prepare, &ForkRegistry::parent, &ForkRegistry::child) != 0) {
    throw std::bad_alloc();  // ENOMEM is its only error
  }
}

void ForkRegistry::add(ForkParticipant* participant) {
  const std::lock_guard lock(mutex_);
  participants_.push_back(participant);
}

void ForkRegistry::remove(ForkParticipant* participant) noexcept {
  const std::lock_guard lock(mutex_);
  std::erase(participants_, participant);
}

// The registry stays locked until the fork is over, so no participant comes or goes meanwhile.
// No participant takes another's lock while holding its own, so the order does not matter.
void ForkRegistry::prepare() noexcept {
  auto& self = instance();
  self.mutex_.lock();
  for (ForkParticipant* participant : self.participants_) participant->lock_for_fork();
}

void ForkRegistry::parent() noexcept {
  auto& self = instance();
  for (ForkParticipant* participant : self.participants_) participant->unlock_in_parent();
  self.mutex_.unlock();
}

void ForkRegistry::child() noexcept {
  auto& self = instance();
  for (ForkParticipant* participant : self.participants_) participant->restart_in_child();
  self.mutex_.unlock();
}

}  // namespace loginid::detail
