#include "emulator/service/login_throttle.hpp"

#include <algorithm>
#include <vector>

namespace loginid::detail::emulator {

std::int64_t LoginThrottle::locked_for(const std::string& key, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.locked_until_ms <= now_ms) return 0;
  return (it->second.locked_until_ms - now_ms + 999) / 1000;
}

void LoginThrottle::record_failure(const std::string& key, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (!entries_.contains(key)) make_room(now_ms);
  Entry& entry = entries_[key];
  const std::int64_t lockout_ms = std::chrono::milliseconds(rules_.lockout).count();
  // Failures older than a lockout period are forgotten: the count is of failures in a row, recently.
  if (entry.last_failure_ms != 0 && now_ms - entry.last_failure_ms > lockout_ms) entry.failures = 0;
  entry.last_failure_ms = now_ms;
  if (++entry.failures >= rules_.max_failures) {
    entry.failures = 0;
    entry.locked_until_ms = now_ms + lockout_ms;
  }
}

void LoginThrottle::record_success(const std::string& key) {
  std::lock_guard lock(mutex_);
  entries_.erase(key);
}

void LoginThrottle::make_room(std::int64_t now_ms) {
  if (entries_.size() < rules_.max_tracked_names) return;
  const std::int64_t lockout_ms = std::chrono::milliseconds(rules_.lockout).count();
  std::erase_if(entries_, [&](const auto& item) {
    return item.second.locked_until_ms <= now_ms && now_ms - item.second.last_failure_ms > lockout_ms;
  });
  if (entries_.size() < rules_.max_tracked_names) return;
  // Still full of live entries (a spray of names): forget the oldest half of those not locked.
  std::vector<std::int64_t> times;
  for (const auto& [key, entry] : entries_) {
    if (entry.locked_until_ms <= now_ms) times.push_back(entry.last_failure_ms);
  }
  if (times.empty()) return;  // every entry is a live lock: keep them all, one more is allowed
  auto middle = times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2);
  std::nth_element(times.begin(), middle, times.end());
  const std::int64_t cutoff = *middle;
  std::erase_if(entries_, [&](const auto& item) {
    return item.second.locked_until_ms <= now_ms && item.second.last_failure_ms <= cutoff;
  });
}

}  // namespace loginid::detail::emulator
