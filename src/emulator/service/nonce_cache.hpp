#pragma once
// Seen service-token nonces. Checked in memory (a verify must not wait on a disk sync) and written
// to the store in batches by Service::flush(), so a restart still refuses a replay.

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "emulator/store/records.hpp"

namespace loginid::detail::emulator {

class NonceCache {
 public:
  /// Records the nonce; false when it was already seen and has not expired (a replay).
  bool remember(const std::string& client_id, const std::string& nonce, std::int64_t expires_at, std::int64_t now);
  /// Loads nonces persisted by an earlier run (not queued for saving again).
  void preload(const std::vector<store::SeenNonce>& nonces);
  /// The nonces recorded since the last call.
  std::vector<store::SeenNonce> take_pending();

 private:
  void prune(std::int64_t now);
  std::mutex mutex_;
  std::unordered_map<std::string, std::int64_t> seen_;  // "<client_id>\n<nonce>" -> expires_at (ms)
  std::vector<store::SeenNonce> pending_;
  std::size_t prune_at_ = 4096;
};

}  // namespace loginid::detail::emulator
