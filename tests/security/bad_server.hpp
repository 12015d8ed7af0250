#pragma once
// A misbehaving HTTP server on loopback for the hardening tests (faults_*, deep_input_*): raw
// sockets in a thread of the test process, answering each request with whatever the test's
// behaviour says (an answer, a reset, a stall, a truncated answer), and counting requests.
// Serves one connection at a time; stopped and joined on destruction.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace loginid::security_test {

// What the server does with one request.
struct Action {
  enum class Kind { respond, reset, stall, truncate } kind = Kind::respond;
  std::string bytes;  // the (possibly partial) answer written before acting
};

inline Action respond(int status, std::string body, std::string extra_headers = {}) {
  std::string text = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\nConnection: close\r\n" + extra_headers + "\r\n" + body;
  return Action{Action::Kind::respond, std::move(text)};
}

class BadServer {
 public:
  using Behaviour = std::function<Action(int index)>;

  explicit BadServer(Behaviour behaviour) : behaviour_(std::move(behaviour)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener_, 16) != 0) {
      throw std::runtime_error("cannot listen on loopback");
    }
    socklen_t size = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &size);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~BadServer() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }

  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] int requests() const { return static_cast<int>(seen_.load()); }
  /// When each request arrived.
  [[nodiscard]] std::vector<std::chrono::steady_clock::time_point> arrivals() const {
    const std::lock_guard lock(mutex_);
    return arrivals_;
  }

 private:
  // Waits (bounded, interruptible by stop_) until `fd` is readable.
  bool wait_readable(int fd, std::chrono::milliseconds limit) const {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!stop_ && std::chrono::steady_clock::now() < until) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) > 0) return true;
    }
    return false;
  }

  // Reads one request (headers + Content-Length body); false when the peer gave up.
  bool read_request(int fd) const {
    std::string data;
    char buffer[4096];
    std::size_t header_end = std::string::npos;
    std::size_t need = 0;
    while (true) {
      if (header_end != std::string::npos && data.size() >= header_end + 4 + need) return true;
      if (!wait_readable(fd, std::chrono::milliseconds(5000))) return false;
      const auto n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) return false;
      data.append(buffer, static_cast<std::size_t>(n));
      if (header_end == std::string::npos && (header_end = data.find("\r\n\r\n")) != std::string::npos) {
        const auto at = data.find("Content-Length: ");
        if (at != std::string::npos && at < header_end) need = std::stoul(data.substr(at + 16));
      }
    }
  }

  void send_all(int fd, std::string_view bytes) const {
    while (!bytes.empty()) {
      const auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  void handle(int fd) {
    if (!read_request(fd)) {
      ::close(fd);
      return;
    }
    const int index = static_cast<int>(seen_++);
    {
      const std::lock_guard lock(mutex_);
      arrivals_.push_back(std::chrono::steady_clock::now());
    }
    const Action action = behaviour_(index);
    send_all(fd, action.bytes);
    switch (action.kind) {
      case Action::Kind::respond:
      case Action::Kind::truncate:
        ::shutdown(fd, SHUT_WR);  // FIN: a truncated answer looks complete to a careless client
        wait_readable(fd, std::chrono::milliseconds(2000));
        break;
      case Action::Kind::reset: {
        linger hard{1, 0};  // close() now sends RST
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        break;
      }
      case Action::Kind::stall:
        wait_readable(fd, std::chrono::milliseconds(20'000));  // until the client gives up (or the test ends)
        break;
    }
    ::close(fd);
  }

  void serve() {
    while (!stop_) {
      if (!wait_readable(listener_, std::chrono::milliseconds(100))) continue;
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) handle(fd);
    }
  }

  Behaviour behaviour_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> seen_{0};
  mutable std::mutex mutex_;
  std::vector<std::chrono::steady_clock::time_point> arrivals_;
  std::thread thread_;
};

}  // namespace loginid::security_test
