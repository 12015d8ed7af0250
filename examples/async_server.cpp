// An event-driven login backend: one Boost.Asio thread serves HTTP, and the SDK's one loop thread
// waits for every user's code at once. No thread per waiting user, on either side.
//   async_server <emulator credentials file> [users]
//
// The backend's one route, POST /login/wait {"username", "code"}, waits until the code is
// authorized (the user reads it on another device, an admin authorizes it, ...), verifies the user
// token LoginID answers with, and replies {"username", "jwt"}, or an error status.
//
// To test itself the program then plays the browsers: it makes `users` users (default 50) each with
// a short code, sends all their /login/wait requests at once, authorizes the codes only after the
// backend has started every wait, and checks that each browser got its own user's token.

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <loginid/async.hpp>
#include <loginid/loginid.hpp>
#include <nlohmann/json.hpp>

#include "example_support.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Json = nlohmann::json;

namespace {

/// How the backend answers: a status and a JSON body.
using Reply = std::function<void(http::status, Json)>;

// ---------------------------------------------------------------------------------------------
// The backend's logic. It runs on two threads and blocks on neither: the request arrives on the
// server's io_context thread, the SDK's completions run on the SDK's loop thread.
class LoginBackend {
 public:
  explicit LoginBackend(const loginid::AsyncLoginID& web) : web_(web) {}

  /// Started on the server thread; `reply` is called once, on the SDK's loop thread.
  void wait_for_code(const std::string& body, Reply reply) const {
    std::string username, code;
    try {
      const Json request = Json::parse(body);
      username = request.at("username").get<std::string>();
      code = request.at("code").get<std::string>();
    } catch (const Json::exception&) {
      return reply(http::status::bad_request, {{"error", R"(the body must be {"username": "...", "code": "..."})"}});
    }
    ++started_;
    web_.wait_code(loginid::Username(username), code, loginid::CodeType::short_code)
        .then([this, username, reply = std::move(reply)](loginid::Outcome<loginid::AuthResult> auth) mutable {
          // SDK loop thread: never block here. Starting the next async call is fine.
          std::string jwt;
          try {
            jwt = auth.value().jwt.value();
          } catch (const loginid::ServiceError& e) {
            // The code expired or is wrong: the browser should ask for a new one.
            reply(e.status() < 500 ? http::status::unauthorized : http::status::bad_gateway, {{"error", e.what()}});
            return;
          } catch (const std::exception& e) {  // loginid::TransportError, Cancelled, a missing token, ...
            reply(http::status::bad_gateway, {{"error", e.what()}});
            return;
          }
          verify_and_reply(username, jwt, std::move(reply));
        });
  }

  /// How many waits the backend has started (the self-test authorizes the codes after all of them).
  int started() const { return started_.load(); }

 private:
  // Never trust a token because of where it came from: verify it (signature, audience, expiry,
  // and that it names this user) before telling the browser it is logged in.
  void verify_and_reply(const std::string& username, const std::string& jwt, Reply reply) const {
    web_.verify_token(jwt, loginid::Username(username))
        .then([username, jwt, reply = std::move(reply)](loginid::Outcome<bool> valid) {
          if (valid.has_value() && valid.value()) {
            reply(http::status::ok, {{"username", username}, {"jwt", jwt}});
          } else {
            reply(http::status::unauthorized, {{"error", "the user token did not verify"}});
          }
        });
  }

  const loginid::AsyncLoginID& web_;
  mutable std::atomic<int> started_{0};
};

// ---------------------------------------------------------------------------------------------
// The HTTP server: a plain Boost.Beast session per connection, on one io_context thread.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const LoginBackend& backend) : socket_(std::move(socket)), backend_(backend) {}

  void start() {
    http::async_read(socket_, buffer_, request_, [self = shared_from_this()](beast::error_code error, std::size_t) {
      if (!error) self->dispatch();
    });
  }

 private:
  void dispatch() {
    if (request_.method() != http::verb::post || request_.target() != "/login/wait") {
      return respond(http::status::not_found, {{"error", "POST /login/wait"}});
    }
    // The reply comes on the SDK's loop thread: hand it back to this connection's executor.
    backend_.wait_for_code(request_.body(), [self = shared_from_this()](http::status status, Json body) {
      asio::post(self->socket_.get_executor(),
                 [self, status, body = std::move(body)]() mutable { self->respond(status, std::move(body)); });
    });
  }

