// A small web application with passkeys: this backend (the C++ SDK + cpp-httplib) serves one page
// that uses LoginID's published browser SDK (@loginid/sdk, bundled by esbuild at build time) to
// register, log in, add a passkey on another device with a code, and confirm a payment. The
// backend trusts nothing the page says: it verifies every token the page brings (verify_token,
// verify_transaction) and keeps its own session (an HttpOnly cookie).
// A second page, relay.html, does sign-up and login without any LoginID script: it talks only to
// this backend (/api/relay/...), which relays the WebAuthn payloads with the SDK's FIDO2 functions
// (register_fido2_init/complete, authenticate_fido2_init/complete).
//
//   passkey_web <emulator credentials file> [--port 8090] [--host 127.0.0.1] [--public DIR]
//
// The credentials file is the one loginid-emulator writes on first start (base URL, the web and
// management applications' client ids and keys). Open http://localhost:<port>: WebAuthn needs a
// secure context, and http://localhost is one; the emulator allows every http://localhost origin.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <thread>

#include <httplib.h>
#include <pthread.h>

#include <loginid/loginid.hpp>
#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;

struct Flags {
  std::string credentials_file;
  std::string host = "127.0.0.1";
  int port = 8090;
  std::string public_dir = PASSKEY_WEB_PUBLIC_DIR;  // the built page (CMake puts it beside the binary)
};

/// What the backend knows about a logged-in browser. Only ever filled from a verified token.
struct Session {
  std::string user_id;   // the token's `sub`
  std::string username;  // the token's `udata`
  std::map<std::string, std::string> payments;  // payment id -> the exact text the user must confirm
};

std::string random_hex(std::size_t bytes) {
  // std::random_device reads the kernel's CSPRNG on Linux; a real server would use its TLS library.
  static thread_local std::random_device device;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    const auto byte = static_cast<unsigned>(device()) & 0xffU;
    out += kHex[byte >> 4U];
    out += kHex[byte & 0xfU];
  }
  return out;
}

/// Sessions by the random id in the cookie. One mutex: the example's traffic is one person.
class Sessions {
 public:
  std::string create(Session session) {
    std::string id = random_hex(32);
    const std::lock_guard lock(mutex_);
    sessions_[id] = std::move(session);
    return id;
  }
  template <typename Fn>
  auto with(const std::string& id, Fn&& fn) -> std::optional<decltype(fn(std::declval<Session&>()))> {
    const std::lock_guard lock(mutex_);
    const auto it = sessions_.find(id);
    if (it == sessions_.end()) return std::nullopt;
    return fn(it->second);
  }
  void erase(const std::string& id) {
    const std::lock_guard lock(mutex_);
    sessions_.erase(id);
  }

 private:
  std::mutex mutex_;
  std::map<std::string, Session> sessions_;
};

constexpr const char* kCookie = "passkey_web_session";

/// An error the page shows as is: {"error": {"code", "message"}}.
struct ApiError {
  int status;
  std::string code;
  std::string message;
};

void reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void reply_error(httplib::Response& res, const ApiError& error) {
  reply(res, error.status, {{"error", {{"code", error.code}, {"message", error.message}}}});
}

json body_of(const httplib::Request& req) {
  // A JSON content type is required: a cross-site form cannot send one without a CORS preflight,
  // which this server never answers (with the SameSite=Strict cookie, that is the CSRF defence).
  if (req.get_header_value("Content-Type").rfind("application/json", 0) != 0) {
    throw ApiError{415, "bad_request", "send JSON (Content-Type: application/json)"};
  }
  json body = json::parse(req.body, nullptr, false);
  if (!body.is_object()) throw ApiError{400, "bad_request", "the body is not a JSON object"};
  return body;
}

std::string string_field(const json& body, const char* name, std::size_t max_length = 256) {
  const auto it = body.find(name);
  if (it == body.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    throw ApiError{400, "bad_request", std::string("`") + name + "` is missing or not a non-empty string"};
  }
  if (it->get_ref<const std::string&>().size() > max_length) {
    throw ApiError{400, "bad_request", std::string("`") + name + "` is too long"};
  }
  return it->get<std::string>();
}

std::string session_id_of(const httplib::Request& req) {
  const std::string cookies = req.get_header_value("Cookie");
  const std::string key = std::string(kCookie) + "=";
  for (std::size_t at = 0; at < cookies.size();) {
    const std::size_t end = std::min(cookies.find(';', at), cookies.size());
    std::string pair = cookies.substr(at, end - at);
    pair.erase(0, pair.find_first_not_of(' '));
    if (pair.rfind(key, 0) == 0) return pair.substr(key.size());
    at = end + 1;
  }
  return {};
}

