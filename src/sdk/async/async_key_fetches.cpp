#include "sdk/async/async_key_fetches.hpp"

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "loginid/cancellation.hpp"
#include "loginid/error.hpp"
#include "sdk/async/async_engine.hpp"

namespace loginid::detail {
namespace {

bool is_cancelled(const CallOutcome& outcome) {
  const auto* error = std::get_if<std::exception_ptr>(&outcome);
  if (!error || !*error) return false;
  try {
    std::rethrow_exception(*error);
  } catch (const Cancelled&) {
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace

// Loop thread only.
struct AsyncKeyFetches::State : std::enable_shared_from_this<State> {
  struct Waiter {
    std::uint64_t id = 0;
    Landed landed;
    CancellationRegistration on_cancel;  // the waiting call's token: stops its wait
  };

  explicit State(const KeyCache& keys) : cache(keys) {}

  const KeyCache& cache;
  std::unordered_map<std::string, std::vector<Waiter>> waiting;  // kid under way -> calls waiting for it
  std::uint64_t next_waiter = 1;

  void need(AsyncCaller& caller, const std::string& kid, const CallContext& context, Landed landed) {
    if (waiting.contains(kid)) {
      join(caller, kid, context, std::move(landed));
      return;
    }
    if (auto refused = cache.claim_fetch(kid)) {
      landed(End{std::move(refused), nullptr});
      return;
    }
    waiting.emplace(kid, std::vector<Waiter>{});
    // The fetch is this call's, within its limits (as the blocking path fetches within the caller's).
    CallContext limits = context;
    limits.deferred_keys = nullptr;
    caller.start(KeyCache::certs_call(kid), std::move(limits),
                 [self = shared_from_this(), kid, leader = std::move(landed)](CallOutcome outcome) mutable {
                   self->on_fetched(kid, std::move(leader), std::move(outcome));
                 });
  }

  void join(AsyncCaller& caller, const std::string& kid, const CallContext& context, Landed landed) {
    const std::uint64_t id = next_waiter++;
    waiting[kid].push_back(Waiter{id, std::move(landed), {}});
    if (!context.cancellation.can_be_cancelled()) return;
    // Runs on the cancelling thread (or right here, when already cancelled): the drop goes to the loop.
    auto registration = context.cancellation.on_cancel(
        [engine = std::weak_ptr<AsyncEngine>(caller.engine()), state = weak_from_this(), kid, id] {
          if (const auto loop_owner = engine.lock()) {
            loop_owner->loop().post([state, kid, id] {
              if (const auto alive = state.lock()) alive->drop_cancelled(kid, id);
            });
          }
        });
    if (const auto it = waiting.find(kid); it != waiting.end()) {
      for (auto& waiter : it->second) {
        if (waiter.id == id) waiter.on_cancel = std::move(registration);
      }
    }
  }

  void drop_cancelled(const std::string& kid, std::uint64_t id) {
    const auto it = waiting.find(kid);
    if (it == waiting.end()) return;  // the fetch landed first: the waiter had its answer
    auto& waiters = it->second;
    const auto found = std::find_if(waiters.begin(), waiters.end(), [id](const Waiter& w) { return w.id == id; });
    if (found == waiters.end()) return;
    Waiter waiter = std::move(*found);
    waiters.erase(found);
    waiter.landed(End{std::nullopt, std::make_exception_ptr(Cancelled(
                                        "GET " + KeyCache::certs_call(kid).path +
                                        ": cancelled while waiting for the key (CallOptions::cancellation)"))});
  }

  void on_fetched(const std::string& kid, Landed leader, CallOutcome outcome) {
    // Taken out first: a call landed here may need the kid again (and fetch it anew).
    std::vector<Waiter> waiters;
    if (const auto it = waiting.find(kid); it != waiting.end()) {
      waiters = std::move(it->second);
      waiting.erase(it);
    }
    if (is_cancelled(outcome)) {
      // Says nothing about the key (the cache stays as it was): the other calls look again.
      leader(End{std::nullopt, std::get<std::exception_ptr>(std::move(outcome))});
      for (auto& waiter : waiters) waiter.landed(End{});
      return;
    }
    const KeyLookup lookup = cache.store_fetched(kid, std::move(outcome));
    leader(End{lookup, nullptr});
    for (auto& waiter : waiters) waiter.landed(End{lookup, nullptr});
  }
};

AsyncKeyFetches::AsyncKeyFetches(const KeyCache& cache) : state_(std::make_shared<State>(cache)) {}

AsyncKeyFetches::~AsyncKeyFetches() = default;

void AsyncKeyFetches::need(AsyncCaller& caller, const std::string& kid, const CallContext& context, Landed landed) {
  state_->need(caller, kid, context, std::move(landed));
}

}  // namespace loginid::detail