  void respond(http::status status, Json body) {
    response_.result(status);
    response_.set(http::field::content_type, "application/json");
    response_.keep_alive(false);
    response_.body() = body.dump();
    response_.prepare_payload();
    http::async_write(socket_, response_, [self = shared_from_this()](beast::error_code, std::size_t) {
      beast::error_code ignored;
      self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  tcp::socket socket_;
  const LoginBackend& backend_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

void accept_forever(tcp::acceptor& acceptor, const LoginBackend& backend) {
  acceptor.async_accept([&acceptor, &backend](beast::error_code error, tcp::socket socket) {
    if (error) return;  // the acceptor was closed: the server stops
    std::make_shared<Session>(std::move(socket), backend)->start();
    accept_forever(acceptor, backend);
  });
}

// ---------------------------------------------------------------------------------------------
// The self-test's browsers: each posts its user's code once and keeps the answer.
struct Browser {
  loginid::Username username;
  std::string code;
  http::response<http::string_body> answer;
};

void post_wait(asio::io_context& io, tcp::endpoint server, Browser& browser) {
  auto socket = std::make_shared<tcp::socket>(io);
  auto request = std::make_shared<http::request<http::string_body>>(http::verb::post, "/login/wait", 11);
  request->set(http::field::host, "localhost");
  request->set(http::field::content_type, "application/json");
  request->body() = Json{{"username", browser.username.str()}, {"code", browser.code}}.dump();
  request->prepare_payload();
  socket->async_connect(server, [socket, request, &browser](beast::error_code connect_error) {
    if (connect_error) return;
    http::async_write(*socket, *request, [socket, request, &browser](beast::error_code error, std::size_t) {
      if (error) return;
      auto buffer = std::make_shared<beast::flat_buffer>();
      http::async_read(*socket, *buffer, browser.answer,
                       [socket, buffer](beast::error_code, std::size_t) {});
    });
  });
}

int threads_of_this_process() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) try {
  const auto creds = example::load_credentials(argc, argv);
  const int users = argc > 2 ? std::stoi(argv[2]) : 50;
  example::Steps steps;

  // The backend's clients: the blocking ones hold the keys and options; the async ones share them
  // and run every call on the runtime's one loop thread.
  const loginid::LoginID web_client = example::web_client(creds);
  const loginid::LoginIdManagement management_client = example::management_client(creds);
  loginid::AsyncRuntime runtime;
  const loginid::AsyncLoginID web(web_client, runtime);
  const loginid::AsyncLoginIdManagement management(management_client, runtime);

  // The browsers' users: one user and one short code each (set up with the blocking client).
  std::vector<Browser> browsers;
  for (int i = 0; i < users; ++i) {
    const loginid::Username username(example::unique_username("async-server"));
    (void)management_client.add_user_without_credentials(username);
    const loginid::CodeResult code = management_client.generate_code(
        username, loginid::CodeType::short_code, loginid::CodePurpose::temporary_authentication);
    browsers.push_back({username, code.code, {}});
  }

  // The server: one io_context thread.
  asio::io_context server_io;
  tcp::acceptor acceptor(server_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const LoginBackend backend(web);
  accept_forever(acceptor, backend);
  std::thread server_thread([&server_io] { server_io.run(); });
  const int threads_before = threads_of_this_process();

  // The browsers, on this thread, all at once; then wait until the backend has started every wait.
  asio::io_context browser_io;
  for (Browser& browser : browsers) post_wait(browser_io, acceptor.local_endpoint(), browser);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (backend.started() < users && std::chrono::steady_clock::now() < give_up) {
    browser_io.run_one_for(std::chrono::milliseconds(100));
  }
  steps.check(backend.started() == users, std::to_string(backend.started()) + " of " + std::to_string(users) +
                                              " browsers wait for their code");
  const int threads_waiting = threads_of_this_process();
  steps.check(threads_waiting == threads_before, std::to_string(users) + " waiting users, " +
                                                     std::to_string(threads_waiting) + " threads, as before they came");

  // Each code is authorized on "another device"; the management calls are async too (futures here).
  std::vector<std::future<loginid::AuthorizeResult>> authorizations;
  for (const Browser& browser : browsers) {
    authorizations.push_back(management
                                 .authorize_code(browser.username, browser.code, loginid::CodeType::short_code,
                                                 loginid::CodePurpose::temporary_authentication)
                                 .future());
  }
  browser_io.run_for(std::chrono::seconds(60));  // until every browser has its answer (one per connection)
  int authorized = 0;
  for (auto& authorization : authorizations) {
    try {
      (void)authorization.get();
      ++authorized;
    } catch (const loginid::Error& e) {
      std::printf("  authorize_code: %s\n", e.what());
    }
  }
  steps.check(authorized == users, "every code authorized: " + std::to_string(authorized));

  int logged_in = 0;
  for (const Browser& browser : browsers) {
    if (browser.answer.result() != http::status::ok) {
      std::printf("  %s: HTTP %d %s\n", browser.username.str().c_str(), browser.answer.result_int(),
                  browser.answer.body().c_str());
      continue;
    }
    const Json body = Json::parse(browser.answer.body());
    // The backend verified the token; a browser's answer is checked here against its own user.
    if (body.at("username") == browser.username.str() && web_client.verify_token(body.at("jwt").get<std::string>(), browser.username)) {
      ++logged_in;
    }
  }
  steps.check(logged_in == users, "every browser got its own user's verified token: " + std::to_string(logged_in) +
                                      " of " + std::to_string(users));

  acceptor.close();
  server_io.stop();
  server_thread.join();
  for (const Browser& browser : browsers) management_client.delete_by_username(browser.username);
  return steps.exit_code();
} catch (const std::exception& e) {
  std::fprintf(stderr, "async_server failed: %s\n", e.what());
  return 1;
}