class App {
 public:
  App(const json& creds, const std::string& base_url)
      : base_url_(base_url),
        web_(creds.at("web").at("client_id").get<std::string>(), creds.at("web").at("private_key").get<std::string>(),
             options(base_url)),
        management_(creds.at("management").at("client_id").get<std::string>(),
                    creds.at("management").at("private_key").get<std::string>(), options(base_url)) {}

  void routes(httplib::Server& server) {
    server.Get("/api/config", [this](const auto&, auto& res) {
      // What the page needs for `new WebSDK(baseURL, clientID)`; both are public values.
      reply(res, 200, {{"base_url", base_url_}, {"client_id", web_.client_id()}});
    });
    handle(server, "POST", "/api/passkey-token", [this](const auto& req, auto& res) { passkey_token(req, res); });
    handle(server, "POST", "/api/session", [this](const auto& req, auto& res) { log_in(req, res); });
    handle(server, "GET", "/api/session", [this](const auto& req, auto& res) {
      const auto who = with_session(req, [](Session& s) { return json{{"user_id", s.user_id}, {"username", s.username}}; });
      reply(res, 200, {{"user", who}});
    });
    handle(server, "DELETE", "/api/session", [this](const auto& req, auto& res) {
      sessions_.erase(session_id_of(req));
      res.set_header("Set-Cookie", std::string(kCookie) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
      reply(res, 200, {{"logged_out", true}});
    });
    handle(server, "GET", "/api/passkeys", [this](const auto& req, auto& res) { passkeys(req, res); });
    handle(server, "POST", "/api/add-device-code", [this](const auto& req, auto& res) { add_device_code(req, res); });
    handle(server, "POST", "/api/payments", [this](const auto& req, auto& res) { start_payment(req, res); });
    handle(server, "POST", R"(/api/payments/([0-9a-f]{32})/confirm)",
           [this](const auto& req, auto& res) { confirm_payment(req, res); });
    // The relayed flow (public/relay.html): the page never talks to LoginID; this backend does.
    handle(server, "POST", "/api/relay/register/init", [this](const auto& req, auto& res) { relay_register_init(req, res); });
    handle(server, "POST", "/api/relay/register/complete",
           [this](const auto& req, auto& res) { relay_register_complete(req, res); });
    handle(server, "POST", "/api/relay/login/init", [this](const auto& req, auto& res) { relay_login_init(req, res); });
    handle(server, "POST", "/api/relay/login/complete",
           [this](const auto& req, auto& res) { relay_login_complete(req, res); });
  }

 private:
  static loginid::Options options(const std::string& base_url) {
    loginid::Options options;
    options.base_url = base_url;
    // A user token proves a login that just happened: older ones are refused, so a token that
    // leaked from a browser's history or a log cannot open a session later.
    options.max_token_age = std::chrono::minutes(5);
    return options;
  }

  template <typename Handler>
  void handle(httplib::Server& server, const std::string& method, const std::string& pattern, Handler handler) {
    auto wrapped = [handler](const httplib::Request& req, httplib::Response& res) {
      try {
        handler(req, res);
      } catch (const ApiError& e) {
        reply_error(res, e);
      } catch (const loginid::ServiceError& e) {
        // The service refused: pass its code and message on to the page.
        std::fprintf(stderr, "passkey_web: %s %s: LoginID %d %s\n", req.method.c_str(), req.path.c_str(), e.status(),
                     e.what());
        reply_error(res, {status_for(e), e.code().to_string(), e.message()});
      } catch (const loginid::InvalidArgument& e) {
        // The SDK's own check of what the page sent (e.g. a relayed payload missing a member); its
        // message names the member and never holds key material.
        reply_error(res, {400, "bad_request", e.what()});
      } catch (const loginid::TokenError& e) {
        // A complete call's user token did not verify: the service (or a man in the middle) is wrong.
        std::fprintf(stderr, "passkey_web: %s %s: %s\n", req.method.c_str(), req.path.c_str(), e.what());
        reply_error(res, {502, "token_rejected", e.what()});
      } catch (const loginid::Error& e) {
        // LoginID could not be reached, or answered something unusable.
        std::fprintf(stderr, "passkey_web: %s %s: %s\n", req.method.c_str(), req.path.c_str(), e.what());
        reply_error(res, {502, loginid::to_string(e.kind()), e.what()});
      } catch (const std::exception& e) {
        std::fprintf(stderr, "passkey_web: %s %s: %s\n", req.method.c_str(), req.path.c_str(), e.what());
        reply_error(res, {500, "internal_error", "the backend failed; see its log"});
      }
    };
    if (method == "GET") server.Get(pattern, wrapped);
    if (method == "POST") server.Post(pattern, wrapped);
    if (method == "DELETE") server.Delete(pattern, wrapped);
  }

  /// The status the page gets for a LoginID error. What the page sent and the service refused (a
  /// passkey that did not verify, a used challenge, an unknown user) keeps its 4xx; a refusal of this
  /// backend's own service token, or a service that failed or could not be reached, is a 502.
  static int status_for(const loginid::ServiceError& e) {
    const bool page_refused = e.status() >= 400 && e.status() < 500 && e.code() != loginid::ServiceCode::unauthorized;
    return page_refused ? e.status() : 502;
  }

  template <typename Fn>
  auto with_session(const httplib::Request& req, Fn&& fn) {
    auto result = sessions_.with(session_id_of(req), std::forward<Fn>(fn));
    if (!result) throw ApiError{401, "not_logged_in", "log in first"};
    return std::move(*result);
  }

  /// A service token for the page's next passkey call, so that the service knows this backend
  /// allowed it (`auth.register` for a new account, `auth.login` for a login), bound to the username.
  void passkey_token(const httplib::Request& req, httplib::Response& res) {
    const json body = body_of(req);
    const std::string action = string_field(body, "action");
    const std::string username = username_field(body);
    if (action != "register" && action != "login") {
      throw ApiError{400, "bad_request", "`action` must be \"register\" or \"login\""};
    }
    const std::string scope = action == "register" ? "auth.register" : "auth.login";
    reply(res, 200, {{"token", web_.generate_service_token(scope, {.username = loginid::Username(username)})}});
  }

  /// The page logged in (or registered, or added this device) and brings the user token: the
  /// session starts only if the token verifies (signature, audience, age, username).
  void log_in(const httplib::Request& req, httplib::Response& res) {
    const json body = body_of(req);
    const std::string username = username_field(body);
    std::error_code reason;
    const auto claims = web_.verify_token_claims(string_field(body, "jwt", 16 * 1024), loginid::Username(username), reason);
    if (!claims) throw ApiError{401, "token_rejected", "the login token did not verify: " + reason.message()};
    reply(res, 200, {{"user", start_session(res, *claims, username)}, {"action", claims->action().value_or("")}});
  }

  /// Starts the session of a user whose token the SDK verified; answers {user_id, username}.
  json start_session(httplib::Response& res, const loginid::Claims& claims, const std::string& username) {
    Session session{claims.subject().value_or(""), claims.username().value_or(username), {}};
    json user = {{"user_id", session.user_id}, {"username", session.username}};
    const std::string id = sessions_.create(std::move(session));
    // Secure is left out only because http://localhost is the demo's origin; a real site sets it.
    res.set_header("Set-Cookie", std::string(kCookie) + "=" + id + "; Path=/; HttpOnly; SameSite=Strict");
    return user;
  }

  /// What a relayed complete answers: the session's user, the verified token and the passkey used.
  /// The token goes to the page only so that it can call other services as this user; the session
  /// never depends on what the page holds.
  json relayed_login(httplib::Response& res, const loginid::AuthResult& auth, const std::string& username) {
    if (!auth.jwt || !auth.claims) throw ApiError{502, "token_rejected", "LoginID returned no user token"};
    json answer = {{"user", start_session(res, *auth.claims, username)},
                   {"action", auth.claims->action().value_or("")},
                   {"jwt", *auth.jwt}};
    if (auth.credential) answer["credential"] = {{"id", auth.credential->uuid}, {"name", auth.credential->name}};
    return answer;
  }

  /// The username every form and relayed call sends; one limit for all of them.
  static std::string username_field(const json& body) { return string_field(body, "username", 128); }

  /// The page's answer from navigator.credentials (an object), as the JSON text the SDK relays.
  static std::string payload_field(const json& body, const char* name) {
    const auto it = body.find(name);
    if (it == body.end() || !it->is_object()) {
      throw ApiError{400, "bad_request", std::string("`") + name + "` is missing or not an object"};
    }
    return it->dump();
  }

  /// Relayed registration, step 1: the SDK asks LoginID for the options of navigator.credentials.create.
  void relay_register_init(const httplib::Request& req, httplib::Response& res) {
    const json body = body_of(req);
    const auto init = web_.register_fido2_init(loginid::Username(username_field(body)));
    reply(res, 200, {{"attestation_payload", json::parse(init.attestation_payload)}});
  }

  /// Relayed registration, step 2: the SDK hands the browser's attestation to LoginID, which checks
  /// it (challenge, origin, rp id, flags, attestation) and answers a user token the SDK verifies.
  void relay_register_complete(const httplib::Request& req, httplib::Response& res) {
    const json body = body_of(req);
    const std::string username = username_field(body);
    loginid::Fido2CompleteOptions options;
    if (body.contains("credential_name")) options.credential_name = string_field(body, "credential_name", 64);
    const auto auth = web_.register_fido2_complete(loginid::Username(username), payload_field(body, "attestation_payload"), options);
    reply(res, 200, relayed_login(res, auth, username));
  }

  /// Relayed login, step 1: the options of navigator.credentials.get for this user's passkeys.
  void relay_login_init(const httplib::Request& req, httplib::Response& res) {
    const json body = body_of(req);
    const auto init = web_.authenticate_fido2_init(loginid::Username(username_field(body)));
    reply(res, 200, {{"assertion_payload", json::parse(init.assertion_payload)}});
  }

  /// Relayed login, step 2: LoginID checks the browser's assertion (challenge single use, origin,
  /// signature, sign counter); the session starts only once the SDK verified the user token.
  void relay_login_complete(const httplib::Request& req, httplib::Response& res) {
    const json body = body_of(req);
    const std::string username = username_field(body);
    const auto auth = web_.authenticate_fido2_complete(loginid::Username(username), payload_field(body, "assertion_payload"));
    reply(res, 200, relayed_login(res, auth, username));
  }

  void passkeys(const httplib::Request& req, httplib::Response& res) {
    const std::string user_id = with_session(req, [](Session& s) { return s.user_id; });
    json list = json::array();
    const auto active = management_.get_credentials(loginid::UserRef::by_id(user_id), loginid::CredentialStatus::active);
    for (const auto& c : active.credentials) {
      // The service's own RFC 3339 text (the result holds it as a time point).
      list.push_back({{"id", c.uuid}, {"name", c.name}, {"type", c.type},
                      {"created_at", json::parse(c.raw_json).at("created_at")}});
    }
    reply(res, 200, {{"passkeys", list}});
  }

  /// A one-time code (authorized, purpose add_credential) the user types on their other device.
  void add_device_code(const httplib::Request& req, httplib::Response& res) {
    const std::string user_id = with_session(req, [](Session& s) { return s.user_id; });
    const auto code = management_.generate_code(loginid::UserId(user_id), loginid::CodeType::short_code,
                                                loginid::CodePurpose::add_credential, {.authorized = true});
    reply(res, 200, {{"code", code.code}, {"expires_at", json::parse(code.raw_json).at("expires_at")}});
  }

  /// The backend writes the text the user confirms and signs a transaction auth token for it;
  /// the page creates and confirms the transaction with the user's passkey.
  void start_payment(const httplib::Request& req, httplib::Response& res) {
    const json body = body_of(req);
    const std::string amount = string_field(body, "amount", 16);
    const std::string payee = string_field(body, "payee", 64);
    static const std::regex kAmount(R"(([1-9][0-9]{0,4}|0)(\.[0-9]{1,2})?)");
    if (!std::regex_match(amount, kAmount) || std::stod(amount) <= 0) {
      throw ApiError{400, "bad_request", "the amount must be a number between 0.01 and 99999.99"};
    }
    if (!std::all_of(payee.begin(), payee.end(), [](char c) { return c >= ' ' && c != 0x7f; })) {
      throw ApiError{400, "bad_request", "the payee must be printable text"};
    }
    char formatted[32];
    std::snprintf(formatted, sizeof formatted, "%.2f", std::stod(amount));
    const std::string payload = std::string("Pay ") + formatted + " EUR to " + payee;
    const std::string payment_id = random_hex(16);
    with_session(req, [&](Session& s) {
      s.payments[payment_id] = payload;
      return 0;
    });
    reply(res, 200, {{"payment_id", payment_id}, {"tx_payload", payload},
                     {"authorization_token", web_.generate_tx_auth_token(payload)}});
  }

  /// The page brings the transaction token; it counts only if it verifies against the text this
  /// backend wrote (not one the page sends) and was signed for this session's user.
  void confirm_payment(const httplib::Request& req, httplib::Response& res) {
    const json body = body_of(req);
    const std::string jwt = string_field(body, "jwt", 16 * 1024);
    const std::string payment_id = req.matches[1];
    const auto [user_id, payload] = with_session(req, [&](Session& s) {
      const auto it = s.payments.find(payment_id);
      if (it == s.payments.end()) throw ApiError{404, "not_found", "no such payment in this session"};
      return std::pair{s.user_id, it->second};
    });
    std::error_code reason;
    const auto claims = web_.verify_transaction_claims(jwt, payload, reason);
    if (!claims) throw ApiError{400, "token_rejected", "the confirmation did not verify: " + reason.message()};
    if (claims->subject().value_or("") != user_id) {
      throw ApiError{400, "token_rejected", "the confirmation was signed by another user"};
    }
    with_session(req, [&](Session& s) { return s.payments.erase(payment_id); });  // single use
    reply(res, 200, {{"confirmed", true}, {"tx_payload", payload}, {"tx_hash", claims->get_string("tx_hash").value_or("")}});
  }

  std::string base_url_;
  loginid::LoginID web_;
  loginid::LoginIdManagement management_;
  Sessions sessions_;
};

int usage() {
  std::fputs("usage: passkey_web <emulator credentials file> [--port 8090] [--host 127.0.0.1] [--public DIR]\n", stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) try {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--port" && i + 1 < argc) {
      flags.port = std::atoi(argv[++i]);
    } else if (arg == "--host" && i + 1 < argc) {
      flags.host = argv[++i];
    } else if (arg == "--public" && i + 1 < argc) {
      flags.public_dir = argv[++i];
    } else if (!arg.empty() && arg[0] != '-' && flags.credentials_file.empty()) {
      flags.credentials_file = arg;
    } else {
      return usage();
    }
  }
  if (flags.credentials_file.empty() || flags.port < 0 || flags.port > 65535) return usage();
  if (!std::filesystem::exists(std::filesystem::path(flags.public_dir) / "app.js")) {
    std::fprintf(stderr, "passkey_web: %s/app.js is missing: the page script is bundled at build time from\n"
                 "@loginid/sdk; run scripts/install-deps.sh, then configure and build again\n", flags.public_dir.c_str());
    return 1;
  }
  std::ifstream in(flags.credentials_file);
  if (!in) {
    std::fprintf(stderr, "passkey_web: cannot read %s\n", flags.credentials_file.c_str());
    return 1;
  }
  const json creds = json::parse(in);

