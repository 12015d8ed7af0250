#pragma once
/// @file async_call.hpp
/// How an async SDK function hands back its result: an AsyncCall<T>, which starts the call when it
/// is given a way to complete (nothing is sent before), in one of three forms:
///
/// @code
/// async.get_user(name).then([](loginid::Outcome<loginid::User> user) { ... });  // callback
/// std::future<loginid::User> f = async.get_user(name).future();                 // std::future
/// loginid::User user = co_await async.get_user(name);                           // any coroutine
/// @endcode
///
/// Completion rules (the same for the three forms):
/// - A started call completes exactly once: with its result, with the loginid::Error the blocking
///   function would have thrown (Outcome::value() rethrows it), with Cancelled when its
///   CallOptions::cancellation is cancelled, or with Cancelled when its client is destroyed first.
/// - Completions run on the event loop's thread (AsyncRuntime), one at a time, never inside the
///   call that started them. A completion must not block (no blocking SDK call, no waiting on a
///   future of another async call, no long computation): every call of the runtime waits for it.
///   Hand long work to your own executor. A completion may start further async calls, cancel
///   calls, and destroy clients (also its own) and runtimes.
/// - A completion must not throw. If it does, the exception is caught on the loop thread, logged
///   (the client's Options::log, error level) and dropped; the loop and the other calls go on.
/// - After `co_await`, the coroutine runs on the loop thread, under the same rules, until it
///   suspends again or hops to an executor of its own.

#include <atomic>
#include <coroutine>
#include <exception>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

#include "loginid/version.hpp"

namespace loginid::inline v1 {

/// A move-only callable (C++23's std::move_only_function, which C++20 lacks): completions may own
/// what cannot be copied (a std::promise, a coroutine handle, a unique_ptr).
template <typename Signature>
class MoveOnlyFunction;

/// A move-only callable `R(Args...)` (see the primary template).
template <typename R, typename... Args>
class MoveOnlyFunction<R(Args...)> final {
 public:
  /// Holds nothing (operator bool is false).
  MoveOnlyFunction() noexcept = default;
  /// Holds nothing, as from nullptr for std::function.
  MoveOnlyFunction(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor): like std::function

  /// Holds `f` (moved or copied in), any callable invocable as R(Args...).
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, MoveOnlyFunction> &&
                                                    std::is_invocable_r_v<R, std::decay_t<F>&, Args...>>>
  MoveOnlyFunction(F&& f)  // NOLINT(google-explicit-constructor): a lambda converts, as to std::function
      : callable_(std::make_unique<Holder<std::decay_t<F>>>(std::forward<F>(f))) {}

  /// Takes over the callable of `other` (which then holds none).
  MoveOnlyFunction(MoveOnlyFunction&&) noexcept = default;
  /// Drops the callable held, then takes over that of `other`.
  MoveOnlyFunction& operator=(MoveOnlyFunction&&) noexcept = default;
  MoveOnlyFunction(const MoveOnlyFunction&) = delete;
  MoveOnlyFunction& operator=(const MoveOnlyFunction&) = delete;
  /// Destroys the callable held.
  ~MoveOnlyFunction() = default;

  /// True when a callable is held.
  explicit operator bool() const noexcept { return callable_ != nullptr; }

  /// Calls the target (which must be set).
  R operator()(Args... args) { return callable_->call(std::forward<Args>(args)...); }

 private:
  /// @cond LOGINID_INTERNAL (the type-erasure machinery: not part of the API reference)
  struct Callable {
    virtual ~Callable() = default;
    virtual R call(Args... args) = 0;
  };
  // Hidden: an instantiation holding a callable of the library's internals is not exported from
  // libloginid (each binary has its own, all of it inline).
  template <typename F>
  struct [[gnu::visibility("hidden")]] Holder final : Callable {
    template <typename G>
    explicit Holder(G&& g) : function(std::forward<G>(g)) {}
    R call(Args... args) override { return function(std::forward<Args>(args)...); }
    F function;
  };
  /// @endcond
  std::unique_ptr<Callable> callable_;
};

/// The result of an async call: a value, or the exception the blocking function would have thrown.
template <typename T>
class Outcome final {
 public:
  /// A result.
  explicit Outcome(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  /// An error (not null).
  explicit Outcome(std::exception_ptr error) : state_(std::in_place_index<1>, std::move(error)) {}

  /// True when it holds a value, false when an error.
  [[nodiscard]] bool has_value() const noexcept { return state_.index() == 0; }
  /// has_value().
  explicit operator bool() const noexcept { return has_value(); }

  /// The value, or rethrows the error (a loginid::Error, or std::bad_alloc).
  T& value() & {
    rethrow_if_error();
    return std::get<0>(state_);
  }
  /// The value, or rethrows the error.
  const T& value() const& {
    rethrow_if_error();
    return std::get<0>(state_);
  }
  /// The value (moved out), or rethrows the error.
  T&& value() && {
    rethrow_if_error();
    return std::get<0>(std::move(state_));
  }
  /// The error (null when there is a value).
  [[nodiscard]] std::exception_ptr error() const noexcept {
    return has_value() ? nullptr : std::get<1>(state_);
  }

 private:
  void rethrow_if_error() const {
    if (!has_value()) std::rethrow_exception(std::get<1>(state_));
  }
  std::variant<T, std::exception_ptr> state_;
};

/// The result of an async call that returns nothing (delete_by_user_id): success, or the error.
template <>
class Outcome<void> final {
 public:
  /// Success.
  Outcome() = default;
  /// An error (not null).
  explicit Outcome(std::exception_ptr error) : error_(std::move(error)) {}
  /// True on success, false for an error.
  [[nodiscard]] bool has_value() const noexcept { return error_ == nullptr; }
  /// has_value().
  explicit operator bool() const noexcept { return has_value(); }
  /// Returns on success, else rethrows the error.
  void value() const {
    if (error_) std::rethrow_exception(error_);
  }
  /// The error (null on success).
  [[nodiscard]] std::exception_ptr error() const noexcept { return error_; }

