#pragma once
// The async engine's seam to the network, the non-blocking twin of HttpTransport: an exchange is
// started on the loop thread and completes there later. The default is curl_multi_transport.hpp;
// tests inject scripted ones.

#include <cstdint>
#include <memory>
#include <variant>

#include "sdk/async/event_loop.hpp"
#include "sdk/async/unique_function.hpp"
#include "loginid/error.hpp"
#include "loginid/transport.hpp"

namespace loginid::detail {

/// How one exchange ended: an answer (any status) or no answer.
using HttpOutcome = std::variant<HttpResponse, TransportError>;

class AsyncTransport {
 public:
  using ExchangeId = std::uint64_t;
  using Completion = UniqueFunction<void(HttpOutcome outcome)>;

  virtual ~AsyncTransport() = default;

  /// Starts sending `request` (loop thread only). `done` runs exactly once on the loop thread,
  /// never inside start() itself, unless cancel() comes first. A request refused before anything is
  /// sent completes with TransportError refused_locally, also through `done`.
  virtual ExchangeId start(HttpRequest request, Completion done) = 0;

  /// Abandons an exchange that has not completed (loop thread only): its connection is closed,
  /// its `done` is destroyed without being called. No effect on an exchange that completed.
  virtual void cancel(ExchangeId id) noexcept = 0;

  /// Exchanges started and not yet completed or cancelled (loop thread only).
  [[nodiscard]] virtual std::size_t in_flight() const noexcept = 0;

 protected:
  AsyncTransport() = default;
  AsyncTransport(const AsyncTransport&) = default;
  AsyncTransport& operator=(const AsyncTransport&) = default;
};

}  // namespace loginid::detail
