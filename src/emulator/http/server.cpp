#include "emulator/http/server.hpp"

#include <openssl/crypto.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>

#include "emulator/http/cors.hpp"
#include "emulator/http/fido2_input.hpp"
#include "emulator/http/json_input.hpp"
#include "emulator/http/shapes.hpp"
#include "emulator/service/util.hpp"
#include "emulator/store/sqlite.hpp"

namespace loginid::detail::emulator::http {
namespace {

constexpr std::size_t kMaxBody = 64 * 1024;

std::string bind_error_text(const std::string& host, int port, int error) {
  const std::string where = host + ":" + std::to_string(port);
  switch (error) {
    case EADDRINUSE:
      return "port " + std::to_string(port) + " on " + host +
             " is already in use (another loginid-emulator?): stop that process, or pick another port with --port "
             "(--port 0 picks a free one)";
    case EACCES:
      return "cannot bind " + where + ": permission denied (ports below 1024 need privileges; use --port 8080)";
    case EADDRNOTAVAIL:
      return "cannot bind " + where + ": " + host + " is not an address of this machine (see --host)";
    default:
      return "cannot bind " + where + ": " + std::strerror(error);
  }
}

struct Status {
  int http;
  const char* code;
};

Status status_of(Errc code) {
  switch (code) {
    case Errc::bad_request: return {400, "bad_request"};
    case Errc::invalid_code_type: return {400, "invalid_code_type"};
    case Errc::unauthorized: return {401, "unauthorized"};
    case Errc::forbidden: return {403, "forbidden"};
    case Errc::origin_not_allowed: return {403, "origin_not_allowed"};
    case Errc::not_found: return {404, "not_found"};
    case Errc::method_not_allowed: return {405, "method_not_allowed"};
    case Errc::user_already_exists: return {409, "user_already_exists"};
    case Errc::user_inactive: return {403, "user_inactive"};
    case Errc::code_invalid: return {400, "code_invalid"};
    case Errc::code_expired: return {410, "code_expired"};
    case Errc::code_timeout: return {408, "code_timeout"};
    case Errc::payload_too_large: return {413, "payload_too_large"};
    case Errc::too_many_requests: return {429, "too_many_requests"};
    case Errc::password_mismatch: return {400, "password_mismatch"};
    case Errc::password_too_weak: return {400, "password_too_weak"};
    case Errc::credential_invalid: return {401, "credential_invalid"};
    case Errc::challenge_invalid: return {400, "challenge_invalid"};
    case Errc::credential_exists: return {409, "credential_exists"};
    case Errc::not_implemented: return {501, "not_implemented"};
    case Errc::shutting_down: return {503, "shutting_down"};
    case Errc::client_gone: return {499, "client_closed_request"};  // nginx's status: only ever logged
    case Errc::internal_error: return {500, "internal_error"};
  }
  return {500, "internal_error"};
}

void write_json(Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  // Replace (never throw on) invalid UTF-8, should any reach a message: an answer must always go out.
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

/// An answer already serialised (user_json_text).
void write_json_text(Response& res, int status, std::string body) {
  res.status = status;
  res.set_content(std::move(body), "application/json");
}

void write_error(Response& res, Errc code, const std::string& message, std::int64_t retry_after_seconds = 1) {
  auto status = status_of(code);
  if (code == Errc::too_many_requests) res.set_header("Retry-After", std::to_string(retry_after_seconds));
  write_json(res, status.http, {{"code", status.code}, {"message", message}});
}

/// A client's X-Request-ID is echoed when it is short and plain; otherwise we make one.
std::string request_id_for(const Request& req) {
  auto sent = req.get_header_value("X-Request-ID");
  bool sane = !sent.empty() && sent.size() <= 128;
  for (char c : sent) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':')) sane = false;
  }
  return sane ? sent : new_request_id();
}

/// One whole line on stderr (lines of concurrent requests never interleave).
void log_line(const std::string& line) {
  static std::mutex log_mutex;
  std::lock_guard lock(log_mutex);
  std::fprintf(stderr, "%s\n", line.c_str());
}

/// TLS handshakes at debug (one line per connection attempt), failed ones at info.
tls::HandshakeLog tls_log(LogLevel level) {
  tls::HandshakeLog log;
  const auto stamped = [](const std::string& line) { log_line(format_rfc3339(now_ms()) + " " + line); };
  if (level >= LogLevel::debug) log.debug = stamped;
  if (level >= LogLevel::info) log.info = stamped;
  return log;
}

