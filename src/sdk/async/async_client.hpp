#pragma once
// What an AsyncLoginID / AsyncLoginIdManagement holds, and how each of their functions runs: the
// operation description of its blocking twin (operations.hpp), built with the same arguments, run
// on the loop by AsyncOperation exactly as run_operation runs it (request through CallRun, read,
// ask again, the operation's own errors), completing an AsyncCall.

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "loginid/async_call.hpp"
#include "loginid/call_options.hpp"
#include "loginid/error.hpp"
#include "sdk/async/async_caller.hpp"
#include "sdk/async/async_key_fetches.hpp"
#include "sdk/client_state.hpp"
#include "sdk/operation.hpp"

namespace loginid::detail {

struct AsyncClient {
  /// Its caller's transport: the libcurl multi one with the client's CA bundle for the default
  /// transport (also one the user made with make_curl_transport, with its options), else the
  /// client's own Options::transport called on the loop thread.
  AsyncClient(std::shared_ptr<const ClientState> client_state, std::shared_ptr<AsyncEngine> engine);

  std::shared_ptr<const ClientState> state;  // the operations refer to it
  AsyncKeyFetches key_fetches;               // into the state's key cache; outlives the caller's calls
  std::unique_ptr<AsyncCaller> caller;       // destroyed first: completes what is in flight
};

/// Runs one operation on the loop; `done` completes exactly once (through the caller, so the
/// client's destruction cancels it like any call).
template <class Result>
class AsyncOperation final : public std::enable_shared_from_this<AsyncOperation<Result>> {
 public:
  using Completion = MoveOnlyFunction<void(Outcome<Result>)>;

  AsyncOperation(std::shared_ptr<const ClientState> state, AsyncCaller& caller, AsyncKeyFetches& key_fetches,
                 Operation<Result> operation, CallContext context, Completion done)
      : state_(std::move(state)),
        caller_(caller),
        key_fetches_(key_fetches),
        operation_(std::move(operation)),
        context_(std::move(context)),
        done_(std::move(done)) {
    context_.deferred_keys = std::make_shared<DeferredKeys>();  // never fetch a key on the loop thread
  }

  /// Sends the request (again, for ask_again); any thread for the first time, then the loop's.
  /// An operation without a path (a verification, local_operation) sends nothing: its `read` runs
  /// on the loop with an empty answer.
  void ask() {
    asked_at_ = state_->service->now();
    auto next = [self = this->shared_from_this()](CallOutcome outcome) { self->on_outcome(std::move(outcome)); };
    if (operation_.call.path.empty()) {
      caller_.later(operation_.call.method, context_, std::move(next));
    } else {
      caller_.start(operation_.call, context_, std::move(next));
    }
  }

 private:
  void on_outcome(CallOutcome outcome) {
    if (auto* answer = std::get_if<ApiResponse>(&outcome)) {
      read(std::move(*answer));
      return;
    }
    std::exception_ptr error = std::get<std::exception_ptr>(std::move(outcome));
    bool again = false;
    try {
      std::rethrow_exception(error);
    } catch (const ServiceError& e) {
      again = operation_.ask_again && operation_.ask_again(e, asked_at_, context_);
    } catch (const TransportError& e) {
      if (operation_.on_transport_error) {
        try {
          operation_.on_transport_error(e, context_);
        } catch (...) {
          error = std::current_exception();  // the operation's own error replaces it
        }
      }
    } catch (...) {
    }
    if (again) {
      ask();
      return;
    }
    finish(Outcome<Result>(std::move(error)));
  }

  // On the loop thread. A JWT in the answer is verified here, with the key cache's keys only: a
  // key it lacks is fetched as one more async call (AsyncKeyFetches), then the answer is read again.
  void read(ApiResponse answer) {
    answer_.emplace(std::move(answer));
    read_again();
  }

  void read_again() {
    DeferredKeys& keys = *context_.deferred_keys;
    keys.missing.reset();
    std::optional<Outcome<Result>> outcome;
    try {
      if constexpr (std::is_void_v<Result>) {
        operation_.read(ApiResponse(*answer_), context_);
        outcome.emplace();
      } else {
        outcome.emplace(operation_.read(ApiResponse(*answer_), context_));
      }
    } catch (...) {
      outcome.emplace(std::current_exception());
    }
    if (keys.missing) {  // whatever the read concluded, it lacked a key: fetch it, then read again
      fetch_key(std::move(*keys.missing));
      return;
    }
    answer_.reset();
    finish(std::move(*outcome));
  }

