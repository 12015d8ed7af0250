#pragma once
// The HTTP face of the emulator: routes (at the root and under /api/native), request parsing,
// the mapping of ApiError to status + {"code","message"}, X-Request-ID, CORS, logging. The
// transport (sockets, limits, timeouts, threads) is http/event_server.hpp.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <unordered_map>
#include <vector>

#include "emulator/http/event_server.hpp"
#include "emulator/http/request.hpp"
#include "emulator/service/service.hpp"
#include "emulator/tls/server_tls.hpp"

namespace loginid::detail::emulator::http {

enum class LogLevel { off, error, info, debug };

struct ServerOptions {
  std::size_t workers = 4;          ///< event-loop threads: sockets, token checks, reads, answers
  std::size_t store_workers = 2;    ///< threads for the routes that write SQLite (add_route)
  std::size_t slow_workers = 2;     ///< threads for the password-hashing handlers (add_slow_route)
  std::size_t max_waiters = 10000;  ///< parked wait_code calls (each costs a socket, no thread)
  /// Connections besides the parked waiters; the open-file limit is raised for both.
  std::size_t max_other_connections = 1024;
  std::optional<std::string> admin_token;
  LogLevel log_level = LogLevel::info;
  /// Serve https with this certificate and key (TLS 1.2+); unset: plain http.
  std::optional<tls::ServerIdentity> tls;
  /// Test hook, unset in the emulator: runs on the password pool before each password route
  /// (add_slow_route), so a test can hold that pool busy and show what is still answered.
  std::function<void()> before_slow_route;
  /// Test hook, unset in the emulator: runs on the store pool before each route that may write the
  /// store (add_route, add_deferred_route), so a test can hold that pool busy and show what the
  /// event loops still answer.
  std::function<void()> before_store_route;
};

class Server;

/// The answer of a deferred route (a long poll), given later from any thread, exactly once: fill()
/// runs with the same error mapping as a route's body (an ApiError thrown there becomes its JSON
/// answer). An Answer dropped unanswered answers 500.
class Answer {
 public:
  /// `base`: the headers every answer to the request carries (X-Request-ID, CORS).
  Answer(Server& server, std::shared_ptr<const Request> request, std::shared_ptr<const Response> base,
         Responder responder)
      : server_(&server), request_(std::move(request)), base_(std::move(base)), responder_(std::move(responder)) {}
  void operator()(const std::function<void(Response&)>& fill) const;
  /// Runs `callback` (once) when the client closes the connection before the answer (at once if
  /// it already has); see Responder::on_client_gone.
  void on_client_gone(std::function<void()> callback) const;

 private:
  Server* server_;
  std::shared_ptr<const Request> request_;
  std::shared_ptr<const Response> base_;
  Responder responder_;
};

class Server {
 public:
  Server(Service& service, ServerOptions options);
  /// Stops, and answers the waits still parked (shutting_down) before the transport goes away.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Throws std::runtime_error saying why (e.g. "port 8080 on 127.0.0.1 is already in use") when
  /// host:port cannot be bound now. For a start-up check before anything else is touched.
  static void check_bindable(const std::string& host, int port);
  /// Raises the open-file limit to fit max_waiters + max_other_connections; throws
  /// std::runtime_error saying which limit to raise when the system refuses. bind() does it too;
  /// this is for a start-up check before anything else is touched.
  static void reserve_open_files(const ServerOptions& options);
  /// Raises the open-file limit for max_waiters + max_other_connections (throws std::runtime_error
  /// saying what to do when the system refuses), binds (port 0 picks a free one); returns the
  /// bound port. Throws std::runtime_error.
  int bind(const std::string& host, int port);
  /// Serves until stop(); returns once requests in progress are answered (bounded).
  void run();
  /// Safe from any thread, also before run() has started (a signal right after start-up).
  void stop();
  /// See EventServer::open_connections (0: no request is being handled).
  [[nodiscard]] std::size_t open_connections() const { return transport_->open_connections(); }
  /// "https" with ServerOptions::tls, else "http".
  [[nodiscard]] const char* scheme() const noexcept { return tls_ ? "https" : "http"; }

 private:
  friend class Answer;
  using Handler = std::function<void(const Request&, Response&)>;
  using DeferredHandler = std::function<void(const Request&, const Answer&)>;
  struct Route {
    std::string method;
    std::string pattern;
    std::regex regex;
    bool literal = false;  // the pattern has no regex syntax: matched by a map lookup
    bool admin = false;
    bool on_loop = false;       // answers from memory or store reads that never wait: on the event loop
    bool slow = false;          // spends tens of milliseconds of CPU: runs on the slow pool
    bool may_wait = false;      // its answer may come much later (add_deferred_route)
    DeferredHandler handler;
  };
  /// A route that may write the store (or wait on its write lock): it runs on the store pool.
  void add_route(const char* method, const std::string& pattern, Handler handler, bool admin = false);
  /// A route whose answer may come later (from the service's completion), e.g. the long poll.
  void add_deferred_route(const char* method, const std::string& pattern, DeferredHandler handler, bool admin = false);
  /// A route that runs on the event loop that read the request, with no hand-off: it answers from
  /// memory or with store reads that never wait for a writer (the Store's read connections, WAL),
  /// writes nothing to the store, and never blocks. It keeps answering while SQLite writes wait.
  void add_loop_route(const char* method, const std::string& pattern, Handler handler);
  /// A route that hashes a password (Argon2id: tens of milliseconds of CPU and 19 MiB): it runs on
  /// its own small pool, so a burst of password logins never takes the workers from other calls.
  void add_slow_route(const char* method, const std::string& pattern, Handler handler);
  void add_api_routes();
  void add_fido2_routes();
  void add_admin_routes();
  /// On the thread that read the request: routes it, and answers it there or hands it to the store
  /// or slow pool.
  void handle(const std::shared_ptr<Request>& request, const Responder& responder);
  const Route* find_route(Request& request, bool& path_known) const;
  void run_route(const Route& route, const std::shared_ptr<Request>& request, const Responder& responder);
  /// Runs `fill` under the ApiError -> JSON mapping.
  void fill_answer(const Request& req, Response& res, const std::function<void(Response&)>& fill);
  /// X-Request-ID, the log line, and out.
  void finish(const Request& req, Response res, const Responder& responder);
  void on_error(const Request& req, Response& res);
  /// A browser request (it has an Origin) whose application does not allow that origin: logged and
  /// refused with 403 origin_not_allowed.
  void check_origin(const Request& req);
  void log_request(const Request& req, const Response& res);

  Service& service_;
  ServerOptions options_;
  std::vector<Route> routes_;  // in registration order: the first match wins
  std::unordered_map<std::string, std::size_t> literal_routes_;  // "METHOD path" -> index
  std::unique_ptr<tls::ServerTls> tls_;  // before transport_: its SSL_CTX points at it
  std::unique_ptr<EventServer> transport_;
};

}  // namespace loginid::detail::emulator::http