/// Constant-time comparison, so the admin token cannot be guessed byte by byte from timings.
bool same_secret(const std::string& given, const std::string& expected) {
  return given.size() == expected.size() && CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

std::optional<std::string> header(const Request& req, const char* name) {
  if (!req.has_header(name)) return std::nullopt;
  return req.get_header_value(name);
}

CallerCredentials credentials_of(const Request& req, const nlohmann::json& body) {
  return {header(req, "Authorization"), header(req, "X-Client-ID"), optional_string(body, "client_id")};
}

ScopeRule scoped(const char* scope) { return {ScopeRule::Kind::scoped, scope, {}}; }

/// A complete call (API.md "complete calls"): no service token; an Authorization header is ignored.
ScopeRule no_token() { return {ScopeRule::Kind::none, {}, {}}; }

UserRef user_ref(const nlohmann::json& body) {
  return {optional_string(body, "user_id"), optional_string(body, "username")};
}

std::string path_param(const Request& req, std::size_t index, const char* name) {
  auto value = req.matches[static_cast<int>(index)].str();
  if (!is_uuid(value)) throw ApiError(Errc::bad_request, std::string(name) + ": not a UUID");
  return value;
}

std::optional<std::string> query(const Request& req, const char* name) {
  if (!req.has_param(name)) return std::nullopt;
  return req.get_param_value(name);
}

std::string client_id_param(const Request& req, std::size_t index) {
  auto value = req.matches[static_cast<int>(index)].str();
  bool sane = !value.empty() && value.size() <= 128;
  for (char c : value) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '=')) sane = false;
  }
  if (!sane) throw ApiError(Errc::bad_request, "client_id: not a client id");
  return value;
}

/// The web settings of an admin request body (`prefix` names the enclosing object). Unknown
/// fields are refused, so a misspelt setting is never silently ignored.
WebSettingsChange web_settings_change(const nlohmann::json& object, const std::string& prefix) {
  for (const auto& item : object.items()) {
    const auto& key = item.key();
    if (key != "rp_id" && key != "rp_name" && key != "allowed_origins" && key != "public_init") {
      throw ApiError(Errc::bad_request, prefix + key +
                                            ": unknown web setting (the settings are rp_id, rp_name, allowed_origins, "
                                            "public_init)");
    }
  }
  WebSettingsChange change;
  change.rp_id = optional_string(object, "rp_id", prefix);
  change.rp_name = optional_string(object, "rp_name", prefix);
  change.public_init = optional_bool(object, "public_init", prefix);
  if (auto it = object.find("allowed_origins"); it != object.end() && !it->is_null()) {
    if (!it->is_array()) throw ApiError(Errc::bad_request, prefix + "allowed_origins: must be an array of strings");
    change.allowed_origins.emplace();
    for (const auto& origin : *it) {
      if (!origin.is_string()) {
        throw ApiError(Errc::bad_request, prefix + "allowed_origins: must be an array of strings");
      }
      change.allowed_origins->push_back(origin.get<std::string>());
    }
  }
  return change;
}

constexpr const char* kNoDocScan =
    "not implemented: document scan (AuthID) is not emulated; it needs a person scanning an ID document. The real "
    "LoginID service offers it";

template <typename T, typename ToJson>
nlohmann::json list_json(const std::vector<T>& rows, ToJson to_json) {
  auto out = nlohmann::json::array();
  for (const auto& row : rows) out.push_back(to_json(row));
  return out;
}


/// True when `pattern` has no regex syntax, so only that exact path matches it.
bool is_literal(const std::string& pattern) {
  return pattern.find_first_of("()[]{}.*+?^$|\\") == std::string::npos;
}

/// The length of the /api/native prefix on `path` (routes are served with and without it), or 0.
std::size_t native_prefix(const std::string& path) {
  constexpr std::string_view kNative = "/api/native";
  return path.starts_with(kNative) && (path.size() == kNative.size() || path[kNative.size()] == '/') ? kNative.size()
                                                                                                     : 0;
}

/// Open files the process needs beyond its connections: the database and its WAL and shared memory
/// (twice: a second connection writes seen nonces), the listening socket, standard streams.
constexpr std::size_t kOtherOpenFiles = 64;

/// Raises the soft RLIMIT_NOFILE to `needed` (the hard one too when the process may).
void ensure_open_files(std::size_t needed, std::size_t max_waiters) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) throw std::runtime_error("cannot read the open-file limit");
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= needed) return;
  rlimit raised = limit;
  raised.rlim_cur = needed;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) raised.rlim_max = needed;
  if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) return;
  throw std::runtime_error("--max-waiters " + std::to_string(max_waiters) + " needs up to " + std::to_string(needed) +
                           " open files, but the system allows this process " + std::to_string(limit.rlim_max) +
                           " (the hard limit, ulimit -Hn): raise that limit (as root: ulimit -Hn " +
                           std::to_string(needed) + ", or LimitNOFILE= in a systemd unit) or lower --max-waiters");
}

}  // namespace

void Answer::operator()(const std::function<void(Response&)>& fill) const {
  Response res = *base_;
  server_->fill_answer(*request_, res, fill);
  server_->finish(*request_, std::move(res), responder_);
}

void Answer::on_client_gone(std::function<void()> callback) const { responder_.on_client_gone(std::move(callback)); }