  // Signals go to one thread (sigwait) that stops the server; every other thread blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  App app(creds, creds.at("base_url").get<std::string>());
  httplib::Server server;
  // cpp-httplib's default sets SO_REUSEPORT, which lets a second copy bind the same port and share
  // its connections (with another emulator behind it). SO_REUSEADDR only: a taken port is an error.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  app.routes(server);
  if (!server.set_mount_point("/", flags.public_dir)) {
    std::fprintf(stderr, "passkey_web: cannot serve %s\n", flags.public_dir.c_str());
    return 1;
  }
  const int port = flags.port == 0 ? server.bind_to_any_port(flags.host) : flags.port;
  if (port <= 0 || (flags.port != 0 && !server.bind_to_port(flags.host, port))) {
    std::fprintf(stderr, "passkey_web: cannot listen on %s:%d (is the port taken? --port chooses another)\n",
                 flags.host.c_str(), flags.port);
    return 1;
  }
  std::atomic<bool> signalled{false};
  std::thread signal_thread([&] {
    int received = 0;
    sigwait(&signals, &received);
    signalled = true;
    server.stop();
  });
  std::printf("listening on http://localhost:%d\n\n"
              "  Open  http://localhost:%d  in a browser on this machine (Ctrl-C stops).\n"
              "  Create an account, log in, send money, add a second device with a code.\n"
              "  http://localhost:%d/relay.html  does sign-up and login with this backend relaying\n"
              "  the passkey payloads through the loginid-cpp SDK (no LoginID script in the page).\n\n",
              port, port, port);
  std::fflush(stdout);
  server.listen_after_bind();
  if (!signalled) pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "passkey_web: %s\n", e.what());
  return 1;
}
