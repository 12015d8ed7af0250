#pragma once
// An in-process cpp-httplib server on 127.0.0.1:<ephemeral> for the libcurl transports' tests (the
// blocking one and the event loop's): handlers record what they saw and may hold an answer back.

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/test_pki.hpp"

namespace loginid::test {

struct Seen {
  std::string method;
  std::string path;
  int remote_port;
  std::string body;
  httplib::Headers headers;
  std::chrono::steady_clock::time_point at;
};

/// A server on 127.0.0.1:<ephemeral> running in its own thread; handlers record what they saw.
class LocalServer {
 public:
  explicit LocalServer(std::unique_ptr<httplib::Server> server = std::make_unique<httplib::Server>())
      : server_(std::move(server)) {}

  void start() {
    port_ = server_->bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    for (int i = 0; i < 500 && !server_->is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(server_->is_running());
  }

  ~LocalServer() {
    release();
    server_->stop();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  httplib::Server& server() { return *server_; }
  [[nodiscard]] std::string url(const std::string& scheme, const std::string& host, const std::string& path) const {
    return scheme + "://" + host + ":" + std::to_string(port_) + path;
  }
  [[nodiscard]] std::string url(const std::string& path) const { return url("http", "127.0.0.1", path); }

  void record(const httplib::Request& req) {
    const std::lock_guard lock(mutex_);
    seen_.push_back(Seen{req.method, req.path, req.remote_port, req.body, req.headers, std::chrono::steady_clock::now()});
  }
  std::vector<Seen> seen() {
    const std::lock_guard lock(mutex_);
    return seen_;
  }

  // Blocks a handler until the test ends (bounded, so a broken test cannot hang).
  void hold() {
    std::unique_lock lock(mutex_);
    released_cv_.wait_for(lock, std::chrono::seconds(5), [this] { return released_; });
  }
  void release() {
    {
      const std::lock_guard lock(mutex_);
      released_ = true;
    }
    released_cv_.notify_all();
  }

 private:
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable released_cv_;
  bool released_ = false;
  std::vector<Seen> seen_;
};

/// A loopback port nobody listens on: bind to port 0, read the port, close.
inline int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
    ADD_FAILURE() << "could not find a free port";
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// An https server presenting `pem` (tests/support/test_pki.hpp), answering GET /hello with "tls"
/// and POST /codes/short/generate with {"ok":true}.
inline std::unique_ptr<httplib::Server> tls_server(const PemPair& pem) {
  BIO* cert_bio = BIO_new_mem_buf(pem.cert.data(), static_cast<int>(pem.cert.size()));
  BIO* key_bio = BIO_new_mem_buf(pem.key.data(), static_cast<int>(pem.key.size()));
  X509* x509 = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  auto server = std::make_unique<httplib::SSLServer>(x509, key);
  X509_free(x509);
  EVP_PKEY_free(key);
  BIO_free(cert_bio);
  BIO_free(key_bio);
  server->Get("/hello", [](const httplib::Request&, httplib::Response& res) { res.set_content("tls", "text/plain"); });
  server->Post("/codes/short/generate", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"ok":true})", "application/json");
  });
  return server;
}

}  // namespace loginid::test
