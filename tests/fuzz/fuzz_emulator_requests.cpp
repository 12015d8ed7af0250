// The emulator's request handling (routes, request parsing, service-token checks, service rules,
// store) driven by arbitrary requests. src/emulator/http/ has no socketless entry point (the
// event-driven server parses on its sockets), so the real http::Server runs in this process on a loopback
// port and each input becomes one request on a fresh connection; all the emulator code executes
// in-process, instrumented. Two input modes:
//   - structured (first byte even): a valid service token for a scope picked by the second byte,
//     then "METHOD PATH\n" and the body: reaches the service rules behind the token check;
//   - raw (first byte odd): the remaining bytes are written to the socket as they are.
// A 5xx answer is a finding (bad input must never get one), as are crashes and sanitizer reports.
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "emulator/http/server.hpp"
#include "emulator/service/service.hpp"
#include "emulator/store/store.hpp"
#include "integration/emulator/raw_socket.hpp"
#include "jose/tokens.hpp"

namespace {

using namespace loginid::detail::emulator;

// Deliberately never destroyed: the server thread runs until the process exits, and everything
// stays reachable (no leak report).
struct World {
  loginid::detail::store::Store store{":memory:"};
  ServiceConfig config;
  std::unique_ptr<Service> service;
  std::unique_ptr<http::Server> server;
  std::string client_id;
  std::optional<loginid::PrivateKey> key;
  int port = 0;

  World() {
    config.wait_timeout = std::chrono::milliseconds(100);  // parked waiters must not outlast -timeout
    config.max_waiters = 4;
    config.argon2 = {8, 1, 1};  // the cheapest Argon2id: password paths run thousands of times a second here
    service = std::make_unique<Service>(store, config);
    const auto defaults = service->ensure_defaults();
    client_id = defaults.management_client_id;
    key = loginid::PrivateKey::from_pem(defaults.management_private_key);
    http::ServerOptions options;
    options.workers = 2;
    options.max_waiters = config.max_waiters;
    options.log_level = http::LogLevel::off;
    server = std::make_unique<http::Server>(*service, std::move(options));
    port = server->bind("127.0.0.1", 0);
    std::thread([this] { server->run(); }).detach();
  }
};

World& world() {
  static World* w = [] {
    std::signal(SIGPIPE, SIG_IGN);
    return new World();
  }();
  return *w;
}

constexpr const char* kScopes[] = {
    "",  // no token
    "users.create", "users.retrieve", "users.delete", "users.activate", "users.deactivate",
    "codes.generate", "codes.authorize", "codes.invalidate", "credentials.list", "credentials.rename",
    "credentials.revoke", "credentials.force_add", "auth.login", "tx.create", "admin",
    "auth.register", "credentials.add",  // the FIDO2 inits' scopes (the management application has no public init)
    "credentials.add_recovery",  // appended: earlier seeds keep their scopes
};

// The connection can close before its handler is done: a parked wait_code's client that
// half-closes counts as gone (docs/emulator.md), and the handler may still be checking the token on
// a worker. The next input, or the process's exit (whose static destructors the detached server's
// workers would race), must wait for it. A handler still running 10 s later is a hang: a finding.
void wait_until_no_request_is_handled() {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (world().server->open_connections() != 0) {
    if (std::chrono::steady_clock::now() > give_up) {
      std::fprintf(stderr, "a request was still being handled 10 s after its connection closed\n");
      std::abort();
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

// Sends `request`, half-closes, and reads the answer until the server closes (bounded). The
// in-process server must always accept: a refused connection aborts (a finding, not an input).
std::string exchange(std::string_view request) {
  const int fd = loginid::testing::connect_loopback(world().port);
  if (fd < 0) {
    std::perror("connect to the in-process emulator");
    std::abort();
  }
  // A short write is fine: the server may close early on a bad request.
  (void)loginid::testing::send_all(fd, request);
  ::shutdown(fd, SHUT_WR);
  std::string answer = loginid::testing::read_until_close(fd, std::chrono::seconds(4), 1 << 20);
  ::close(fd);
  wait_until_no_request_is_handled();
  return answer;
}

std::string structured_request(const std::uint8_t* data, std::size_t size) {
  const std::string_view scope = kScopes[data[1] % std::size(kScopes)];
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  const auto newline = text.find('\n');
  std::string_view line = text.substr(0, newline);
  const std::string_view body = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
  const auto space = line.find(' ');
  std::string method(space == std::string_view::npos ? "POST" : line.substr(0, space));
  std::string path(space == std::string_view::npos ? line : line.substr(space + 1));
  // The request line must stay one line, else the input is not the structured case any more.
  for (auto* part : {&method, &path}) {
    for (char& c : *part) {
      if (c == '\r' || c == '\n' || c == ' ' || c == '\0') c = '_';
    }
  }
  if (path.empty() || path.front() != '/') path.insert(path.begin(), '/');
  if (method.empty()) method = "POST";
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  request += "X-Client-ID: " + world().client_id + "\r\n";
  if (!scope.empty()) {
    loginid::detail::ServiceTokenRequest token_request;
    token_request.client_id = world().client_id;
    token_request.scope = scope;
    token_request.now = std::chrono::system_clock::now();
    request += "Authorization: Bearer " + loginid::detail::make_service_token(*world().key, token_request) + "\r\n";
  }
  request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  request.append(body);
  return request;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) {
    return 0;
  }
  const std::string request = (data[0] % 2 == 0)
                                  ? structured_request(data, size)
                                  : std::string(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string answer = exchange(request);
  if (answer.rfind("HTTP/1.1 5", 0) == 0) {
    std::fprintf(stderr, "emulator answered 5xx:\n%.*s\n--- to request:\n%.*s\n", static_cast<int>(std::min<std::size_t>(answer.size(), 2000)),
                 answer.data(), static_cast<int>(std::min<std::size_t>(request.size(), 2000)), request.data());
    std::abort();
  }
  return 0;
}
