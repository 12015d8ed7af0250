#include "key_cache.hpp"

#include <algorithm>
#include <cctype>
#include <deque>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "cancellable_wait.hpp"

namespace loginid::detail {
namespace {

using std::chrono::seconds;
using TimePoint = std::chrono::system_clock::time_point;

// The window of KeyCacheOptions::max_unknown_fetches_per_minute.
constexpr auto kRateWindow = std::chrono::minutes(1);
// Upper bound of the negative cache (random kids are rate-limited, so this is rarely reached).
constexpr std::size_t kMaxUnknownKids = 1024;

bool sane_kid(std::string_view kid) noexcept {
  return !kid.empty() && kid.size() <= kMaxKidLength &&
         std::all_of(kid.begin(), kid.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; });
}

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

// Lets the maps be searched with a string_view: a cache hit allocates nothing.
struct KidHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view kid) const noexcept { return std::hash<std::string_view>{}(kid); }
};
template <class Value>
using KidMap = std::unordered_map<std::string, Value, KidHash, std::equal_to<>>;

// What one GET /certs gave. `cancelled`: the fetching caller gave up; it says nothing about the key.
struct Fetched {
  enum class Kind { found, not_found, failed, cancelled } kind = Kind::failed;
  std::optional<PublicKey> key;
  seconds ttl{0};
  std::string problem;  // for the log, when failed
};

// One fetch under way, that other threads needing the same kid wait for.
struct Flight {
  std::mutex mutex;
  std::condition_variable landed;
  bool done = false;
  std::optional<KeyLookup> result;  // nullopt when done: the fetching caller was cancelled, ask again

  void finish(std::optional<KeyLookup> outcome) {
    const std::lock_guard lock(mutex);
    result = std::move(outcome);
    done = true;
    landed.notify_all();
  }
};

KeyLookup cancelled_lookup() { return KeyLookup{std::nullopt, std::make_error_code(std::errc::operation_canceled)}; }

}  // namespace

std::optional<seconds> parse_max_age(std::string_view cache_control) noexcept {
  std::optional<seconds> result;
  while (!cache_control.empty()) {
    const auto comma = cache_control.find(',');
    const auto directive = trim(cache_control.substr(0, comma));
    cache_control = comma == std::string_view::npos ? std::string_view() : cache_control.substr(comma + 1);
    if (iequals(directive, "no-store") || iequals(directive, "no-cache")) {
      return seconds(0);
    }
    if (directive.size() <= 8 || !iequals(directive.substr(0, 8), "max-age=")) {
      continue;
    }
    auto value = directive.substr(8);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    long long total = 0;
    bool ok = !value.empty();
    for (char c : value) {
      ok = ok && std::isdigit(static_cast<unsigned char>(c)) != 0;
      total = std::min<long long>(total * 10 + (c - '0'), 10LL * 365 * 24 * 3600);
    }
    if (ok) {
      result = seconds(total);
    }
  }
  return result;
}

struct KeyCache::Impl final : ForkParticipant {
  struct Entry {
    PublicKey key;
    TimePoint fetched_at;
    TimePoint expires_at;
    TimePoint next_refresh;  // after a failed refresh: no new attempt before this
  };

  std::shared_ptr<const ServiceClient> service;
  KeyCacheOptions options;
  mutable std::shared_mutex mutex;
  mutable KidMap<Entry> keys;
  mutable KidMap<TimePoint> unknown;  // negative cache: kid -> until
  mutable KidMap<std::shared_ptr<Flight>> in_flight;
  mutable std::deque<TimePoint> unknown_fetches;  // rate limiter: when kids never seen were fetched

  // Answers from the cache alone, or nullopt when a fetch (or waiting for one) is needed.
  std::optional<KeyLookup> cached(std::string_view kid, TimePoint now) const {
    if (const auto it = keys.find(kid); it != keys.end()) {
      if (now < it->second.expires_at || now < it->second.next_refresh) {
        return KeyLookup{it->second.key, TokenErrc::ok};
      }
    }
    if (const auto it = unknown.find(kid); it != unknown.end() && now < it->second) {
      return KeyLookup{std::nullopt, TokenErrc::key_not_found};
    }
    return std::nullopt;
  }

  // Called with the unique lock: may a kid never seen be fetched now?
  bool take_unknown_fetch_slot(TimePoint now) const {
    while (!unknown_fetches.empty() && unknown_fetches.front() <= now - kRateWindow) {
      unknown_fetches.pop_front();
    }
    if (static_cast<int>(unknown_fetches.size()) >= options.max_unknown_fetches_per_minute) {
      return false;
    }
    unknown_fetches.push_back(now);
    return true;
  }

