#include "sdk/async/async_caller.hpp"

#include <algorithm>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "loginid/cancellation.hpp"
#include "loginid/error.hpp"
#include "sdk/async/curl_multi_transport.hpp"

namespace loginid::detail {

struct AsyncCaller::Op {
  CallId id = 0;
  ApiCall call;
  std::optional<CallContext> context;  // moved into `run` when the call begins
  std::exception_ptr refused;          // AsyncCaller::fail: the call's outcome, without a request
  bool sends_nothing = false;          // AsyncCaller::later: completes with an empty answer
  Completion done;
  CancellationRegistration on_cancel;  // the context's token: cancels this call
  // Loop thread only.
  std::optional<CallRun> run;  // refers to `call`: declared after it, destroyed before it
  std::optional<AsyncTransport::ExchangeId> exchange;
  std::optional<EventLoop::TimerId> retry_timer;
};

struct AsyncCaller::Core : std::enable_shared_from_this<Core> {
  std::shared_ptr<const ServiceClient> service;
  std::shared_ptr<AsyncEngine> engine;
  std::unique_ptr<AsyncTransport> transport;  // made, used and destroyed on the loop thread

  mutable std::mutex mutex;  // guards ops, next_id and closed: start() and cancel() come from any thread
  std::unordered_map<CallId, std::shared_ptr<Op>> ops;
  CallId next_id = 1;
  bool closed = false;  // the caller is going away: a call started now completes at once

  Core(std::shared_ptr<const ServiceClient> s, std::shared_ptr<AsyncEngine> e)
      : service(std::move(s)), engine(std::move(e)) {}

  std::shared_ptr<Op> find(CallId id) const {
    const std::lock_guard lock(mutex);
    const auto found = ops.find(id);
    return found == ops.end() ? nullptr : found->second;
  }

  // Loop thread. The one place a call ends: whoever takes the op out of `ops` completes it, so it
  // completes exactly once whatever races (answer, cancel, destruction).
  void complete(CallId id, CallOutcome outcome) {
    std::shared_ptr<Op> op;
    {
      const std::lock_guard lock(mutex);
      const auto found = ops.find(id);
      if (found == ops.end()) return;
      op = std::move(found->second);
      ops.erase(found);
    }
    finish(*op, std::move(outcome));
  }

  void finish(Op& op, CallOutcome outcome) {
    if (op.exchange) transport->cancel(*op.exchange);
    if (op.retry_timer) engine->loop().cancel_timer(*op.retry_timer);
    op.run.reset();  // wipes a secret body now, not whenever the last reference goes
    op.on_cancel.reset();
    Completion done = std::move(op.done);
    run_completion(op, done, std::move(outcome));
  }

  // A completion is the user's code, run on the loop thread. What it throws is caught here, logged
  // (Options::log, error) and dropped: it must not end the loop thread (std::terminate), nor skip the
  // other calls ended in the same round, whose completions are still to run. The call still counts
  // as completed: it is never completed again.
  void run_completion(const Op& op, Completion& done, CallOutcome outcome) const noexcept {
    std::string what;
    try {
      done(std::move(outcome));
      return;
    } catch (const std::exception& e) {
      what = std::string(e.what());
    } catch (...) {
      what = "an exception that is not a std::exception";
    }
    try {
      service->log(LogLevel::error, op.call.method + " " + op.call.path +
                                        ": the completion threw (ignored; a completion must not throw): " + what);
    } catch (...) {
      // bad_alloc building the line: nothing more to do
    }
  }

  // Completions get errors outside the catch block that caught them: the exception's last
  // reference then moves to the completion instead of being dropped by the catch block's end on
  // this thread while the completion's thread reads it (which ThreadSanitizer cannot follow
  // through libstdc++'s uninstrumented reference count).
  void begin(CallId id) {
    const std::shared_ptr<Op> op = find(id);
    if (!op) return;  // cancelled before it began
    if (op->refused) {
      std::exception_ptr refused = std::move(op->refused);
      complete(id, std::move(refused));
      return;
    }
    if (op->sends_nothing) {
      // No request to refuse a cancelled token (as CallRun::next_request does): checked here.
      if (op->context->cancellation.is_cancelled()) {
        complete(id, cancelled(*op, "before anything was sent (CallOptions::cancellation)"));
      } else {
        complete(id, ApiResponse{});
      }
      return;
    }
    std::exception_ptr error;
    try {
      op->run.emplace(*service, op->call, std::move(*op->context));
    } catch (...) {
      error = std::current_exception();
    }
    if (error) {
      complete(id, std::move(error));
      return;
    }
    attempt(*op);
  }

