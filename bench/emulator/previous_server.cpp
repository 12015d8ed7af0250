// "The previous emulator" of bench/emulator/run.sh, kept for the record: the HTTP stack the emulator
// had before the event-driven server (cpp-httplib 0.11, a thread per connection: 64 workers + 32
// waiter threads, 2 s read and keep-alive timeouts, 5 s writes) with the same per-request wrapping
// (X-Request-ID, CORS pre-routing, ApiError mapping), serving the benchmarked endpoints through
// today's service and store. Only what the benchmark calls: GET /certs, POST /manage/users,
// POST /manage/users/retrieve, GET /emulator/keys, GET /emulator/health.
//   emulator_previous_server DB  -> writes DB.credentials.json, prints "listening on http://127.0.0.1:PORT"
#include <httplib.h>
#include <sys/socket.h>

#include <cctype>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>

#include "emulator/http/json_input.hpp"
#include "emulator/http/shapes.hpp"
#include "emulator/service/service.hpp"
#include "emulator/service/util.hpp"
#include "emulator/store/store.hpp"

namespace {

using namespace loginid::detail::emulator;
using http::optional_string;
using http::parse_object;
using http::required_string;

void write_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

int status_of(Errc code) {
  switch (code) {
    case Errc::bad_request: return 400;
    case Errc::unauthorized: return 401;
    case Errc::forbidden: return 403;
    case Errc::not_found: return 404;
    case Errc::user_already_exists: return 409;
    default: return 500;
  }
}

std::string request_id_for(const httplib::Request& req) {
  auto sent = req.get_header_value("X-Request-ID");
  bool sane = !sent.empty() && sent.size() <= 128;
  for (char c : sent) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':')) sane = false;
  }
  return sane ? sent : new_uuid();
}

std::optional<std::string> header(const httplib::Request& req, const char* name) {
  if (!req.has_header(name)) return std::nullopt;
  return req.get_header_value(name);
}

CallerCredentials credentials_of(const httplib::Request& req, const nlohmann::json& body) {
  return {header(req, "Authorization"), header(req, "X-Client-ID"), optional_string(body, "client_id")};
}

ScopeRule scoped(const char* scope) { return {ScopeRule::Kind::scoped, scope, {}}; }

using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

/// The previous server's per-route wrapper.
httplib::Server::Handler wrapped(Handler handler) {
  return [handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
    res.set_header("X-Request-ID", request_id_for(req));
    try {
      if (req.has_header("Origin")) throw ApiError(Errc::forbidden, "the benchmark sends no Origin");
      handler(req, res);
    } catch (const ApiError& e) {
      write_json(res, status_of(e.code()), {{"code", "error"}, {"message", e.what()}});
    } catch (const std::exception&) {
      write_json(res, 500, {{"code", "internal_error"}, {"message", "internal error"}});
    }
  };
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: emulator_previous_server DB\n");
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  const std::string db = argv[1];
  loginid::detail::store::Store store(db);
  Service service(store, ServiceConfig{});
  const auto defaults = service.ensure_defaults();

  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(64 + 32); };
  server.set_payload_max_length(64 * 1024);
  server.set_read_timeout(2, 0);
  server.set_write_timeout(5, 0);
  server.set_keep_alive_timeout(2);
  server.set_keep_alive_max_count(100000);
  server.set_tcp_nodelay(true);
  server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    return httplib::Server::HandlerResponse::Unhandled;  // add_cors_headers: no Origin, nothing to add
  });
  server.set_post_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.has_header("X-Request-ID")) res.set_header("X-Request-ID", request_id_for(req));
  });
  server.Get("/certs", wrapped([&](const httplib::Request& req, httplib::Response& res) {
    auto pem = service.public_key_pem(req.get_param_value("kid"));
    if (!pem) throw ApiError(Errc::not_found, "no key with this kid");
    res.set_header("Cache-Control", "public, max-age=300");
    res.set_content(*pem, "text/plain");
  }));
  server.Post("/manage/users", wrapped([&](const httplib::Request& req, httplib::Response& res) {
    auto body = parse_object(req.body);
    auto caller = service.authenticate(credentials_of(req, body), scoped("users.create"));
    write_json(res, 200, http::user_json(service.create_user(caller, required_string(body, "username"))));
  }));
  server.Post("/manage/users/retrieve", wrapped([&](const httplib::Request& req, httplib::Response& res) {
    auto body = parse_object(req.body);
    auto caller = service.authenticate(credentials_of(req, body), scoped("users.retrieve"));
    write_json(res, 200, http::user_json(service.get_user(caller, required_string(body, "username"))));
  }));
  server.Get("/emulator/keys", wrapped([&](const httplib::Request&, httplib::Response& res) {
    auto keys = nlohmann::json::array();
    for (const auto& key : service.list_keys()) keys.push_back(http::key_json(key));
    write_json(res, 200, {{"keys", keys}});
  }));
  server.Get("/emulator/health", wrapped([&](const httplib::Request&, httplib::Response& res) {
    write_json(res, 200, {{"status", "ok"}, {"waiters", 0}});
  }));

  int listen_socket = -1;
  server.set_socket_options([&listen_socket](socket_t sock) {
    httplib::default_socket_options(sock);
    listen_socket = sock;
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port < 0) return 1;
  if (listen_socket >= 0) ::listen(listen_socket, SOMAXCONN);  // as the previous emulator did
  std::ofstream(db + ".credentials.json")
      << nlohmann::json{{"web", {{"client_id", defaults.web_client_id}, {"private_key", defaults.web_private_key}}},
                        {"management",
                         {{"client_id", defaults.management_client_id},
                          {"private_key", defaults.management_private_key}}}}
             .dump();
  std::printf("listening on http://127.0.0.1:%d\n", port);
  std::fflush(stdout);
  server.listen_after_bind();
  return 0;
}