  [[nodiscard]] seconds ttl_from(const ApiResponse& response) const {
    const auto cache_control = std::find_if(response.headers.begin(), response.headers.end(),
                                            [](const auto& h) { return iequals(h.first, "Cache-Control"); });
    const auto max_age = cache_control == response.headers.end() ? std::nullopt : parse_max_age(cache_control->second);
    return std::clamp(max_age.value_or(options.default_ttl), options.min_ttl, std::max(options.min_ttl, options.max_ttl));
  }

  // What one GET /certs gave, from its answer or from what the exchange threw: the one reading of
  // the blocking fetch and of the async engine's (store_fetched).
  Fetched read_fetch(const std::function<ApiResponse()>& exchange) const {
    Fetched out;
    try {
      const auto response = exchange();
      out.key = PublicKey::from_pem(response.body);
      out.ttl = ttl_from(response);
      out.kind = Fetched::Kind::found;
    } catch (const Cancelled&) {
      out.kind = Fetched::Kind::cancelled;
    } catch (const ServiceError& e) {
      out.kind = e.status() == 404 ? Fetched::Kind::not_found : Fetched::Kind::failed;
      out.problem = e.what();
    } catch (const KeyError& e) {
      out.problem = std::string("the answer is not a usable public key: ") + e.what();
    } catch (const std::exception& e) {
      out.problem = e.what();
    }
    return out;
  }

  // The network part: runs with no lock held.
  Fetched fetch(const std::string& kid, const CallContext& context) const {
    const ApiCall call = certs_call(kid);
    return read_fetch([&] { return service->call(call, context); });
  }

  // Stores a fetch's outcome (under the lock) and logs what apply() has to say (after it).
  KeyLookup store(const std::string& kid, Fetched&& fetched) const {
    std::string warning;
    KeyLookup result{std::nullopt, TokenErrc::key_unavailable};
    const auto now = service->now();
    {
      const std::unique_lock lock(mutex);
      result = apply(kid, std::move(fetched), now, warning);
    }
    if (!warning.empty()) {
      service->log(LogLevel::warning, warning);
    }
    return result;
  }

  // The caller must not wait for a fetch (DeferredKeys): answers from the cache (or from what the
  // engine fetched for this call), else names the kid it lacks.
  KeyLookup find_deferred(const std::string& kid, TimePoint now, DeferredKeys& deferred) const {
    if (const auto it = deferred.fetched.find(kid); it != deferred.fetched.end()) {
      return it->second;
    }
    {
      const std::shared_lock lock(mutex);
      if (auto planned = plan_from_cache(kid, now); planned && planned->answer) {
        return std::move(*planned->answer);
      }
    }
    deferred.missing = kid;
    return KeyLookup{std::nullopt, std::make_error_code(std::errc::operation_would_block)};
  }

  // Called with the unique lock by the engine before its fetch: the refusal, or nullopt to go.
  std::optional<KeyLookup> refuse_fetch(const std::string& kid, TimePoint now) const {
    if (!keys.contains(kid) && !take_unknown_fetch_slot(now)) {
      return KeyLookup{std::nullopt, TokenErrc::key_unavailable};
    }
    return std::nullopt;
  }

