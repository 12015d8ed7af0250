#pragma once
/// @file cancellation.hpp
/// Cancelling a call from another thread: a CancellationSource cancels, the CancellationToken it
/// hands out goes into CallOptions::cancellation. A cancelled call stops at once wherever it is
/// (before sending, during the exchange, in the wait between retries, waiting for a signing key,
/// in wait_code's long poll) and throws loginid::Cancelled. Built on std::stop_source, so a
/// std::jthread's stop token can be used as well.
///
/// @code
/// loginid::CancellationSource cancel;
/// std::thread waiter([&] { client.wait_code(alice, code, {}, {.cancellation = cancel.token()}); });
/// cancel.cancel();  // the waiting wait_code throws loginid::Cancelled, now
/// @endcode

#include <functional>
#include <memory>
#include <stop_token>

#include "loginid/version.hpp"

namespace loginid::inline v1 {

/// Keeps a callback registered with CancellationToken::on_cancel. Destroying (or reset()) it
/// unregisters the callback; when the callback is running on another thread at that moment, the
/// destructor waits for it to return, so whatever the callback uses may be destroyed right after.
class CancellationRegistration final {
 public:
  /// Holds no callback.
  CancellationRegistration() noexcept;
  /// Takes over the callback of `other` (which then holds none).
  CancellationRegistration(CancellationRegistration&& other) noexcept;
  /// Unregisters the callback held (see reset()), then takes over the callback of `other`.
  CancellationRegistration& operator=(CancellationRegistration&& other) noexcept;
  CancellationRegistration(const CancellationRegistration&) = delete;
  CancellationRegistration& operator=(const CancellationRegistration&) = delete;
  /// Unregisters the callback, waiting for it when it is running on another thread.
  ~CancellationRegistration();

  /// Unregisters now (as the destructor does).
  void reset() noexcept;

 private:
  friend class CancellationToken;
  struct Callback;
  explicit CancellationRegistration(std::unique_ptr<Callback> callback) noexcept;
  std::unique_ptr<Callback> callback_;
};

/// Tells whether cancellation was asked for. Cheap to copy (a shared reference); safe to use from
/// any number of threads. A default-constructed token is never cancelled.
class CancellationToken final {
 public:
  /// A token that is never cancelled (the default of CallOptions::cancellation).
  CancellationToken() noexcept = default;
  /// Cancelled when `stop` is (std::jthread::get_stop_token(), std::stop_source::get_token()).
  explicit CancellationToken(std::stop_token stop) noexcept : stop_(std::move(stop)) {}

  /// True once the source has cancelled.
  [[nodiscard]] bool is_cancelled() const noexcept { return stop_.stop_requested(); }
  /// False for a token that can never be cancelled (a default one, or one whose sources are all gone).
  [[nodiscard]] bool can_be_cancelled() const noexcept { return stop_.stop_possible(); }
  /// The underlying std::stop_token.
  [[nodiscard]] const std::stop_token& stop_token() const noexcept { return stop_; }

  /// Calls `callback` once when the token is cancelled: on the thread that cancels, or at once on
  /// this thread when it already is. The callback must be short and must not block (it runs inside
  /// CancellationSource::cancel); an exception it throws is ignored. Keep the returned registration
  /// for as long as the callback may run.
  /// @throws std::bad_alloc only.
  [[nodiscard]] CancellationRegistration on_cancel(std::function<void()> callback) const;

 private:
  std::stop_token stop_;
};

/// Cancels the tokens it hands out. Copies share one cancellation state.
class CancellationSource final {
 public:
  /// A new, not yet cancelled source.
  /// @throws std::bad_alloc only.
  CancellationSource() = default;

  /// A token that turns cancelled when this source cancels.
  [[nodiscard]] CancellationToken token() const noexcept { return CancellationToken(stop_.get_token()); }
  /// Cancels every call holding one of its tokens; runs their on_cancel callbacks on this thread
  /// before returning. Later calls do nothing. Returns true for the call that cancelled.
  bool cancel() noexcept { return stop_.request_stop(); }
  /// True once cancel() was called.
  [[nodiscard]] bool is_cancelled() const noexcept { return stop_.stop_requested(); }

 private:
  std::stop_source stop_;
};

}  // namespace loginid::inline v1
