#pragma once
// Lockout after repeated failed password logins. State is kept per (namespace, username as typed,
// case-folded), whether or not such a user exists: an attacker sees the same answers for a name
// that exists and one that does not, and learns nothing he did not type himself.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace loginid::detail::emulator {

struct LockoutRules {
  int max_failures = 5;                       ///< consecutive failures that lock the name
  std::chrono::seconds lockout{300};          ///< how long a lock lasts
  std::size_t max_tracked_names = 100'000;    ///< memory bound; expired entries go first
};

class LoginThrottle {
 public:
  explicit LoginThrottle(LockoutRules rules = {}) : rules_(rules) {}

  /// Seconds left on the lock of `key` (> 0: refuse the attempt without checking the password), or 0.
  [[nodiscard]] std::int64_t locked_for(const std::string& key, std::int64_t now_ms);
  /// A failed attempt: the `max_failures`-th in a row locks the key for `lockout`.
  void record_failure(const std::string& key, std::int64_t now_ms);
  /// A successful login clears the key's failures.
  void record_success(const std::string& key);

  [[nodiscard]] const LockoutRules& rules() const noexcept { return rules_; }

 private:
  struct Entry {
    int failures = 0;
    std::int64_t locked_until_ms = 0;
    std::int64_t last_failure_ms = 0;
  };
  void make_room(std::int64_t now_ms);

  LockoutRules rules_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace loginid::detail::emulator