  void evict_oldest_key() const {
    const auto oldest = std::min_element(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
      return a.second.fetched_at < b.second.fetched_at;
    });
    keys.erase(oldest);
  }

  void remember_unknown(const std::string& kid, TimePoint now) const {
    if (unknown.size() >= kMaxUnknownKids) {
      std::erase_if(unknown, [now](const auto& item) { return item.second <= now; });
    }
    if (unknown.size() >= kMaxUnknownKids) {
      unknown.erase(std::min_element(unknown.begin(), unknown.end(),
                                     [](const auto& a, const auto& b) { return a.second < b.second; }));
    }
    unknown[kid] = now + options.negative_ttl;
  }

  // Called with the unique lock: stores what the fetch gave and says what the callers get. A line
  // to log goes to `warning` (logged after the lock is released: the sink is the user's code).
  KeyLookup apply(const std::string& kid, Fetched&& fetched, TimePoint now, std::string& warning) const {
    switch (fetched.kind) {
      case Fetched::Kind::found: {
        unknown.erase(kid);
        keys.insert_or_assign(kid, Entry{*fetched.key, now, now + fetched.ttl, now});
        while (keys.size() > std::max<std::size_t>(1, options.max_keys)) {
          evict_oldest_key();
        }
        return KeyLookup{std::move(fetched.key), TokenErrc::ok};
      }
      case Fetched::Kind::not_found:
        keys.erase(kid);  // the service dropped the key (e.g. long after a rotation)
        remember_unknown(kid, now);
        return KeyLookup{std::nullopt, TokenErrc::key_not_found};
      case Fetched::Kind::failed:
        break;
      case Fetched::Kind::cancelled:
        return cancelled_lookup();
    }
    if (const auto it = keys.find(kid); it != keys.end()) {
      it->second.next_refresh = now + std::min(options.min_ttl, options.negative_ttl);
      warning = "key for kid '" + kid + "': refresh failed, using the cached key: " + fetched.problem;
      return KeyLookup{it->second.key, TokenErrc::ok};
    }
    warning = "key for kid '" + kid + "' could not be fetched: " + fetched.problem;
    return KeyLookup{std::nullopt, TokenErrc::key_unavailable};
  }

  KeyLookup fetch_as_leader(const std::string& kid, Flight& flight, const CallContext& context) const {
    KeyLookup result{std::nullopt, TokenErrc::key_unavailable};
    std::string warning;
    bool cancelled = false;
    try {
      Fetched fetched = fetch(kid, context);
      cancelled = fetched.kind == Fetched::Kind::cancelled;
      const auto now = service->now();
      const std::unique_lock lock(mutex);
      result = apply(kid, std::move(fetched), now, warning);
      in_flight.erase(kid);
    } catch (...) {
      const std::unique_lock lock(mutex);
      in_flight.erase(kid);
    }
    // After the cache is updated: waiters and later readers agree. A cancelled fetch tells the
    // waiters nothing: they ask again (one of them fetches, within its own limits).
    flight.finish(cancelled ? std::nullopt : std::optional<KeyLookup>(result));
    if (!warning.empty()) {
      service->log(LogLevel::warning, warning);
    }
    return result;
  }

  // Waits, within the caller's limits, for the fetch another thread is making; nullopt: ask again.
  std::optional<KeyLookup> wait_for(Flight& flight, const CallContext& context) const {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(context.deadline - service->now());
    const auto end = wait_cancellable(flight.mutex, flight.landed, [&flight] { return flight.done; },
                                      std::max(left, std::chrono::milliseconds(0)), context.cancellation);
    switch (end) {
      case WaitEnd::ready: {
        const std::lock_guard lock(flight.mutex);
        return flight.result;
      }
      case WaitEnd::cancelled:
        return cancelled_lookup();
      case WaitEnd::timed_out:
        break;
    }
    return KeyLookup{std::nullopt, TokenErrc::key_unavailable};
  }

  // fork_safety.hpp: the cache is whole in both processes. In the child, a fetch under way belongs
  // to a thread of the parent: its promise is never kept there, so its waiters would wait forever.
  void lock_for_fork() noexcept override { mutex.lock(); }
  void unlock_in_parent() noexcept override { mutex.unlock(); }
  void restart_in_child() noexcept override {
    in_flight.clear();
    // Not unlock(): glibc tells a write unlock from a read unlock by the owner's thread id, and the
    // child's thread has another one. The lock is begun anew in its storage instead.
    new (&mutex) std::shared_mutex();
  }

  // What a thread needing `kid` does: use the cache, wait for a fetch under way, or fetch.
  struct Plan {
    std::optional<KeyLookup> answer;  // from the cache (or refused by the rate limit)
    std::shared_ptr<Flight> flight;   // the fetch to wait for, or to make when `lead`
    bool lead = false;
  };

  // Called with a lock: a cached key, or a stale one while another thread refreshes it.
  std::optional<Plan> plan_from_cache(std::string_view kid, TimePoint now) const {
    if (auto hit = cached(kid, now)) {
      return Plan{std::move(hit), nullptr, false};
    }
    if (const auto it = in_flight.find(kid); it != in_flight.end()) {
      if (const auto stale = keys.find(kid); stale != keys.end()) {
        return Plan{KeyLookup{stale->second.key, TokenErrc::ok}, nullptr, false};  // one thread refreshes, the others go on
      }
      return Plan{std::nullopt, it->second, false};
    }
    return std::nullopt;
  }

  Plan plan(const std::string& kid, TimePoint now) const {
    {
      const std::shared_lock lock(mutex);
      if (auto planned = plan_from_cache(kid, now)) {
        return std::move(*planned);
      }
    }
    const std::unique_lock lock(mutex);
    if (auto planned = plan_from_cache(kid, now)) {
      return std::move(*planned);
    }
    if (!keys.contains(kid) && !take_unknown_fetch_slot(now)) {
      return Plan{KeyLookup{std::nullopt, TokenErrc::key_unavailable}, nullptr, true};
    }
    auto flight = std::make_shared<Flight>();
    in_flight.emplace(kid, flight);
    return Plan{std::nullopt, std::move(flight), true};
  }

  void log_rate_limited(const std::string& kid) const {
    service->log(LogLevel::warning, "key for kid '" + kid + "' not fetched: too many unknown kids this minute");
  }

  // `limits`: the caller's, or null for the client's defaults (made only when the cache cannot
  // answer: a hit reads no clock).
  KeyLookup find(std::string_view kid_view, TimePoint now, const CallContext* limits) const {
    const std::string kid(kid_view);
    if (limits && limits->deferred_keys) {
      return find_deferred(kid, now, *limits->deferred_keys);
    }
    std::optional<CallContext> defaults;
    const auto context = [&]() -> const CallContext& {
      if (limits) return *limits;
      if (!defaults) defaults.emplace(service->context({}));
      return *defaults;
    };
    for (;;) {
      Plan next = plan(kid, now);
      if (next.answer) {
        if (next.lead) {  // refused by the rate limit
          log_rate_limited(kid);
        }
        return std::move(*next.answer);
      }
      if (next.lead) {
        return fetch_as_leader(kid, *next.flight, context());
      }
      if (auto landed = wait_for(*next.flight, context())) {
        return std::move(*landed);
      }
    }
  }
};