Server::Server(Service& service, ServerOptions options) : service_(service), options_(std::move(options)) {
  add_api_routes();
  add_fido2_routes();
  add_admin_routes();
  EventServerOptions transport;
  transport.workers = options_.workers;
  transport.store_workers = options_.store_workers;
  transport.slow_workers = options_.slow_workers;
  transport.max_connections = options_.max_waiters + options_.max_other_connections;
  transport.max_body = kMaxBody;
  if (options_.tls) {
    tls_ = std::make_unique<tls::ServerTls>(std::move(*options_.tls), tls_log(options_.log_level));
    options_.tls.reset();
    transport.configure_tls = [this](SSL_CTX& ctx) { return tls_->configure(ctx); };
  }
  transport_ = std::make_unique<EventServer>(
      transport, [this](const std::shared_ptr<Request>& request, Responder responder) { handle(request, responder); },
      [this](const Request& req, Response& res) {
        on_error(req, res);
        if (!res.has_header("X-Request-ID")) res.set_header("X-Request-ID", request_id_for(req));
        log_request(req, res);
      });
}

Server::~Server() {
  transport_->stop();
  // Parked waits hold answers for connections that are gone now: they end here, before the
  // transport they would answer through.
  service_.begin_shutdown();
  transport_->join_workers();
}

void Server::reserve_open_files(const ServerOptions& options) {
  ensure_open_files(options.max_waiters + options.max_other_connections + kOtherOpenFiles, options.max_waiters);
}

void Server::check_bindable(const std::string& host, int port) {
  try {
    EventServer::check_bindable(host, port);
  } catch (const BindError& e) {
    if (e.system_error() != 0) throw std::runtime_error(bind_error_text(host, port, e.system_error()));
    throw;
  }
}

int Server::bind(const std::string& host, int port) {
  reserve_open_files(options_);
  try {
    return transport_->bind(host, port);
  } catch (const BindError& e) {
    if (e.system_error() != 0) throw std::runtime_error(bind_error_text(host, port, e.system_error()));
    throw;
  }
}

void Server::run() { transport_->run(); }

void Server::stop() { transport_->stop(); }

void Server::handle(const std::shared_ptr<Request>& request, const Responder& responder) {
  Request& req = *request;
  Response res;
  if (req.method == "OPTIONS" && req.has_header("Origin")) {
    if (is_admin_path(req.path)) {
      write_error(res, Errc::forbidden, "the admin API does not answer browser pages; call it from a shell, a test or a backend");
    } else {
      add_cors_headers(req, res);
      answer_preflight(res);
    }
    return finish(req, std::move(res), responder);
  }
  bool path_known = false;
  const Route* route = find_route(req, path_known);
  if (route == nullptr) {
    res.status = path_known ? 405 : 404;
    return finish(req, std::move(res), responder);
  }
  if (route->may_wait) responder.will_wait();  // a long poll: no read buffer while parked
  if (route->slow) {
    return transport_->post_slow([this, route, request, responder] {
      if (options_.before_slow_route) options_.before_slow_route();
      run_route(*route, request, responder);
    });
  }
  // Answers from memory and store reads that never wait for the writer: on the thread that read
  // the request, no hand-off (see event_server.hpp).
  if (route->on_loop) return run_route(*route, request, responder);
  // Everything else may write the store or wait on its write lock: on the store pool, so the loops
  // keep answering while SQLite waits.
  transport_->post_store([this, route, request, responder] {
    if (options_.before_store_route) options_.before_store_route();
    run_route(*route, request, responder);
  });
}

const Server::Route* Server::find_route(Request& req, bool& path_known) const {
  const std::string method = req.method == "HEAD" ? "GET" : req.method;  // HEAD: a GET without the body
  const std::size_t skip = native_prefix(req.path);
  const std::string rest = req.path.substr(skip);
  if (auto it = literal_routes_.find(method + " " + rest); it != literal_routes_.end()) return &routes_[it->second];
  for (const auto& route : routes_) {
    if (!route.literal && route.method == method &&
        std::regex_match(req.path.cbegin() + static_cast<std::ptrdiff_t>(skip), req.path.cend(), req.matches,
                         route.regex)) {
      return &route;
    }
  }
  for (const auto& route : routes_) {
    if (route.literal ? route.pattern == rest : std::regex_match(rest, route.regex)) path_known = true;
  }
  return nullptr;
}

void Server::run_route(const Route& route, const std::shared_ptr<Request>& request, const Responder& responder) {
  const Request& req = *request;
  auto base = std::make_shared<Response>();
  add_cors_headers(req, *base);
  base->set_header("X-Request-ID", request_id_for(req));
  const Answer answer(*this, request, std::move(base), responder);
  try {
    if (route.admin && req.has_header("Origin")) {
      // A page the developer happens to visit must not drive the admin API (it has no CORS, but a
      // form post or a no-cors fetch still arrives): browsers always send Origin on those.
      throw ApiError(Errc::forbidden,
                     "the admin API does not answer browser pages; call it from a shell, a test or a backend");
    }
    if (route.admin && options_.admin_token &&
        !same_secret(req.get_header_value("Authorization"), "Bearer " + *options_.admin_token)) {
      throw ApiError(Errc::unauthorized, "admin API needs Authorization: Bearer <admin token>");
    }
    if (!route.admin && req.has_header("Origin")) check_origin(req);
    route.handler(req, answer);
  } catch (...) {
    // Refused before the route answered (a deferred route may also have answered already: then
    // this is ignored).
    const auto error = std::current_exception();
    answer([&](Response&) { std::rethrow_exception(error); });
  }
}

