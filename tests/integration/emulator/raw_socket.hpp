#pragma once
// Raw TCP to an emulator on loopback, below HTTP: for the tests and fuzzers that must put bytes on
// the wire that no HTTP client would send (garbage, slowloris, half requests) and read whatever
// comes back. Header-only and POSIX-only (no gtest, no library) so the libFuzzer build can use it.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace loginid::testing {

/// After connect() failed: true when it was only interrupted by a signal (EINTR; the fuzzer's timers
/// send them) and the connection then completed. A retried connect() would fail with EALREADY, so
/// this waits for the socket to become writable and reads the outcome from SO_ERROR.
inline bool connect_finished(int fd) {
  if (errno != EINTR) return false;
  pollfd pfd{fd, POLLOUT, 0};
  int ready = 0;
  do {
    ready = ::poll(&pfd, 1, 10'000);
  } while (ready < 0 && errno == EINTR);
  int error = 0;
  socklen_t length = sizeof error;
  return ready == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
}

/// A connected TCP socket to 127.0.0.1:`port`, or -1 (nothing left open) when the connection fails.
inline int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && !connect_finished(fd)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// Writes all of `bytes` (no SIGPIPE); false when the peer stopped taking them.
inline bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

/// Reads until the peer closes, `limit` passes or `max_bytes` have come; returns what came.
inline std::string read_until_close(int fd, std::chrono::milliseconds limit,
                                    std::size_t max_bytes = std::numeric_limits<std::size_t>::max()) {
  std::string data;
  char buffer[4096];
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until && data.size() < max_bytes) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    data.append(buffer, static_cast<std::size_t>(n));
  }
  return data;
}

}  // namespace loginid::testing