  void attempt(Op& op) {
    std::exception_ptr error;
    try {
      HttpRequest request = op.run->next_request();
      op.exchange = transport->start(
          std::move(request), [weak = weak_from_this(), id = op.id](HttpOutcome outcome) {
            if (const auto core = weak.lock()) core->on_outcome(id, std::move(outcome));
          });
    } catch (...) {
      error = std::current_exception();
    }
    if (error) complete(op.id, std::move(error));
  }

  void on_outcome(CallId id, HttpOutcome outcome) {
    const std::shared_ptr<Op> op = find(id);
    if (!op) return;
    op->exchange.reset();
    CallRun::Step step = std::chrono::milliseconds(0);
    std::exception_ptr error;
    try {
      if (auto* response = std::get_if<HttpResponse>(&outcome)) {
        step = op->run->on_answer(std::move(*response));
      } else {
        step = op->run->on_failure(std::get<TransportError>(outcome));
      }
    } catch (...) {
      error = std::current_exception();
    }
    if (error) {
      complete(id, std::move(error));
      return;
    }
    if (auto* answer = std::get_if<ApiResponse>(&step)) {
      complete(id, std::move(*answer));
      return;
    }
    retry_later(*op, std::get<std::chrono::milliseconds>(step));
  }

  void retry_later(Op& op, std::chrono::milliseconds delay) {
    op.retry_timer = engine->loop().start_timer(
        std::chrono::steady_clock::now() + delay, [weak = weak_from_this(), id = op.id] {
          const auto core = weak.lock();
          if (!core) return;
          if (const auto again = core->find(id)) {
            again->retry_timer.reset();
            core->attempt(*again);
          }
        });
  }

  // In the words of CallRun's own Cancelled ("POST /x: cancelled during ...").
  std::exception_ptr cancelled(const Op& op, const std::string& why) const {
    const std::string what = op.call.method + " " + op.call.path + ": cancelled " + why;
    service->log(LogLevel::info, what);
    return std::make_exception_ptr(Cancelled(what));
  }

  void cancel(CallId id) {
    if (const auto op = find(id)) {
      const char* why = op->exchange ? "during the exchange; the service may have seen the request"
                        : op->retry_timer ? "while waiting to retry"
                                          : "before anything was sent";
      complete(id, cancelled(*op, std::string(why) + " (CallOptions::cancellation)"));
    }
  }

