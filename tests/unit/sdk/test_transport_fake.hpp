#pragma once
// Test doubles for the SDK infrastructure tests: a scripted, recording, fault-injecting
// HttpTransport and a manual clock that a fake sleeper (or the transport) can advance.

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "loginid/options.hpp"
#include "failure.hpp"
#include "loginid/transport.hpp"

namespace loginid::test {

/// A clock under the test's control; safe to read and advance from many threads.
class ManualClock {
 public:
  explicit ManualClock(std::chrono::system_clock::time_point start = std::chrono::system_clock::time_point{
                           std::chrono::seconds(1'795'910'400)})
      : now_ns_(start.time_since_epoch().count()) {}
  [[nodiscard]] std::chrono::system_clock::time_point now() const {
    return std::chrono::system_clock::time_point(std::chrono::system_clock::duration(now_ns_.load()));
  }
  void advance(std::chrono::system_clock::duration by) { now_ns_ += by.count(); }
  /// A loginid::Clock reading this clock (the clock must outlive it).
  [[nodiscard]] Clock as_clock() const {
    return [this] { return now(); };
  }

 private:
  std::atomic<std::chrono::system_clock::duration::rep> now_ns_;
};

/// Records every request; each answer comes from the handler (which may throw TransportError).
class ScriptedTransport final : public HttpTransport {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest& request, int call_index)>;

  explicit ScriptedTransport(Handler handler = {}) : handler_(std::move(handler)) {}

  void set_handler(Handler handler) {
    const std::lock_guard lock(mutex_);
    handler_ = std::move(handler);
  }

  HttpResponse send(const HttpRequest& request) override {
    Handler handler;
    int index = 0;
    {
      const std::lock_guard lock(mutex_);
      requests_.push_back(request);
      index = static_cast<int>(requests_.size()) - 1;
      handler = handler_;
    }
    if (!handler) {
      return HttpResponse{200, {}, "{}"};
    }
    return handler(request, index);  // outside the lock: handlers may block (single-flight tests)
  }

  [[nodiscard]] std::vector<HttpRequest> requests() const {
    const std::lock_guard lock(mutex_);
    return requests_;
  }
  [[nodiscard]] std::size_t count() const {
    const std::lock_guard lock(mutex_);
    return requests_.size();
  }

 private:
  mutable std::mutex mutex_;
  Handler handler_;
  std::vector<HttpRequest> requests_;
};

inline HttpResponse answer(int status, std::string body, HttpHeaders headers = {}) {
  return HttpResponse{status, std::move(headers), std::move(body)};
}

/// The value of header `name` in a recorded request ("" when absent; names compared exactly).
inline std::string header_of(const HttpRequest& request, const std::string& name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) {
      return value;
    }
  }
  return {};
}

}  // namespace loginid::test