void Server::fill_answer(const Request&, Response& res, const std::function<void(Response&)>& fill) {
  try {
    fill(res);
  } catch (const ApiError& e) {
    write_error(res, e.code(), e.what(), e.retry_after_seconds());
  } catch (const std::exception& e) {
    if (options_.log_level >= LogLevel::error) std::fprintf(stderr, "internal error: %s\n", e.what());
    write_error(res, Errc::internal_error, "internal error");
  }
}

void Server::finish(const Request& req, Response res, const Responder& responder) {
  if (res.status >= 400) on_error(req, res);  // CORS on every error; JSON where nothing wrote any
  if (!res.has_header("X-Request-ID")) res.set_header("X-Request-ID", request_id_for(req));
  log_request(req, res);
  responder.send(std::move(res));
}

void Server::on_error(const Request& req, Response& res) {
  add_cors_headers(req, res);     // also for answers no handler saw (413, 404): the page must read them
  if (!res.body.empty()) return;  // a handler already wrote its JSON error
  if (res.status == 413) return write_error(res, Errc::payload_too_large, "request body is over 64 KiB");
  if (res.status == 404) return write_error(res, Errc::not_found, "no such endpoint");
  if (res.status == 405) {
    return write_error(res, Errc::method_not_allowed, "method " + req.method + " is not allowed on this path");
  }
  if (res.status == 414) {
    return write_json(res, 414, {{"code", "uri_too_long"}, {"message", "request target is over 8 KiB"}});
  }
  if (res.status == 431) {
    return write_json(res, 431,
                      {{"code", "request_header_fields_too_large"}, {"message", "request headers are over 32 KiB"}});
  }
  if (res.status >= 500) return write_error(res, Errc::internal_error, "internal error");
  write_json(res, res.status, {{"code", "bad_request"}, {"message", "malformed HTTP request"}});
}

void Server::check_origin(const Request& req) {
  const auto origin = req.get_header_value("Origin");
  auto client_id = named_client_id(req);
  if (!client_id) return;  // the handler refuses it for the missing client_id
  auto app = service_.find_application(*client_id);
  if (!app || origin_allowed(app->web_settings.allowed_origins, origin)) return;
  std::string allowed;
  for (const auto& pattern : app->web_settings.allowed_origins) allowed += (allowed.empty() ? "" : ", ") + pattern;
  const auto shown = printable_origin(origin);
  if (options_.log_level >= LogLevel::error) {
    log_line(format_rfc3339(now_ms()) + " CORS: refused origin " + shown + " for application " + *client_id + " (" +
             req.method + " " + req.path + "); allowed: " + (allowed.empty() ? "none" : allowed) + "; " +
             how_to_allow_origin(*client_id, origin));
  }
  throw ApiError(Errc::origin_not_allowed, "origin " + shown + " is not allowed for application " + *client_id +
                                               " (allowed: " + (allowed.empty() ? "none" : allowed) + "); " +
                                               how_to_allow_origin(*client_id, origin));
}

void Server::log_request(const Request& req, const Response& res) {
  if (options_.log_level < LogLevel::info && !(options_.log_level >= LogLevel::error && res.status >= 500)) return;
  // Method, path (no query), status and request id only: never bodies, tokens or codes.
  log_line(format_rfc3339(now_ms()) + " " + req.method + " " + req.path + " " + std::to_string(res.status) + " " +
           res.get_header_value("X-Request-ID"));
}

void Server::add_route(const char* method, const std::string& pattern, Handler handler, bool admin) {
  add_deferred_route(
      method, pattern,
      [handler = std::move(handler)](const Request& req, const Answer& answer) {
        answer([&](Response& res) { handler(req, res); });
      },
      admin);
  routes_.back().may_wait = false;  // answers before its handler returns
}

void Server::add_loop_route(const char* method, const std::string& pattern, Handler handler) {
  add_route(method, pattern, std::move(handler));
  routes_.back().on_loop = true;
}

void Server::add_slow_route(const char* method, const std::string& pattern, Handler handler) {
  add_route(method, pattern, std::move(handler));
  routes_.back().slow = true;
}

void Server::add_deferred_route(const char* method, const std::string& pattern, DeferredHandler handler, bool admin) {
  Route route{method, pattern, std::regex(pattern), is_literal(pattern), admin, false, false, true, std::move(handler)};
  // A path registered earlier under a pattern wins over a later exact path, as in a linear search.
  for (const auto& earlier : routes_) {
    if (earlier.method == route.method && !earlier.literal && std::regex_match(pattern, earlier.regex)) {
      route.literal = false;
    }
  }
  if (route.literal) literal_routes_.emplace(route.method + " " + pattern, routes_.size());
  routes_.push_back(std::move(route));
}