  // Loop thread. In the order the calls were started, so a test (or a log) sees a stable order.
  void cancel_all() {
    std::vector<std::shared_ptr<Op>> taken;
    {
      const std::lock_guard lock(mutex);
      closed = true;
      for (auto& [id, op] : ops) taken.push_back(std::move(op));
      ops.clear();
    }
    std::sort(taken.begin(), taken.end(), [](const auto& a, const auto& b) { return a->id < b->id; });
    for (const auto& op : taken) {
      finish(*op, cancelled(*op, "because the client was destroyed"));
    }
  }
};

AsyncCaller::AsyncCaller(std::shared_ptr<const ServiceClient> service, std::shared_ptr<AsyncEngine> engine,
                         TransportFactory make_transport)
    : core_(std::make_shared<Core>(std::move(service), std::move(engine))) {
  core_->engine->run_and_wait([this, &make_transport] { core_->transport = make_transport(core_->engine->loop()); });
}

AsyncCaller::TransportFactory AsyncCaller::curl(CurlTransportOptions options) {
  return [options = std::move(options)](EventLoop& loop) mutable {
    return std::unique_ptr<AsyncTransport>(std::make_unique<CurlMultiTransport>(loop, std::move(options)));
  };
}

AsyncCaller::~AsyncCaller() {
  // run_and_wait runs it inline on the loop thread: a completion may destroy its own client. The
  // transport goes last, on the loop: loop tasks still queued for this caller find no call and
  // never reach it.
  core_->engine->run_and_wait([core = core_] {
    core->cancel_all();
    core->transport.reset();
  });
}

AsyncCaller::CallId AsyncCaller::start(ApiCall call, Completion done) {
  CallContext context = core_->service->context({}, call.timeout);
  return start(std::move(call), std::move(context), std::move(done));
}

AsyncCaller::CallId AsyncCaller::fail(std::exception_ptr error, Completion done) {
  ApiCall nothing;
  nothing.method = "(refused)";  // names the call in a Cancelled message only
  CallContext context = core_->service->context({});
  return start(std::move(nothing), std::move(context), std::move(done), std::move(error));
}

AsyncCaller::CallId AsyncCaller::start(ApiCall call, CallContext context, Completion done) {
  return start(std::move(call), std::move(context), std::move(done), nullptr);
}

AsyncCaller::CallId AsyncCaller::later(std::string what, CallContext context, Completion done) {
  ApiCall nothing;
  nothing.method = std::move(what);  // names the call in a Cancelled message only
  nothing.path = "(no request)";
  return start(std::move(nothing), std::move(context), std::move(done), nullptr, /*sends_nothing=*/true);
}

AsyncCaller::CallId AsyncCaller::start(ApiCall call, CallContext context, Completion done, std::exception_ptr refused,
                                       bool sends_nothing) {
  // Read here: once posted, the op is the loop's (it moves the context out when the call begins).
  const CancellationToken token = context.cancellation;
  const std::string what = call.method + " " + call.path;
  auto op = std::make_shared<Op>();
  op->call = std::move(call);
  op->context.emplace(std::move(context));
  op->refused = std::move(refused);
  op->sends_nothing = sends_nothing;
  op->done = std::move(done);
  {
    const std::lock_guard lock(core_->mutex);
    if (!core_->closed) {
      op->id = core_->next_id++;
      core_->ops.emplace(op->id, op);
    }
  }
  if (op->id == 0) {
    // Started by a completion while the caller is being destroyed (on the loop thread, inside
    // cancel_all): completed here, since no later task of this caller will run.
    core_->finish(*op, core_->cancelled(*op, "because the client was destroyed"));
    return 0;
  }
  const CallId id = op->id;
  const bool posted = core_->engine->loop().post([weak = std::weak_ptr<Core>(core_), id] {
    if (const auto core = weak.lock()) core->begin(id);
  });
  if (posted && token.can_be_cancelled()) {
    // After the task that begins the call: a token cancelled already cancels it right after.
    auto registration = token.on_cancel([this_caller = std::weak_ptr<Core>(core_), id] {
      if (const auto core = this_caller.lock()) {
        core->engine->loop().post([weak = std::weak_ptr<Core>(core), id] {
          if (const auto c = weak.lock()) c->cancel(id);
        });
      }
    });
    const std::lock_guard lock(core_->mutex);
    if (core_->ops.contains(id)) op->on_cancel = std::move(registration);
  }
  if (!posted) {
    // Only in a child process forked after the engine started: its loop thread is the parent's.
    core_->complete(id, std::make_exception_ptr(TransportError(
                            TransportError::Reason::refused_locally,
                            what + ": this async client was made before fork(); make a new one in this process")));
  }
  return id;
}

void AsyncCaller::cancel(CallId id) {
  core_->engine->loop().post([weak = std::weak_ptr<Core>(core_), id] {
    if (const auto core = weak.lock()) core->cancel(id);
  });
}

std::size_t AsyncCaller::in_flight() const {
  const std::lock_guard lock(core_->mutex);
  return core_->ops.size();
}

const std::shared_ptr<AsyncEngine>& AsyncCaller::engine() const noexcept { return core_->engine; }
const ServiceClient& AsyncCaller::service() const noexcept { return *core_->service; }
AsyncTransport& AsyncCaller::transport() const noexcept { return *core_->transport; }

}  // namespace loginid::detail
