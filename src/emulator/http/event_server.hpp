#pragma once
// The emulator's HTTP/1.1 server core, event-driven on Boost.Beast/Asio (docs/emulator.md,
// "Threading model"):
//   - `workers` threads (default 4) each run an event loop. A connection stays on one loop: its
//     thread accepts it (loop 0 accepts), reads, parses, runs the Handler of each request read
//     whole and writes the answer, with no hand-off between. The Handler must never wait on
//     SQLite's write lock or on a disk sync: it answers from memory or with reads that cannot
//     wait for the writer (WAL readers), and posts the rest to the store pool. The Scheduler's
//     deferred work and timers run on the loops too, under the same rule.
//   - A small store pool, post_store() (default 2 threads), runs the requests that write SQLite
//     or may wait on its write lock (busy_timeout) or fsync (synchronous=FULL): while it waits,
//     the loops keep accepting and answering everything else.
//   - A small slow pool, post_slow(), runs work that spends tens of milliseconds of CPU (password
//     hashing), so a burst of it never takes the other threads from everything else.
//   - A handler answers through a Responder, now or later from any thread: a request waiting for
//     its answer (a parked wait_code) holds its socket and a few records, never a thread.
// Each connection has a deadline per phase (idle keep-alive, reading one request, writing one
// answer) and bounded header and body sizes, so idle or slow clients cost a socket, not service.
// Connections are templated on the stream, so a TLS stream (Asio SSL) adds a handshake and a
// shutdown, not another server.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include <openssl/types.h>

#include "emulator/http/request.hpp"
#include "emulator/service/scheduler.hpp"

namespace loginid::detail::emulator::http {

struct EventServerOptions {
  /// Threads each running an event loop: sockets, handlers and the Scheduler's work.
  std::size_t workers = 4;
  /// Threads for work that writes SQLite or may wait on its locks (post_store).
  std::size_t store_workers = 2;
  std::size_t slow_workers = 2;
  /// Open connections at most; past it new ones wait in the listen backlog until one closes.
  std::size_t max_connections = 1024;
  std::size_t max_body = 64 * 1024;    ///< bigger bodies are refused with 413
  std::size_t max_header = 32 * 1024;  ///< request line and headers together; bigger: 431
  /// The request-target (path and query); longer: 414. Routes are matched with std::regex, whose
  /// libstdc++ matcher recurses once per character: unbounded paths would overflow the stack.
  std::size_t max_target = 8 * 1024;
  /// How long a kept-alive connection may wait for its next request (announced in Keep-Alive).
  std::chrono::milliseconds idle_timeout{5000};
  /// From the first byte of a request to its last: a slow sender is cut off (no answer).
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds write_timeout{5000};
  /// stop() waits this long for requests in progress before closing what is left.
  std::chrono::milliseconds drain_timeout{5000};
  /// Set: serve https. Called once, in the constructor, to set up the server's SSL_CTX (certificate,
  /// key, versions, callbacks; tls::ServerTls::configure); false refuses the setup. The SSL objects
  /// of connections carry their peer's address for tls::peer_of.
  std::function<bool(SSL_CTX&)> configure_tls;
};

/// The answer to one request: give it exactly once, from any thread. Later sends are ignored; a
/// Responder whose last copy goes away unanswered answers 500 (a bug never leaves a client hanging).
class Responder {
 public:
  struct State;
  explicit Responder(std::shared_ptr<State> state) : state_(std::move(state)) {}
  void send(Response response) const;
  /// Says the answer may come much later (a long poll): the connection frees its read buffer
  /// meanwhile, so a parked request costs its socket and a few records only, and watches the
  /// client: when it closes (or resets) the connection before the answer, on_client_gone's
  /// callback runs, and the answer, if it still comes, goes nowhere. Only from the Handler, on the
  /// thread that read the request, before the request is handed on.
  void will_wait() const;
  /// Runs `callback` once when the client of a will_wait() request has closed the connection
  /// before its answer was sent: on the connection's loop thread when that happens, or at once, on
  /// this thread, if it already has. It must not block (hand the work on). Any thread.
  void on_client_gone(std::function<void()> callback) const;

 private:
  std::shared_ptr<State> state_;
};

/// bind() failed. `system_error()` is the errno of the call that failed, or 0 when the host did not
/// resolve (the message says why).
class BindError : public std::runtime_error {
 public:
  BindError(const std::string& what, int system_error) : std::runtime_error(what), system_error_(system_error) {}
  [[nodiscard]] int system_error() const noexcept { return system_error_; }

 private:
  int system_error_;
};

class EventServer final : public Scheduler {
 public:
  /// Runs on the event loop's thread that read the request, for every request read whole. It must
  /// not wait on SQLite's write lock or a disk sync (post_store() that part) nor spend tens of
  /// milliseconds of CPU (post_slow()).
  using Handler = std::function<void(const std::shared_ptr<Request>& request, Responder responder)>;
  /// Fills the answer to a request that cannot be handled: `response.status` is set (400 malformed,
  /// 413 body too large, 414 target too long, 431 headers too large, 500 a handler that never
  /// answered) and `request`
  /// holds what could be read of it. Runs on any thread, and must not block.
  using ErrorHandler = std::function<void(const Request& request, Response& response)>;

  /// Throws std::runtime_error when configure_tls refuses.
  EventServer(EventServerOptions options, Handler handler, ErrorHandler on_error);
  /// Stops, waits for the store and slow pools, and drops what is left unanswered (nobody can receive it).
  ~EventServer() override;
  EventServer(const EventServer&) = delete;
  EventServer& operator=(const EventServer&) = delete;

  /// Binds and listens (port 0 picks a free one); returns the bound port. Throws BindError naming
  /// the address and the system's reason.
  int bind(const std::string& host, int port);
  /// Throws the BindError bind() would throw now, without keeping the port (a start-up check).
  static void check_bindable(const std::string& host, int port);
  /// Serves on this thread (and workers - 1 more) until stop() has drained the connections.
  void run();
  /// Stops accepting, closes idle connections, lets requests in progress finish (answers go out
  /// with Connection: close) for up to drain_timeout, then closes the rest. Any thread, any time,
  /// also before run().
  void stop();
  /// Waits for the work already posted to the store and slow pools (after run(): their answers go
  /// nowhere).
  void join_workers();
  /// Connections accepted and not yet destroyed. A connection lives until its request's handler
  /// has let go of the Responder, so 0 also means no handler is running for one (a test's quiet
  /// point: see tests/fuzz/fuzz_emulator_requests.cpp). Any thread.
  [[nodiscard]] std::size_t open_connections() const;

  /// Runs `work` on the slow pool (see the top of this file).
  void post_slow(std::function<void()> work);

  // Scheduler: work and timers on the event loops' threads (post from a loop's thread stays on that
  // loop; from another thread it goes to the loops in turn), writes on the store pool.
  void post(std::function<void()> work) override;
  void post_store(std::function<void()> work) override;
  std::shared_ptr<Timer> post_at(std::chrono::steady_clock::time_point when, std::function<void()> work) override;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;  // keeps Asio and Beast out of this header
};

}  // namespace loginid::detail::emulator::http
