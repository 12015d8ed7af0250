#pragma once
// The scripted transport (test_transport_fake.hpp) on the async path: an AsyncTransport whose
// exchanges are answered by a handler, later, on the loop (as a real one completes), or parked until
// the test answers or the engine cancels them. The Script is shared between the test's thread and
// the loop, so everything in it is locked.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <variant>
#include <vector>

#include "loginid/transport.hpp"
#include "sdk/async/async_engine.hpp"
#include "sdk/async/async_transport.hpp"

namespace loginid::test {

struct Script {
  /// nullopt parks the exchange; a thrown TransportError is the exchange's failure.
  using Handler = std::function<std::optional<HttpResponse>(const HttpRequest& request, int index)>;

  explicit Script(Handler h = {}) : handler(std::move(h)) {}

  [[nodiscard]] std::vector<HttpRequest> requests() const {
    const std::lock_guard lock(mutex);
    return seen;
  }
  [[nodiscard]] int cancelled_count() const {
    const std::lock_guard lock(mutex);
    return cancelled;
  }
  [[nodiscard]] std::size_t parked_count() const {
    const std::lock_guard lock(mutex);
    return parked.size();
  }

  mutable std::mutex mutex;
  Handler handler;
  std::vector<HttpRequest> seen;
  int cancelled = 0;
  std::map<detail::AsyncTransport::ExchangeId, detail::AsyncTransport::Completion> parked;
};

class ScriptedAsyncTransport final : public detail::AsyncTransport {
 public:
  ScriptedAsyncTransport(detail::EventLoop& loop, std::shared_ptr<Script> script)
      : loop_(loop), script_(std::move(script)) {}

  ExchangeId start(HttpRequest request, Completion done) override {
    const ExchangeId id = next_id_++;
    int index = 0;
    Script::Handler handler;
    {
      const std::lock_guard lock(script_->mutex);
      script_->seen.push_back(request);
      index = static_cast<int>(script_->seen.size()) - 1;
      handler = script_->handler;
    }
    std::optional<detail::HttpOutcome> outcome;
    try {
      std::optional<HttpResponse> response = handler ? handler(request, index) : HttpResponse{200, {}, "{}"};
      if (response) outcome = detail::HttpOutcome(std::move(*response));
    } catch (const TransportError& e) {
      outcome = detail::HttpOutcome(e);
    }
    if (!outcome) {
      const std::lock_guard lock(script_->mutex);
      script_->parked.emplace(id, std::move(done));
      return id;
    }
    pending_.emplace(id, std::move(done));
    loop_.post([this, alive = std::weak_ptr<char>(alive_), id, outcome = std::move(*outcome)]() mutable {
      if (!alive.expired()) complete(id, std::move(outcome));  // else its caller, and it, are gone
    });
    return id;
  }

  void cancel(ExchangeId id) noexcept override {
    const std::lock_guard lock(script_->mutex);
    if (pending_.erase(id) + script_->parked.erase(id) > 0) ++script_->cancelled;
  }

  [[nodiscard]] std::size_t in_flight() const noexcept override {
    const std::lock_guard lock(script_->mutex);
    return pending_.size() + script_->parked.size();
  }

  /// Completes a parked exchange (loop thread: through AsyncEngine::run_and_wait).
  static void answer(Script& script, ExchangeId id, detail::HttpOutcome outcome) {
    Completion done;
    {
      const std::lock_guard lock(script.mutex);
      const auto found = script.parked.find(id);
      if (found == script.parked.end()) return;
      done = std::move(found->second);
      script.parked.erase(found);
    }
    done(std::move(outcome));
  }

 private:
  void complete(ExchangeId id, detail::HttpOutcome outcome) {
    const auto found = pending_.find(id);
    if (found == pending_.end()) return;  // cancelled
    Completion done = std::move(found->second);
    pending_.erase(found);
    done(std::move(outcome));
  }

  detail::EventLoop& loop_;
  std::shared_ptr<Script> script_;
  std::map<ExchangeId, Completion> pending_;  // loop thread only
  ExchangeId next_id_ = 1;
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

/// A caller's transport that follows `script` (AsyncCaller's TransportFactory).
inline auto scripted_transport(const std::shared_ptr<Script>& script) {
  return [script](detail::EventLoop& loop) {
    return std::unique_ptr<detail::AsyncTransport>(std::make_unique<ScriptedAsyncTransport>(loop, script));
  };
}

}  // namespace loginid::test