KeyCache::KeyCache(std::shared_ptr<const ServiceClient> service) : impl_(std::make_unique<Impl>()) {
  impl_->options = service->options().key_cache;
  impl_->service = std::move(service);
  ForkRegistry::instance().add(impl_.get());
}

KeyCache::~KeyCache() { ForkRegistry::instance().remove(impl_.get()); }

KeyLookup KeyCache::find(std::string_view kid) const noexcept {
  if (!sane_kid(kid)) {
    return KeyLookup{std::nullopt, TokenErrc::bad_kid};
  }
  try {
    return find(kid, impl_->service->now());
  } catch (...) {
    return KeyLookup{std::nullopt, TokenErrc::key_unavailable};
  }
}

KeyLookup KeyCache::find(std::string_view kid, TimePoint now) const noexcept { return find_within(kid, now, nullptr); }

KeyLookup KeyCache::find(std::string_view kid, TimePoint now, const CallContext& context) const noexcept {
  return find_within(kid, now, &context);
}

ApiCall KeyCache::certs_call(std::string_view kid) {
  ApiCall call;
  call.method = "GET";
  call.path = "/certs?kid=" + percent_encode(kid);
  call.idempotency = Idempotency::safe;
  return call;
}

std::optional<KeyLookup> KeyCache::claim_fetch(std::string_view kid_view) const noexcept {
  if (!sane_kid(kid_view)) {
    return KeyLookup{std::nullopt, TokenErrc::bad_kid};
  }
  try {
    const std::string kid(kid_view);
    const auto now = impl_->service->now();
    std::optional<KeyLookup> refused;
    {
      const std::unique_lock lock(impl_->mutex);
      refused = impl_->refuse_fetch(kid, now);
    }
    if (refused) {
      impl_->log_rate_limited(kid);
    }
    return refused;
  } catch (...) {
    return KeyLookup{std::nullopt, TokenErrc::key_unavailable};
  }
}

KeyLookup KeyCache::store_fetched(std::string_view kid_view,
                                  std::variant<ApiResponse, std::exception_ptr> outcome) const noexcept {
  if (!sane_kid(kid_view)) {
    return KeyLookup{std::nullopt, TokenErrc::bad_kid};
  }
  try {
    Fetched fetched = impl_->read_fetch([&outcome]() -> ApiResponse {
      if (auto* error = std::get_if<std::exception_ptr>(&outcome)) {
        if (!*error) throw std::runtime_error("the fetch ended with neither an answer nor an error");
        std::rethrow_exception(*error);
      }
      return std::move(std::get<ApiResponse>(outcome));
    });
    return impl_->store(std::string(kid_view), std::move(fetched));
  } catch (...) {
    return KeyLookup{std::nullopt, TokenErrc::key_unavailable};
  }
}

KeyLookup KeyCache::find_within(std::string_view kid, TimePoint now, const CallContext* context) const noexcept {
  if (!sane_kid(kid)) {
    return KeyLookup{std::nullopt, TokenErrc::bad_kid};
  }
  try {
    return impl_->find(kid, now, context);
  } catch (...) {
    return KeyLookup{std::nullopt, TokenErrc::key_unavailable};
  }
}

}  // namespace loginid::detail
