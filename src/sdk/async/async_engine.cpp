#include "sdk/async/async_engine.hpp"

#include <exception>
#include <future>

namespace loginid::detail {

void AsyncEngine::run_and_wait(UniqueFunction<void()> task) {
  if (loop_.in_loop_thread()) {
    task();
    return;
  }
  std::promise<void> ran;
  std::future<void> done = ran.get_future();
  const bool posted = loop_.post([&task, &ran] {
    std::exception_ptr error;
    try {
      task();
    } catch (...) {
      error = std::current_exception();
    }
    if (error) {
      ran.set_exception(std::move(error));
    } else {
      ran.set_value();
    }
  });
  if (!posted) {
    task();  // the loop has stopped (a forked child): nothing else runs on its state any more
    return;
  }
  done.get();
}

}  // namespace loginid::detail
