#include "sdk/async/async_engine.hpp"

#include <exception>
#include <future>

#include "sdk/async/curl_multi_transport.hpp"

namespace loginid::detail {

AsyncEngine::AsyncEngine(TransportFactory make_transport) {
  run_and_wait([this, &make_transport] { transport_ = make_transport(loop_); });
}

std::shared_ptr<AsyncEngine> AsyncEngine::with_curl(CurlTransportOptions options) {
  return std::make_shared<AsyncEngine>([options = std::move(options)](EventLoop& loop) mutable {
    return std::unique_ptr<AsyncTransport>(std::make_unique<CurlMultiTransport>(loop, std::move(options)));
  });
}

AsyncEngine::~AsyncEngine() {
  try {
    run_and_wait([this] { transport_.reset(); });
  } catch (...) {
    // Only queuing the task can fail (no memory). The transport cannot be destroyed off the loop
    // thread while it runs, nor after the loop it refers to: it is left allocated instead.
    static_cast<void>(transport_.release());
  }
  // loop_ is destroyed after this body: it joins (or, on the loop thread, lets go of) the thread.
}

void AsyncEngine::run_and_wait(UniqueFunction<void()> task) {
  if (loop_.in_loop_thread()) {
    task();
    return;
  }
  std::promise<void> ran;
  std::future<void> done = ran.get_future();
  const bool posted = loop_.post([&task, &ran] {
    try {
      task();
      ran.set_value();
    } catch (...) {
      ran.set_exception(std::current_exception());
    }
  });
  if (!posted) {
    task();  // the loop has stopped: nothing else runs on its state any more
    return;
  }
  done.get();
}

}  // namespace loginid::detail