 private:
  std::exception_ptr error_;
};

/// A call of an async SDK function, not started yet. Starting it (then(), future() or co_await)
/// consumes it: each AsyncCall starts at most one call. Dropping it unstarted sends nothing.
template <typename T>
class [[nodiscard]] AsyncCall final {
 public:
  /// What receives the outcome, once, on the loop thread.
  using Completion = MoveOnlyFunction<void(Outcome<T>)>;
  /// Starts the operation; must call the completion exactly once, never before it returns unless
  /// it can do nothing else (then AsyncCall's forms still behave).
  using Starter = MoveOnlyFunction<void(Completion)>;

  /// Wraps an operation (the SDK's async functions make these; so may your own code and tests).
  explicit AsyncCall(Starter start) : start_(std::move(start)) {}

  /// Starts the call; `completion(Outcome<T>)` runs once, on the loop thread, when it ends.
  void then(Completion completion) && { take()(std::move(completion)); }

  /// Starts the call; the future holds its value or its error. Never wait on it inside a
  /// completion or on the loop thread: that waits for the loop itself.
  std::future<T> future() && {
    auto promise = std::make_shared<std::promise<T>>();
    std::future<T> result = promise->get_future();
    take()([promise](Outcome<T> outcome) {
      if (!outcome.has_value()) {
        promise->set_exception(outcome.error());
      } else if constexpr (std::is_void_v<T>) {
        promise->set_value();
      } else {
        promise->set_value(std::move(outcome).value());
      }
    });
    return result;
  }

  /// The awaiter of `co_await call`: needs nothing of the coroutine's promise type, so it works in
  /// any coroutine (a task type of your framework, a generator of your own, ...). The coroutine
  /// resumes on the loop thread with the value, or the error thrown from the co_await.
  class Awaiter final {
   public:
    /// The awaiter of the call `start` starts (made by operator co_await).
    explicit Awaiter(Starter start) : start_(std::move(start)) {}
    /// False: the call is started in await_suspend.
    bool await_ready() const noexcept { return false; }
    /// False (no suspension) when the call completed before this returns.
    bool await_suspend(std::coroutine_handle<> coroutine) {
      coroutine_ = coroutine;
      auto* self = this;
      Starter start = std::move(start_);
      start([self](Outcome<T> outcome) {
        self->outcome_.emplace(std::move(outcome));
        // Whoever comes second resumes: this completion, or await_suspend returning false.
        if (self->state_.exchange(kCompleted) == kSuspended) self->coroutine_.resume();
      });
      return state_.exchange(kSuspended) != kCompleted;
    }
    /// The value, or throws the error.
    T await_resume() {
      if constexpr (std::is_void_v<T>) {
        outcome_->value();
      } else {
        return std::move(*outcome_).value();
      }
    }

   private:
    static constexpr int kStarting = 0;
    static constexpr int kSuspended = 1;
    static constexpr int kCompleted = 2;
    Starter start_;
    std::coroutine_handle<> coroutine_;
    std::optional<Outcome<T>> outcome_;
    std::atomic<int> state_{kStarting};
  };
  /// `co_await call` in any coroutine: starts the call (see Awaiter).
  Awaiter operator co_await() && { return Awaiter(take()); }

 private:
  Starter take() {
    Starter start = std::move(start_);
    if (!start) throw std::logic_error("loginid::AsyncCall: started twice");
    return start;
  }
  Starter start_;
};

}  // namespace loginid::inline v1
