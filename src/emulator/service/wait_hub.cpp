#include "emulator/service/wait_hub.hpp"

namespace loginid::detail::emulator {

/// One parked wait: its callback and where it sits. `slot` is null once it left the hub.
struct WaitHub::Parked {
  Wake wake;
  std::int64_t code_id = 0;
  std::shared_ptr<Slot> slot;
  std::list<ParkedRef>::iterator where;
};

WaitHub::~WaitHub() {
  std::list<Wake> dropped;
  std::lock_guard lock(mutex_);
  take_all_locked(dropped);  // a parked wait and its slot hold each other
}

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
  hub_.release_slot_locked(code_id_, *slot_);
}

void WaitHub::release_slot_locked(std::int64_t code_id, Slot& slot) {
  if (--slot.users == 0) slots_.erase(code_id);
}

WaitHub::ParkedRef WaitHub::park(const Ticket& ticket, Wake wake) {
  std::lock_guard lock(mutex_);
  Slot& slot = *ticket.slot_;
  if (shutdown_ || epoch_ != ticket.epoch_ || slot.generation != ticket.generation_) return nullptr;
  auto parked = std::make_shared<Parked>();
  parked->wake = std::move(wake);
  parked->code_id = ticket.code_id_;
  parked->slot = ticket.slot_;
  parked->where = slot.parked.insert(slot.parked.end(), parked);
  slot.users++;
  return parked;
}

bool WaitHub::unpark(const ParkedRef& parked) {
  Wake dropped;  // destroyed after the lock: what it holds may take a Seat's lock
  std::lock_guard lock(mutex_);
  if (!parked || !parked->slot) return false;
  auto slot = std::move(parked->slot);
  slot->parked.erase(parked->where);
  release_slot_locked(parked->code_id, *slot);
  dropped = std::move(parked->wake);
  return true;
}

WaitHub::Wake WaitHub::hand_over(std::int64_t code_id) {
  std::lock_guard lock(mutex_);
  auto it = slots_.find(code_id);
  if (it == slots_.end() || it->second->parked.empty()) return nullptr;
  auto slot = it->second;
  auto parked = std::move(slot->parked.front());
  slot->parked.pop_front();
  parked->slot.reset();
  release_slot_locked(code_id, *slot);
  return std::move(parked->wake);
}

void WaitHub::take_all_locked(std::list<Wake>& out) {
  for (auto it = slots_.begin(); it != slots_.end();) {
    auto slot = it->second;  // may be erased below, with its last holder
    ++it;
    while (!slot->parked.empty()) {
      auto parked = std::move(slot->parked.front());
      slot->parked.pop_front();
      parked->slot.reset();
      out.push_back(std::move(parked->wake));
      release_slot_locked(parked->code_id, *slot);
    }
  }
}

void WaitHub::notify(std::int64_t code_id) {
  std::list<Wake> woken;
  {
    std::lock_guard lock(mutex_);
    // No slot means nobody holds a ticket for this code, so nobody can miss the change.
    auto it = slots_.find(code_id);
    if (it == slots_.end()) return;
    auto slot = it->second;
    slot->generation++;
    while (!slot->parked.empty()) {
      auto parked = std::move(slot->parked.front());
      slot->parked.pop_front();
      parked->slot.reset();
      woken.push_back(std::move(parked->wake));
      release_slot_locked(code_id, *slot);
    }
  }
  for (auto& wake : woken) wake(WakeReason::changed);
}

void WaitHub::notify_all() {
  std::list<Wake> woken;
  {
    std::lock_guard lock(mutex_);
    ++epoch_;
    take_all_locked(woken);
  }
  for (auto& wake : woken) wake(WakeReason::changed);
}

void WaitHub::shutdown() {
  std::list<Wake> woken;
  {
    std::lock_guard lock(mutex_);
    shutdown_ = true;
    take_all_locked(woken);
  }
  for (auto& wake : woken) wake(WakeReason::shutdown);
}

std::size_t WaitHub::parked() const {
  std::lock_guard lock(mutex_);
  return seats_;
}

}  // namespace loginid::detail::emulator
