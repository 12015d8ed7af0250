#pragma once
// Service tokens signed ahead of need. Against a nearby service the ECDSA signature of a call's
// service token is the largest client-side cost of the call; the minter signs the next token for a
// scope on one background thread while the current call waits for its answer, so the next call
// finds it ready. A token is handed out once, only while fresh, and never in a forked child (it
// would share its parent's nonces): a child starts with an empty stock and a thread of its own
// (fork_safety.hpp). With an empty stock the caller signs
// inline, so a call is never slower than signing itself would make it.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "fork_safety.hpp"
#include "loginid/options.hpp"

namespace loginid::detail {

/// InvalidArgument naming the member when `options` cannot work (per_scope over 64, max_age not positive).
void validate_presign(const PresignOptions& options);

class TokenMinter final : private ForkParticipant {
 public:
  /// Signs one service token for a scope, now (iat from the client's clock).
  using Mint = std::function<std::string(std::string_view scope)>;
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  struct Stats {
    std::uint64_t from_stock = 0;     ///< takes answered by a token signed ahead
    std::uint64_t minted_inline = 0;  ///< takes that signed on the caller's thread
    std::uint64_t minted_ahead = 0;   ///< tokens the background thread signed
    std::uint64_t discarded = 0;      ///< stocked tokens dropped as stale (never handed out)
  };

  TokenMinter(Mint mint, Clock clock, PresignOptions options);
  /// Stops the background thread (waiting for a signature in progress) and wipes the stock.
  ~TokenMinter();
  TokenMinter(const TokenMinter&) = delete;
  TokenMinter& operator=(const TokenMinter&) = delete;

  /// A token for `scope`: a fresh stocked one, else one signed now on this thread (whose errors
  /// propagate). Either way the stock of `scope` is refilled in the background.
  [[nodiscard]] std::string take(std::string_view scope);

  [[nodiscard]] Stats stats() const;

 private:
  struct Stocked {
    std::string token;
    std::chrono::system_clock::time_point minted_at;
  };
  using Stock = std::deque<Stocked>;
  using StockMap = std::map<std::string, Stock, std::less<>>;
  using Entry = StockMap::value_type;

  void lock_for_fork() noexcept override;
  void unlock_in_parent() noexcept override;
  void restart_in_child() noexcept override;
  std::optional<std::string> take_stocked(std::string_view scope, std::chrono::system_clock::time_point now);
  void request_refill();
  void start_worker_locked();
  [[nodiscard]] Entry* scope_to_fill_locked();
  void run_worker();
  void discard(Stocked& stocked);

  Mint mint_;
  Clock clock_;
  PresignOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  StockMap stock_;
  Stats stats_;
  bool stopping_ = false;
  bool broken_ = false;  // the worker's signing failed once: callers sign inline from then on
  std::unique_ptr<std::thread> worker_;
};

}  // namespace loginid::detail
