#include "token_minter.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <new>
#include <system_error>
#include <utility>

#include "loginid/error.hpp"
#include "loginid/secret.hpp"

namespace loginid::detail {
namespace {

// Signing ahead is background work: it should use a core the caller's threads leave idle while
// they wait, never delay them (or a service sharing the machine). Lowering one's own priority is
// always permitted; failing to is harmless.
void lower_own_priority() noexcept {
  (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 10);
}

}  // namespace

void validate_presign(const PresignOptions& options) {
  if (options.per_scope > 64) {
    throw InvalidArgument("Options::presign.per_scope: at most 64 tokens per scope");
  }
  if (options.max_age.count() <= 0) {
    throw InvalidArgument("Options::presign.max_age: must be positive");
  }
}

TokenMinter::TokenMinter(Mint mint, Clock clock, PresignOptions options)
    : mint_(std::move(mint)),
      clock_(std::move(clock)),
      options_(options) {
  ForkRegistry::instance().add(this);
}

TokenMinter::~TokenMinter() {
  ForkRegistry::instance().remove(this);  // first: a fork on another thread must not restart a dying minter
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_) worker_->join();
  for (auto& [scope, stock] : stock_) {
    for (auto& stocked : stock) cleanse(stocked.token);
  }
}

void TokenMinter::lock_for_fork() noexcept { mutex_.lock(); }
void TokenMinter::unlock_in_parent() noexcept { mutex_.unlock(); }

// A child inherits the stocked tokens (its parent's nonces) but not the thread, which may be
// registered as a waiter of the condition variable: destroying that would wait for it forever.
void TokenMinter::restart_in_child() noexcept {
  // The parent's thread is not in this process: its std::thread must be neither joined nor
  // destroyed (that would terminate), and the condition variable it may wait on is begun anew
  // (reusing its storage, never destroying it: that would wait for the absent thread).
  static_cast<void>(worker_.release());
  new (&wake_) std::condition_variable();
  for (auto& [scope, stock] : stock_) {
    for (auto& stocked : stock) cleanse(stocked.token);  // the parent's nonces: never sent from here
    stock.clear();
  }
  stopping_ = false;
  broken_ = false;
  mutex_.unlock();
}

std::string TokenMinter::take(std::string_view scope) {
  auto token = take_stocked(scope, clock_());
  if (!token) {
    token = mint_(scope);  // the caller's own signature first: the refill must not compete with it
  }
  request_refill();
  return std::move(*token);
}

// Pops the oldest fresh token of `scope` (stale ones are wiped) and counts the take. A scope seen
// for the first time gets a stock, while fewer than max_scopes have one.
std::optional<std::string> TokenMinter::take_stocked(std::string_view scope,
                                                     std::chrono::system_clock::time_point now) {
  std::optional<std::string> token;
  const std::lock_guard lock(mutex_);
  auto it = stock_.find(scope);
  if (it == stock_.end() && stock_.size() < options_.max_scopes) {
    it = stock_.emplace(std::string(scope), Stock{}).first;
  }
  if (it != stock_.end()) {
    Stock& stock = it->second;
    while (!stock.empty() && !token) {
      Stocked& front = stock.front();
      const auto age = now - front.minted_at;
      if (age >= std::chrono::seconds(0) && age <= options_.max_age) {
        token = std::move(front.token);
      } else {
        discard(front);
      }
      stock.pop_front();
    }
  }
  if (token) {
    ++stats_.from_stock;
  } else {
    ++stats_.minted_inline;
  }
  return token;
}

void TokenMinter::request_refill() {
  {
    const std::lock_guard lock(mutex_);
    if (broken_ || stock_.empty()) return;
    start_worker_locked();
  }
  wake_.notify_one();
}

void TokenMinter::discard(Stocked& stocked) {
  cleanse(stocked.token);
  ++stats_.discarded;
}

void TokenMinter::start_worker_locked() {
  if (worker_) return;
  try {
    worker_ = std::make_unique<std::thread>([this] { run_worker(); });
  } catch (const std::system_error&) {
    broken_ = true;  // no thread to be had: every call signs inline, as without the minter
  }
}

// Scopes are never erased (at most max_scopes exist), so the entry stays valid outside the lock.
TokenMinter::Entry* TokenMinter::scope_to_fill_locked() {
  for (auto& entry : stock_) {
    if (entry.second.size() < options_.per_scope) return &entry;
  }
  return nullptr;
}

void TokenMinter::run_worker() {
  lower_own_priority();
  std::unique_lock lock(mutex_);
  for (;;) {
    Entry* entry = nullptr;
    wake_.wait(lock, [&] { return stopping_ || broken_ || (entry = scope_to_fill_locked()) != nullptr; });
    if (stopping_ || broken_) return;
    const std::string scope = entry->first;
    lock.unlock();
    Stocked fresh;
    try {
      fresh.minted_at = clock_();
      fresh.token = mint_(scope);
    } catch (...) {
      lock.lock();
      broken_ = true;  // the callers' inline signing reports the error; no retry loop here
      return;
    }
    lock.lock();
    entry->second.push_back(std::move(fresh));
    ++stats_.minted_ahead;
  }
}

TokenMinter::Stats TokenMinter::stats() const {
  const std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace loginid::detail
