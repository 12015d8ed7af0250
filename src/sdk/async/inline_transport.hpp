#pragma once
// A client's own Options::transport (an HttpTransport, blocking by contract) on the async path:
// its send() is called on the loop thread and the answer completes the exchange on the loop's next
// round. Meant for transports that answer at once (the testkit's FakeService, a test's fake); a
// transport that blocks holds up every call of the loop, which docs/sdk.md says.

#include <map>
#include <memory>
#include <utility>

#include "loginid/transport.hpp"
#include "sdk/async/async_caller.hpp"
#include "sdk/async/async_transport.hpp"

namespace loginid::detail {

class InlineTransport final : public AsyncTransport {
 public:
  InlineTransport(EventLoop& loop, std::shared_ptr<HttpTransport> transport)
      : loop_(loop), transport_(std::move(transport)) {}

  ExchangeId start(HttpRequest request, Completion done) override {
    const ExchangeId id = next_id_++;
    std::optional<HttpOutcome> outcome;
    try {
      outcome.emplace(transport_->send(request));
    } catch (const TransportError& e) {
      outcome.emplace(e);
    }
    pending_.emplace(id, std::move(done));
    loop_.post([this, alive = std::weak_ptr<char>(alive_), id, outcome = std::move(*outcome)]() mutable {
      if (alive.expired()) return;  // the transport went first (its client was destroyed)
      const auto found = pending_.find(id);
      if (found == pending_.end()) return;  // cancelled
      Completion finished = std::move(found->second);
      pending_.erase(found);
      finished(std::move(outcome));
    });
    return id;
  }

  void cancel(ExchangeId id) noexcept override { pending_.erase(id); }
  [[nodiscard]] std::size_t in_flight() const noexcept override { return pending_.size(); }

 private:
  EventLoop& loop_;
  std::shared_ptr<HttpTransport> transport_;
  std::map<ExchangeId, Completion> pending_;  // loop thread only
  ExchangeId next_id_ = 1;
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

/// AsyncCaller's factory for InlineTransport.
inline AsyncCaller::TransportFactory inline_transport(std::shared_ptr<HttpTransport> transport) {
  return [transport = std::move(transport)](EventLoop& loop) mutable {
    return std::unique_ptr<AsyncTransport>(std::make_unique<InlineTransport>(loop, std::move(transport)));
  };
}

}  // namespace loginid::detail