void Server::add_api_routes() {
  add_loop_route("GET", "/certs", [this](const auto& req, auto& res) {
    // Without a kid: the current signing key (the published Python SDK asks so for a token without one).
    auto kid = query(req, "kid");
    auto pem = kid && !kid->empty() ? service_.public_key_pem(*kid) : service_.active_public_key_pem();
    if (!pem) throw ApiError(Errc::not_found, "no key with this kid");
    res.set_header("Cache-Control", "public, max-age=300");
    res.set_content(*pem, "text/plain");
  });
  add_loop_route("GET", "/.well-known/jwks.json", [this](const auto&, auto& res) {
    res.set_header("Cache-Control", "public, max-age=300");
    write_json(res, 200, service_.jwks());
  });

  // /api/tx: the published browser SDK's path for the same call (createAndConfirmTransaction).
  for (const char* path : {"/tx", "/api/tx"}) {
    add_route("POST", path, [this](const auto& req, auto& res) {
      auto body = parse_object(req.body);
      auto payload = required_string(body, "tx_payload");
      auto caller =
          service_.authenticate(credentials_of(req, body), {ScopeRule::Kind::tx_create, "tx.create", payload});
      auto tx = service_.create_tx(caller, payload, required_string(body, "nonce"), optional_string(body, "tx_type"),
                                   optional_string(body, "username"));
      write_json(res, 200, {{"id", tx.id}});
    });
  }

  add_route("POST", R"(/codes/([^/]+)/generate)", [this](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), scoped("codes.generate"));
    auto code = service_.generate_code(caller, req.matches[1].str(), required_string(body, "purpose"),
                                       optional_bool(body, "authorize").value_or(false), user_ref(body));
    write_json(res, 200,
               {{"code", code.code}, {"expires_at", format_rfc3339(code.expires_at)},
                {"is_authorized", code.is_authorized}});
  });
  add_route("POST", R"(/codes/([^/]+)/authorize)", [this](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), scoped("codes.authorize"));
    auto code = service_.authorize_code(caller, req.matches[1].str(), required_string(body, "purpose"),
                                        required_string(body, "code"), user_ref(body));
    write_json(res, 200, {{"expires_at", format_rfc3339(code.expires_at)}, {"is_authorized", code.is_authorized}});
  });
  add_route("POST", R"(/codes/([^/]+)/invalidate-all)", [this](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), scoped("codes.invalidate"));
    auto at = service_.invalidate_codes(caller, req.matches[1].str(), required_string(body, "purpose"),
                                        user_ref(body));
    write_json(res, 200, {{"deleted_at", format_rfc3339(at)}});
  });
  // The long poll answers from the service's completion: a parked wait holds no thread. A client
  // that closes its connection meanwhile ends the wait at once (its --max-waiters seat is free).
  add_deferred_route("POST", "/authenticate/code/wait", [this](const auto& req, const Answer& answer) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), {ScopeRule::Kind::optional, {}, {}});
    const auto& code = required_object(body, "authentication_code");
    auto abandon = service_.wait_code(
        caller, required_string(body, "username"), required_string(code, "code", "authentication_code."),
        required_string(code, "type", "authentication_code."), optional_bool(body, "no_jwt").value_or(false),
        *transport_, [answer](const WaitOutcome& outcome) {
          answer([&](auto& res) { write_json(res, 200, auth_json(outcome.get())); });
        });
    answer.on_client_gone(std::move(abandon));
  });

  add_route("POST", "/credentials/list", [this](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), scoped("credentials.list"));
    auto [user, credentials] = service_.list_credentials(caller, user_ref(body), optional_string(body, "status"));
    write_json(res, 200, {{"user_id", user.id}, {"credentials", list_json(credentials, credential_json)}});
  });
  // The published Node SDK (@loginid/node-sdk 0.8.3, getCredentials) lists with a GET and the user in
  // the query; same scope, rules and answer as POST /credentials/list.
  add_route("GET", "/credentials", [this](const auto& req, auto& res) {
    auto caller = service_.authenticate(credentials_of(req, nlohmann::json::object()), scoped("credentials.list"));
    auto [user, credentials] =
        service_.list_credentials(caller, {query(req, "user_id"), query(req, "username")}, query(req, "status"));
    write_json(res, 200, {{"user_id", user.id}, {"credentials", list_json(credentials, credential_json)}});
  });
  add_route("POST", "/credentials/rename", [this](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), scoped("credentials.rename"));
    const auto& credential = required_object(body, "credential");
    auto [user, renamed] =
        service_.rename_credential(caller, user_ref(body), required_string(credential, "uuid", "credential."),
                                   required_string(credential, "name", "credential."));
    write_json(res, 200, {{"user_id", user.id}, {"credential", credential_json(renamed)}});
  });
  add_route("POST", "/credentials/revoke", [this](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), scoped("credentials.revoke"));
    const auto& credential = required_object(body, "credential");
    auto [user, revoked] =
        service_.revoke_credential(caller, user_ref(body), required_string(credential, "uuid", "credential."));
    write_json(res, 200, {{"user_id", user.id}, {"credential", credential_json(revoked)}});
  });
  add_route("POST", "/credentials/publickey", [this](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), scoped("credentials.force_add"));
    std::optional<std::string> name;
    if (const auto* options = optional_object(body, "options")) {
      name = optional_string(*options, "credential_name", "options.");
    }
    auto result = service_.add_publickey_credential(caller, user_ref(body), required_string(body, "publickey_alg"),
                                                    required_string(body, "publickey"), name);
    write_json(res, 200, auth_json(result));
  });
  // Document scan (AuthID) is not emulated. Each call passes every check its real counterpart makes
  // (token and scope, the complete call needing none like every complete call; the body's fields;
  // the user and the credential it names), then answers 501 not_implemented.
  struct DocScanCall {
    const char* path;
    ScopeRule rule;
    bool names_credential;
  };
  const std::vector<DocScanCall> doc_scan = {
      {"/authenticate/authid/init", scoped("auth.login"), false},
      {"/authenticate/authid/complete", no_token(), true},
      {"/credentials/authid/init", scoped("credentials.force_add"), false},
      {"/credentials/authid/complete", scoped("credentials.force_add"), true},
      {"/credentials/authid/evaluate", scoped("credentials.retrieve_sensitive"), true},
  };
  for (const auto& call : doc_scan) {
    add_route("POST", call.path, [this, call](const auto& req, auto&) {
      auto body = parse_object(req.body);
      auto caller = service_.authenticate(credentials_of(req, body), call.rule);
      std::optional<std::string> credential_uuid;
      if (call.names_credential) {
        credential_uuid = required_string(body, "credential_uuid");
        if (!is_uuid(*credential_uuid)) throw ApiError(Errc::bad_request, "credential_uuid: not a UUID");
      }
      (void)optional_bool(body, "activate_credential");  // type-checked like any field
      service_.refuse_not_emulated(caller, user_ref(body), credential_uuid, kNoDocScan);
    });
  }
  add_route("POST", "/authenticate/publickey/init", [this](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), scoped("auth.login"));
    auto challenge = service_.publickey_init(caller, required_string(body, "username"),
                                             required_string(body, "publickey"),
                                             required_string(body, "publickey_alg"));
    write_json(res, 200, {{"challenge_id", challenge.id}, {"server_nonce", challenge.challenge}});
  });
  add_route("POST", "/authenticate/publickey/complete", [this](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), no_token());
    auto result = service_.publickey_complete(caller, required_string(body, "username"),
                                              required_string(body, "challenge_id"),
                                              required_string(body, "assertion"));
    write_json(res, 200, auth_json(result));
  });

  add_slow_route("POST", "/register/password", [this](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), scoped("auth.register"));
    auto result = service_.register_password(caller, required_string(body, "username"), required_string(body, "password"),
                                             required_string(body, "password_confirmation"));
    write_json(res, 200, auth_json(result));
  });
  add_slow_route("POST", "/authenticate/password", [this](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), scoped("auth.login"));
    auto result =
        service_.authenticate_password(caller, required_string(body, "username"), required_string(body, "password"));
    write_json(res, 200, auth_json(result));
  });
  add_slow_route("POST", "/credentials/recovery-code", [this](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), scoped("credentials.add_recovery"));
    auto [code, created_at] = service_.generate_recovery_code(caller, user_ref(body));
    write_json(res, 200, {{"code", code}, {"created_at", format_rfc3339(created_at)}});
  });

  add_route("POST", "/manage/users", [this](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), scoped("users.create"));
    write_json_text(res, 200, user_json_text(service_.create_user(caller, required_string(body, "username"))));
  });
  // On the loop (the emulator's hot read): the token check is CPU and the nonce cache memory; the
  // user is read through the store's read connections, which never wait for a writer; nothing is
  // written (no last-used or audit bookkeeping: the seen nonce is saved in batches by the
  // maintenance thread).
  add_loop_route("POST", "/manage/users/retrieve", [this](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), scoped("users.retrieve"));
    write_json_text(res, 200, user_json_text(service_.get_user(caller, required_string(body, "username"))));
  });
  add_route("POST", "/manage/users/delete", [this](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), scoped("users.delete"));
    service_.delete_user_by_username(caller, required_string(body, "username"));
    res.status = 204;
  });
  for (const bool active : {true, false}) {
    const char* action = active ? "activate" : "deactivate";
    const std::string scope = std::string("users.") + action;
    add_route("PUT", std::string(R"(/manage/users/([^/]+)/)") + action, [this, active, scope](const auto& req, auto& res) {
      auto body = parse_object(req.body, /*empty_ok=*/true);
      auto user_id = path_param(req, 1, "user_id");
      auto caller = service_.authenticate(credentials_of(req, body), {ScopeRule::Kind::scoped, scope, {}});
      write_json_text(res, 200, user_json_text(service_.set_user_active(caller, user_id, active)));
    });
  }
  add_route("DELETE", R"(/manage/users/([^/]+))", [this](const auto& req, auto& res) {
    auto body = parse_object(req.body, /*empty_ok=*/true);
    auto user_id = path_param(req, 1, "user_id");
    auto caller = service_.authenticate(credentials_of(req, body), scoped("users.delete"));
    service_.delete_user_by_id(caller, user_id);
    res.status = 204;
  });
}

