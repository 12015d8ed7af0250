#pragma once
// A move-only std::function (C++23's std::move_only_function, which C++20 lacks) for the engine's
// internal signatures: completions own what they capture (a promise, a coroutine handle, a
// unique_ptr), which std::function cannot hold. The public loginid::MoveOnlyFunction is the same
// thing, but libloginid exports what is instantiated in loginid::v1 (its version script): internal
// signatures stay in loginid::detail so that none of them leaves the library.

#include <memory>
#include <type_traits>
#include <utility>

namespace loginid::detail {

template <typename Signature>
class UniqueFunction;

template <typename R, typename... Args>
class UniqueFunction<R(Args...)> final {
 public:
  UniqueFunction() noexcept = default;
  UniqueFunction(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor): like std::function

  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, UniqueFunction> &&
                                                    std::is_invocable_r_v<R, std::decay_t<F>&, Args...>>>
  UniqueFunction(F&& f)  // NOLINT(google-explicit-constructor): a lambda converts, as to std::function
      : callable_(std::make_unique<Holder<std::decay_t<F>>>(std::forward<F>(f))) {}

  UniqueFunction(UniqueFunction&&) noexcept = default;
  UniqueFunction& operator=(UniqueFunction&&) noexcept = default;
  UniqueFunction(const UniqueFunction&) = delete;
  UniqueFunction& operator=(const UniqueFunction&) = delete;
  ~UniqueFunction() = default;

  explicit operator bool() const noexcept { return callable_ != nullptr; }

  /// Calls the target (which must be set).
  R operator()(Args... args) { return callable_->call(std::forward<Args>(args)...); }

 private:
  struct Callable {
    virtual ~Callable() = default;
    virtual R call(Args... args) = 0;
  };
  template <typename F>
  struct Holder final : Callable {
    explicit Holder(F&& f) : function(std::move(f)) {}
    explicit Holder(const F& f) : function(f) {}
    R call(Args... args) override { return function(std::forward<Args>(args)...); }
    F function;
  };
  std::unique_ptr<Callable> callable_;
};

}  // namespace loginid::detail
