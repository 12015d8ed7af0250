#pragma once
// How the SDK sets up and reads one libcurl exchange, shared by the blocking transport
// (curl_transport.cpp: easy handles in a pool) and the event loop's transport (async/curl_multi.cpp:
// the same handles driven by a multi handle). One copy, so both send the same requests with the same
// TLS settings, the same bounds on answers, and report failures the same way:
// TLS: peer and host always verified, TLS 1.2 at least, and a handshake that cannot succeed on a
// retry (an untrusted, expired or misnamed certificate) is reported as tls_failed with what to do
// about it. Answers: body and header bytes bounded (a hostile server cannot grow memory without end).

#include <curl/curl.h>

#include <array>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>

#include "loginid/error.hpp"
#include "loginid/transport.hpp"

namespace loginid::detail {

/// curl_global_init, once per process (TransportError refused_locally when it fails).
void curl_global_init_once();

/// Owns one CURL easy handle. Move-only: a handle must never be used by two owners.
class CurlEasy final {
 public:
  CurlEasy();
  CurlEasy(const CurlEasy&) = delete;
  CurlEasy& operator=(const CurlEasy&) = delete;
  CurlEasy(CurlEasy&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  CurlEasy& operator=(CurlEasy&& other) noexcept;
  ~CurlEasy() { reset_handle(); }
  [[nodiscard]] CURL* get() const noexcept { return handle_; }
  /// Forgets the handle without cleaning it up (a forked child's inherited handle: cleaning it up
  /// would act on the parent's connection).
  void abandon() noexcept { handle_ = nullptr; }

 private:
  void reset_handle() noexcept;
  CURL* handle_;
};

/// Owns one CURLM. Move-only, like CurlEasy.
class CurlMulti final {
 public:
  CurlMulti() : handle_(curl_multi_init()) {
    if (handle_ == nullptr) {
      throw TransportError(TransportError::Reason::refused_locally, "libcurl could not create a multi handle");
    }
  }
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;
  CurlMulti(CurlMulti&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  CurlMulti& operator=(CurlMulti&& other) noexcept {
    if (this != &other) {
      reset_handle();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  ~CurlMulti() { reset_handle(); }
  [[nodiscard]] CURLM* get() const noexcept { return handle_; }
  /// Forgets the handle without cleaning it up (see CurlEasy::abandon).
  void abandon() noexcept { handle_ = nullptr; }

 private:
  void reset_handle() noexcept {
    if (handle_ != nullptr) {
      curl_multi_cleanup(handle_);
      handle_ = nullptr;
    }
  }
  CURLM* handle_;
};

/// The DNS and TLS-session caches shared by the handles of one transport (locked per data kind).
class CurlShare final {
 public:
  CurlShare();
  CurlShare(const CurlShare&) = delete;
  CurlShare& operator=(const CurlShare&) = delete;
  ~CurlShare() { curl_share_cleanup(share_); }
  [[nodiscard]] CURLSH* get() const noexcept { return share_; }

 private:
  static void lock(CURL* handle, curl_lock_data data, curl_lock_access access, void* self);
  static void unlock(CURL* handle, curl_lock_data data, void* self);
  std::mutex& mutex_for(curl_lock_data data) noexcept;
  CURLSH* share_;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> mutexes_;
};

struct CurlExchange;

/// The sockets libcurl opened for one transport. Each is close-on-exec (an exec'd child never holds
/// a connection open) and known, so a forked child can close its copies of the parent's
/// connections (fork_safety.hpp) without touching them.
class CurlSockets final {
 public:
  /// Makes `handle` open and close its sockets through this set; a socket it cannot open is
  /// recorded in `exchange` (socket_errno), which must outlive the transfer.
  void attach(CURL* handle, CurlExchange& exchange);
  /// fork_safety.hpp: held from before fork() until it returns.
  void lock() noexcept { mutex_.lock(); }
  void unlock() noexcept { mutex_.unlock(); }
  /// In a forked child, with the lock held: closes the child's copies and forgets them.
  void close_inherited() noexcept;

 private:
  static curl_socket_t on_open(void* exchange, curlsocktype purpose, curl_sockaddr* address);
  static int on_close(void* self, curl_socket_t socket);
  std::mutex mutex_;
  std::unordered_set<curl_socket_t> open_;
};

/// What the callbacks of one exchange write into.
struct CurlExchange {
  CurlSockets* sockets = nullptr;  ///< the set the exchange's sockets are opened in
  int socket_errno = 0;            ///< errno of a socket() that failed (EMFILE: out of open files)
  std::size_t max_body = 0;
  bool body_too_large = false;
  std::size_t header_bytes = 0;
  bool headers_too_large = false;
  std::string body;
  HttpHeaders headers;
  std::array<char, CURL_ERROR_SIZE> error{};
};

using CurlHeaderList = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

/// Refuses what must never reach the wire (TransportError refused_locally): a method other than
/// GET/POST/PUT/DELETE, a line break in the URL, a header name or value that could split the request.
void check_request(const HttpRequest& request);

/// The request's headers for libcurl, plus `Expect:` (no 100-continue round trip) and an empty
/// `Content-Type:` when none is given (not curl's form-urlencoded default).
CurlHeaderList curl_header_list(const HttpRequest& request);

/// The options of one transport, applied to each exchange.
class CurlEasySetup final {
 public:
  /// Checks options.ca_bundle once, so a typo fails here with its name instead of on every call
  /// as a TLS failure (InvalidArgument naming `ca_bundle`).
  explicit CurlEasySetup(CurlTransportOptions options);

  /// Sets every option of one exchange on `handle`: URL, method and body, headers, timeouts, TLS,
  /// the shared caches, the socket set, the bounded body and header callbacks writing into
  /// `exchange`. `request`, `headers` and `exchange` must outlive the transfer.
  void configure(CURL* handle, CURLSH* share, CurlSockets& sockets, const HttpRequest& request, curl_slist* headers,
                 CurlExchange& exchange) const;

  /// The answer of an exchange that ended with CURLE_OK (moves the body and headers out).
  [[nodiscard]] static HttpResponse answer(CURL* handle, CurlExchange& exchange);

  /// What an exchange that ended with `code` failed of, with its message (never a secret).
  [[nodiscard]] TransportError failure(CURLcode code, CURL* handle, const CurlExchange& exchange,
                                       const HttpRequest& request) const;

  [[nodiscard]] const CurlTransportOptions& options() const noexcept { return options_; }

 private:
  enum class CaSource { system, pem_text, file, directory };
  static CaSource check_ca_bundle(const std::optional<std::string>& bundle);
  void set_ca_bundle(CURL* handle) const;

  CurlTransportOptions options_;
  CaSource ca_source_;
};

/// The options make_curl_transport made `transport` with, or nullopt for another transport (the
/// async engine sets up its own libcurl transport the same way).
std::optional<CurlTransportOptions> curl_transport_options(const HttpTransport& transport);

}  // namespace loginid::detail
