#pragma once
// A misbehaving HTTP server on 127.0.0.1:<ephemeral> for the SDK's transports: raw sockets, so a
// test can script what no well-behaved server library would send (a stall after the headers, one
// byte at a time, an endless or truncated chunked body, a connection reset mid-answer, garbage).
// One thread per connection; each request is read (head and Content-Length body), counted, and
// answered by the test's script, which writes bytes, stalls until the test releases it (or the
// server stops), closes or resets. Everything it started ends in its destructor.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace loginid::test {

class HostileServer;

/// One accepted connection, as the script sees it.
class HostileConnection {
 public:
  HostileConnection(HostileServer& server, int fd) : server_(server), fd_(fd) {}

  /// Sends all of `bytes`; false when the client has gone (or the server is stopping).
  bool send(std::string_view bytes);
  /// Sends `bytes` one byte at a time, `gap` apart; false when the client has gone.
  bool drip(std::string_view bytes, std::chrono::milliseconds gap);
  /// Waits until the test releases the server, the server stops, or the client closes.
  void stall();
  /// Closes the connection with a TCP reset (SO_LINGER 0) instead of a FIN.
  void reset();
  /// Closes the connection normally (FIN).
  void close();
  [[nodiscard]] bool closed() const noexcept { return fd_ < 0; }
  /// The request being answered: "METHOD /path HTTP/1.1\r\n..." up to and with its body.
  std::string request;
  /// Index of this request among all requests the server read (0 for the first).
  std::size_t index = 0;

 private:
  friend class HostileServer;
  HostileServer& server_;
  int fd_;
};

class HostileServer {
 public:
  using Script = std::function<void(HostileConnection&)>;

  explicit HostileServer(Script script, int backlog = 64) : script_(std::move(script)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof addr;
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, backlog) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
      ADD_FAILURE() << "hostile server: no listening socket";
      return;
    }
    port_ = ntohs(addr.sin_port);
  }
  HostileServer(const HostileServer&) = delete;
  HostileServer& operator=(const HostileServer&) = delete;

  /// Starts accepting (a server never started leaves connections in the listen queue: "accepted
  /// by the kernel, never answered").
  void start() {
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~HostileServer() {
    stop();
    if (acceptor_.joinable()) acceptor_.join();
    std::vector<std::thread> threads;
    {
      const std::lock_guard lock(mutex_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }

  /// Ends every stall, and makes every script's sends fail from now on.
  void stop() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
      released_ = true;
    }
    changed_.notify_all();
  }

  /// Ends every stall (scripts go on with what follows their stall).
  void release() {
    {
      const std::lock_guard lock(mutex_);
      released_ = true;
    }
    changed_.notify_all();
  }

  [[nodiscard]] int port() const noexcept { return port_; }
  [[nodiscard]] std::string url(std::string_view path = "") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

  /// Requests read so far.
  [[nodiscard]] std::size_t requests() {
    const std::lock_guard lock(mutex_);
    return requests_.size();
  }
  [[nodiscard]] std::vector<std::string> seen() {
    const std::lock_guard lock(mutex_);
    return requests_;
  }
  /// Waits (an event, not a time: the guard only stops a broken test) until `count` requests were read.
  [[nodiscard]] bool wait_requests(std::size_t count, std::chrono::seconds guard = std::chrono::seconds(60)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, guard, [&] { return requests_.size() >= count; });
  }
  /// Connections closed by the client (read returned 0 or an error) so far.
  [[nodiscard]] std::size_t client_closes() {
    const std::lock_guard lock(mutex_);
    return client_closes_;
  }
  [[nodiscard]] bool wait_client_closes(std::size_t count, std::chrono::seconds guard = std::chrono::seconds(60)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, guard, [&] { return client_closes_ >= count; });
  }

  [[nodiscard]] bool stopping() {
    const std::lock_guard lock(mutex_);
    return stopping_;
  }

 private:
  friend class HostileConnection;

  void accept_loop() {
    while (!stopping()) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      const std::lock_guard lock(mutex_);
      threads_.emplace_back([this, fd] { serve(fd); });
    }
  }

  // Reads one request (head + Content-Length body) into `out`; false when the client closed.
  bool read_request(int fd, std::string& buffer, std::string& out) {
    for (;;) {
      const auto head_end = buffer.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        std::size_t body = 0;
        const auto at = lowercase(buffer.substr(0, head_end)).find("content-length:");
        if (at != std::string::npos) body = std::strtoull(buffer.c_str() + at + 15, nullptr, 10);
        const std::size_t total = head_end + 4 + body;
        if (buffer.size() >= total) {
          out = buffer.substr(0, total);
          buffer.erase(0, total);
          return true;
        }
      }
      if (!wait_readable(fd)) return false;
      char chunk[16384];
      const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
      if (got <= 0) return false;
      buffer.append(chunk, static_cast<std::size_t>(got));
    }
  }

  // Readable, or false when the server stops.
  bool wait_readable(int fd) {
    while (!stopping()) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) return true;
    }
    return false;
  }

  void serve(int fd) {
    HostileConnection connection(*this, fd);
    std::string buffer;
    while (!connection.closed()) {
      if (!read_request(connection.fd_, buffer, connection.request)) {
        const std::lock_guard lock(mutex_);
        if (!stopping_) ++client_closes_;
        changed_.notify_all();
        break;
      }
      {
        const std::lock_guard lock(mutex_);
        connection.index = requests_.size();
        requests_.push_back(connection.request);
      }
      changed_.notify_all();
      script_(connection);
    }
    connection.close();
  }

  static std::string lowercase(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  Script script_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::thread> threads_;
  std::vector<std::string> requests_;
  std::size_t client_closes_ = 0;
  bool stopping_ = false;
  bool released_ = false;
};

inline bool HostileConnection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    if (fd_ < 0 || server_.stopping()) return false;
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, 20) <= 0) continue;  // the client is not reading: wait, but notice a stop
    if ((p.revents & (POLLERR | POLLHUP)) != 0) return false;
    const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

inline bool HostileConnection::drip(std::string_view bytes, std::chrono::milliseconds gap) {
  for (char c : bytes) {
    if (!send(std::string_view(&c, 1))) return false;
    std::this_thread::sleep_for(gap);
  }
  return true;
}

inline void HostileConnection::stall() {
  for (;;) {
    {
      std::unique_lock lock(server_.mutex_);
      if (server_.changed_.wait_for(lock, std::chrono::milliseconds(20), [&] { return server_.released_; })) return;
    }
    // The client closed its end (a cancelled or timed-out call): nothing more to wait for.
    pollfd p{fd_, POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) return;
  }
}

inline void HostileConnection::reset() {
  if (fd_ < 0) return;
  const linger hard{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  ::close(fd_);
  fd_ = -1;
}

inline void HostileConnection::close() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
}

}  // namespace loginid::test
