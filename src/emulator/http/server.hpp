#pragma once
// The HTTP face of the emulator: routes (at the root and under /api/native), request parsing,
// the mapping of ApiError to status + {"code","message"}, X-Request-ID, limits and timeouts.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "emulator/service/service.hpp"
#include "emulator/tls/server_tls.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace loginid::detail::emulator::http {

enum class LogLevel { off, error, info, debug };

struct ServerOptions {
  std::size_t workers = 64;     ///< threads for everything but parked waiters
  std::size_t max_waiters = 32;  ///< extra threads, one per parked wait_code
  std::optional<std::string> admin_token;
  LogLevel log_level = LogLevel::info;
  /// Serve https with this certificate and key (TLS 1.2+); unset: plain http.
  std::optional<tls::ServerIdentity> tls;
};

class Server {
 public:
  Server(Service& service, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Throws std::runtime_error saying why (e.g. "port 8080 on 127.0.0.1 is already in use") when
  /// host:port cannot be bound now. For a start-up check before anything else is touched.
  static void check_bindable(const std::string& host, int port);
  /// Binds (port 0 picks a free one); returns the bound port. Throws std::runtime_error.
  int bind(const std::string& host, int port);
  /// Serves until stop(); returns once in-flight requests are done.
  void run();
  /// Safe from any thread, also before run() has started (a signal right after start-up).
  void stop();
  /// "https" with ServerOptions::tls, else "http".
  [[nodiscard]] const char* scheme() const noexcept { return tls_ ? "https" : "http"; }

 private:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
  void add_route(const char* method, const std::string& pattern, Handler handler, bool admin = false);
  void add_api_routes();
  void add_fido2_routes();
  void add_admin_routes();
  void on_error(const httplib::Request& req, httplib::Response& res);
  /// A browser request (it has an Origin) whose application does not allow that origin: logged and
  /// refused with 403 origin_not_allowed.
  void check_origin(const httplib::Request& req);
  void log_request(const httplib::Request& req, const httplib::Response& res);

  Service& service_;
  ServerOptions options_;
  std::unique_ptr<tls::ServerTls> tls_;  // before server_: its SSL_CTX points at it
  std::unique_ptr<httplib::Server> server_;
  std::vector<std::regex> known_paths_;  // to tell 405 (known path, other method) from 404
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> run_finished_{false};
};

}  // namespace loginid::detail::emulator::http