void Server::add_fido2_routes() {
  // Browser-flow inits: no token needed when the application lets pages start them (web setting
  // public_init), else a token of the scope. Completes need none: the single-use challenge binds them.
  auto public_init = [](const char* scope) { return ScopeRule{ScopeRule::Kind::public_init, scope, {}}; };
  add_route("POST", "/register/fido2/init", [this, public_init](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), public_init("auth.register"));
    auto options = service_.register_fido2_init(caller, required_string(body, "username"), create_request_of(body));
    // Always a register_session: the browser SDK stores whatever comes back, "undefined" included.
    write_json(res, 200, {{"register_session", new_uuid()}, {"attestation_payload", attestation_payload_json(options)}});
  });
  add_route("POST", "/register/fido2/complete", [this](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), no_token());
    auto result = service_.register_fido2_complete(caller, required_string(body, "username"), attestation_of(body),
                                                   credential_name_of(body),
                                                   optional_bool(body, "no_jwt").value_or(false));
    write_json(res, 200, auth_json(result));
  });
  add_route("POST", "/credentials/fido2/init/code", [this, public_init](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), public_init("credentials.add"));
    const auto& code = required_object(body, "authentication_code");
    auto options = service_.add_fido2_credential_with_code_init(
        caller, required_string(body, "username"), required_string(code, "code", "authentication_code."),
        required_string(code, "type", "authentication_code."), create_request_of(body));
    write_json(res, 200, {{"attestation_payload", attestation_payload_json(options)}});
  });
  add_route("POST", "/credentials/fido2/init/force", [this](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), scoped("credentials.force_add"));
    auto options = service_.force_fido2_credential_init(caller, user_ref(body), create_request_of(body));
    write_json(res, 200, {{"attestation_payload", attestation_payload_json(options)}});
  });
  add_route("POST", "/credentials/fido2/complete", [this](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), no_token());
    auto result = service_.add_fido2_credential_complete(caller, required_string(body, "username"),
                                                         attestation_of(body), credential_name_of(body),
                                                         optional_bool(body, "no_jwt").value_or(false));
    write_json(res, 200, auth_json(result));
  });
  add_route("POST", "/authenticate/fido2/init", [this, public_init](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), public_init("auth.login"));
    auto options = service_.authenticate_fido2_init(caller, required_string(body, "username"));
    write_json(res, 200, {{"assertion_payload", assertion_payload_json(options)}});
  });
  add_route("POST", "/authenticate/fido2/complete", [this](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), no_token());
    auto result = service_.authenticate_fido2_complete(caller, required_string(body, "username"), assertion_of(body),
                                                       optional_bool(body, "no_jwt").value_or(false));
    write_json(res, 200, auth_json(result));
  });
  add_route("POST", R"(/codes/([^/]+)/generate/fido2/init)", [this, public_init](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), public_init("auth.login"));
    auto options = service_.generate_code_fido2_init(caller, req.matches[1].str(), required_string(body, "username"),
                                                     required_string(body, "purpose"));
    write_json(res, 200, {{"assertion_payload", assertion_payload_json(options)}});
  });
  add_route("POST", R"(/codes/([^/]+)/generate/fido2/complete)", [this](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), no_token());
    auto [result, code] = service_.generate_code_fido2_complete(caller, req.matches[1].str(),
                                                                required_string(body, "username"), assertion_of(body),
                                                                optional_bool(body, "no_jwt").value_or(false));
    auto out = auth_json(result);
    // `expire_at`, as the published browser SDK's SelfGenerateCodeResult names it.
    out["code_data"] = {{"code", code.code}, {"expire_at", format_rfc3339(code.expires_at)}, {"is_authorized", true}};
    write_json(res, 200, out);
  });
  add_route("POST", "/api/tx/init", [this, public_init](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), public_init("auth.login"));
    auto options =
        service_.tx_fido2_init(caller, required_string(body, "username"), required_string(body, "tx_id"));
    write_json(res, 200, {{"assertion_options", assertion_payload_json(options)}});
  });
  add_route("POST", "/api/tx/complete", [this](const auto& req, auto& res) {
    auto body = parse_object(req.body);
    auto caller = service_.authenticate(credentials_of(req, body), no_token());
    auto jwt = service_.tx_fido2_complete(caller, required_string(body, "username"), required_string(body, "tx_id"),
                                          tx_assertion_of(body));
    write_json(res, 200, {{"jwt", jwt}, {"success", true}});
  });
}