  void fetch_key(std::string kid) {
    key_fetches_.need(caller_, kid, context_,
                      [self = this->shared_from_this(), kid](AsyncKeyFetches::End end) {
                        if (end.cancelled) {
                          self->answer_.reset();
                          self->finish(Outcome<Result>(std::move(end.cancelled)));
                          return;
                        }
                        if (end.lookup) self->context_.deferred_keys->fetched.insert_or_assign(kid, std::move(*end.lookup));
                        self->read_again();  // no lookup: another call's fetch was cancelled, look again
                      });
  }

  // The user's completion. What it throws is logged and dropped here (as AsyncCaller does for its
  // own completions): a completion run for a key fetch must not keep the other calls waiting for
  // that key from theirs, nor end the loop thread from a loop task.
  void finish(Outcome<Result> outcome) noexcept {
    Completion done = std::move(done_);
    std::string what;
    try {
      done(std::move(outcome));
      return;
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
      what = "an exception that is not a std::exception";
    }
    try {
      state_->service->log(LogLevel::error, operation_.call.method + " " + operation_.call.path +
                                                ": the completion threw (ignored; a completion must not throw): " + what);
    } catch (...) {
      // bad_alloc building the line: nothing more to do
    }
  }

  std::shared_ptr<const ClientState> state_;
  AsyncCaller& caller_;  // alive while one of its calls is: this runs only inside its completions
  AsyncKeyFetches& key_fetches_;  // the client's: outlives the caller's calls
  Operation<Result> operation_;
  CallContext context_;
  Completion done_;
  TimePoint asked_at_{};
  std::optional<ApiResponse> answer_;  // kept while a key is fetched, to read it again
};

/// An operation that sends nothing and runs `read` on the loop thread (with an empty answer):
/// `name` names it in a Cancelled message.
template <class Result>
Operation<Result> local_operation(std::string name, std::function<Result(ApiResponse&&, const CallContext&)> read) {
  Operation<Result> operation;
  operation.call.method = std::move(name);
  operation.read = std::move(read);
  return operation;
}

/// The AsyncCall of one function: `build` makes the operation (checking the arguments; what it
/// throws is the call's outcome), run within `call` when the AsyncCall is started. Started after
/// the client is gone, it completes at once with Cancelled.
template <class Result, class Build>
AsyncCall<Result> async_call(const std::shared_ptr<AsyncClient>& client, Build build, const CallOptions& call) {
  std::optional<Operation<Result>> operation;
  std::exception_ptr refused;
  try {
    operation.emplace(build(*client->state));
  } catch (...) {
    refused = std::current_exception();
  }
  using Completion = typename AsyncCall<Result>::Completion;
  return AsyncCall<Result>([weak = std::weak_ptr<AsyncClient>(client), operation = std::move(operation), refused,
                            call](Completion done) mutable {
    const auto owner = weak.lock();
    if (!owner) {
      done(Outcome<Result>(std::make_exception_ptr(Cancelled("the async client was destroyed before the call started"))));
      return;
    }
    AsyncCaller& caller = *owner->caller;
    if (refused) {
      caller.fail(refused, [done = std::move(done)](CallOutcome outcome) mutable {
        done(Outcome<Result>(std::get<std::exception_ptr>(std::move(outcome))));
      });
      return;
    }
    std::optional<CallContext> context;
    try {
      context.emplace(owner->state->service->context(call, operation->default_budget));
    } catch (...) {
      caller.fail(std::current_exception(), [done = std::move(done)](CallOutcome outcome) mutable {
        done(Outcome<Result>(std::get<std::exception_ptr>(std::move(outcome))));
      });
      return;
    }
    std::make_shared<AsyncOperation<Result>>(owner->state, caller, owner->key_fetches, std::move(*operation),
                                             std::move(*context), std::move(done))
        ->ask();
  });
}

}  // namespace loginid::detail
