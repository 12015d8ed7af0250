#include "emulator/service/wait_hub.hpp"

namespace loginid::detail::emulator {

WaitHub::Seat& WaitHub::Seat::operator=(Seat&& other) noexcept {
  if (this != &other) {
    Seat dropped(std::move(*this));
    hub_ = other.hub_;
    other.hub_ = nullptr;
  }
  return *this;
}

WaitHub::Seat::~Seat() {
  if (hub_ != nullptr) {
    std::lock_guard lock(hub_->mutex_);
    --hub_->seats_;
  }
}

WaitHub::Seat WaitHub::try_take_seat() {
  std::lock_guard lock(mutex_);
  if (seats_ >= max_waiters_) return Seat();
  ++seats_;
  return Seat(this);
}

WaitHub::Ticket::Ticket(WaitHub& hub, std::int64_t code_id) : hub_(hub), code_id_(code_id) {
  std::lock_guard lock(hub_.mutex_);
  auto& slot = hub_.slots_[code_id];
  if (!slot) slot = std::make_shared<Slot>();
  slot->users++;
  slot_ = slot;
  generation_ = slot->generation;
  epoch_ = hub_.epoch_;
}

WaitHub::Ticket::~Ticket() {
  std::lock_guard lock(hub_.mutex_);
  if (--slot_->users == 0) hub_.slots_.erase(code_id_);
}

WaitHub::WakeReason WaitHub::wait(Ticket& ticket, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  Slot& slot = *ticket.slot_;
  auto changed = [&] { return shutdown_ || epoch_ != ticket.epoch_ || slot.generation != ticket.generation_; };
  bool woke = slot.cv.wait_until(lock, deadline, changed);
  ticket.generation_ = slot.generation;
  ticket.epoch_ = epoch_;
  if (shutdown_) return WakeReason::shutdown;
  return woke ? WakeReason::changed : WakeReason::deadline;
}

void WaitHub::notify(std::int64_t code_id) {
  std::lock_guard lock(mutex_);
  // No slot means nobody holds a ticket for this code, so nobody can miss the change.
  auto it = slots_.find(code_id);
  if (it == slots_.end()) return;
  it->second->generation++;
  it->second->cv.notify_all();
}

void WaitHub::notify_all() {
  std::lock_guard lock(mutex_);
  ++epoch_;
  for (auto& [id, slot] : slots_) slot->cv.notify_all();
}

void WaitHub::shutdown() {
  std::lock_guard lock(mutex_);
  shutdown_ = true;
  for (auto& [id, slot] : slots_) slot->cv.notify_all();
}

std::size_t WaitHub::parked() const {
  std::lock_guard lock(mutex_);
  return seats_;
}

}  // namespace loginid::detail::emulator