void Server::add_admin_routes() {
  add_loop_route("GET", "/emulator/health", [this](const auto&, auto& res) {
    write_json(res, 200, {{"status", "ok"}, {"waiters", service_.parked_waiters()}});
  });
  constexpr bool kAdmin = true;
  add_route(
      "POST", R"(/emulator/tx/([^/]+)/confirm)",
      [this](const auto& req, auto& res) {
        write_json(res, 200, {{"token", service_.confirm_tx(path_param(req, 1, "tx_id"))}});
      },
      kAdmin);
  add_route(
      "POST", R"(/emulator/users/([^/]+)/credentials)",
      [this](const auto& req, auto& res) {
        auto user_id = path_param(req, 1, "user_id");
        auto body = parse_object(req.body, /*empty_ok=*/true);
        auto credential =
            service_.admin_add_credential(user_id, optional_string(body, "name"), optional_string(body, "type"));
        write_json(res, 200, credential_json(credential));
      },
      kAdmin);
  add_route(
      "POST", "/emulator/namespaces",
      [this](const auto& req, auto& res) {
        auto body = parse_object(req.body);
        write_json(res, 200, namespace_json(service_.create_namespace(required_string(body, "name"))));
      },
      kAdmin);
  add_route(
      "GET", "/emulator/namespaces",
      [this](const auto&, auto& res) {
        write_json(res, 200, {{"namespaces", list_json(service_.list_namespaces(), namespace_json)}});
      },
      kAdmin);
  add_route(
      "POST", "/emulator/applications",
      [this](const auto& req, auto& res) {
        auto body = parse_object(req.body);
        WebSettingsChange settings;
        if (const auto* object = optional_object(body, "web_settings")) {
          settings = web_settings_change(*object, "web_settings.");
        }
        auto created = service_.create_application(optional_string(body, "namespace_id"),
                                                   required_string(body, "type"), optional_string(body, "name"),
                                                   optional_string(body, "public_key"), settings);
        auto out = application_json(created.app);
        if (created.private_key_pem) out["private_key"] = *created.private_key_pem;
        write_json(res, 200, out);
      },
      kAdmin);
  add_route(
      "GET", "/emulator/applications",
      [this](const auto& req, auto& res) {
        auto apps = service_.list_applications(query(req, "namespace_id"));
        write_json(res, 200, {{"applications", list_json(apps, application_json)}});
      },
      kAdmin);
  add_route(
      "GET", R"(/emulator/applications/([^/]+))",
      [this](const auto& req, auto& res) {
        auto app = service_.find_application(client_id_param(req, 1));
        if (!app) throw ApiError(Errc::not_found, "application not found");
        write_json(res, 200, application_json(*app));
      },
      kAdmin);
  for (const char* method : {"GET", "PUT"}) {
    const bool change = std::string_view(method) == "PUT";
    add_route(
        method, R"(/emulator/applications/([^/]+)/web-settings)",
        [this, change](const auto& req, auto& res) {
          const auto client_id = client_id_param(req, 1);
          std::optional<store::Application> app;
          if (change) {
            app = service_.update_web_settings(client_id, web_settings_change(parse_object(req.body), ""));
          } else {
            app = service_.find_application(client_id);
            if (!app) throw ApiError(Errc::not_found, "application not found");
          }
          write_json(res, 200, web_settings_json(app->web_settings));
        },
        kAdmin);
  }
  add_route(
      "POST", "/emulator/keys/rotate",
      [this](const auto&, auto& res) { write_json(res, 200, {{"kid", service_.rotate_key()}}); }, kAdmin);
  add_route(
      "GET", "/emulator/keys",
      [this](const auto&, auto& res) { write_json(res, 200, {{"keys", list_json(service_.list_keys(), key_json)}}); },
      kAdmin);
  add_route(
      "GET", "/emulator/users",
      [this](const auto& req, auto& res) {
        write_json(res, 200, {{"users", list_json(service_.list_users(query(req, "namespace_id")), user_json)}});
      },
      kAdmin);
  add_route(
      "GET", "/emulator/credentials",
      [this](const auto& req, auto& res) {
        auto rows = service_.admin_list_credentials(query(req, "user_id"));
        std::map<std::string, store::Fido2Key> fido2;
        for (auto& [credential, key] : service_.admin_list_fido2_credentials(query(req, "user_id"))) {
          fido2.emplace(credential.uuid, std::move(key));
        }
        auto out = nlohmann::json::array();
        for (const auto& row : rows) {
          auto item = credential_json(row);
          item["user_id"] = row.user_id;
          if (auto key = fido2.find(row.uuid); key != fido2.end()) item["fido2"] = fido2_key_json(key->second);
          out.push_back(std::move(item));
        }
        write_json(res, 200, {{"credentials", out}});
      },
      kAdmin);
  add_route(
      "GET", "/emulator/codes",
      [this](const auto& req, auto& res) {
        write_json(res, 200, {{"codes", list_json(service_.list_codes(query(req, "user_id")), code_json)}});
      },
      kAdmin);
  add_route(
      "GET", "/emulator/transactions",
      [this](const auto& req, auto& res) {
        auto rows = service_.list_transactions(query(req, "client_id"));
        write_json(res, 200, {{"transactions", list_json(rows, transaction_json)}});
      },
      kAdmin);
}

}  // namespace loginid::detail::emulator::http
