// The default HttpTransport: libcurl easy handles kept in a pool (each keeps its own keep-alive
// connection cache, so a connection is reused by the next call on any thread) plus one share handle
// for the DNS and TLS session caches. A handle is used by one thread at a time; only the share is
// used concurrently, under its lock callbacks.

#include <curl/curl.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "loginid/transport.hpp"

namespace loginid {
namespace {

using Kind = TransportError::Kind;

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw TransportError(Kind::refused_locally, "libcurl could not be initialised");
    }
  });
}

// Owns one CURL easy handle. Move-only: a handle must never be used by two owners.
class CurlEasy final {
 public:
  CurlEasy() : handle_(curl_easy_init()) {
    if (handle_ == nullptr) {
      throw TransportError(Kind::refused_locally, "libcurl could not create a handle");
    }
  }
  CurlEasy(const CurlEasy&) = delete;
  CurlEasy& operator=(const CurlEasy&) = delete;
  CurlEasy(CurlEasy&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  CurlEasy& operator=(CurlEasy&& other) noexcept {
    if (this != &other) {
      reset_handle();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  ~CurlEasy() { reset_handle(); }
  [[nodiscard]] CURL* get() const noexcept { return handle_; }

 private:
  void reset_handle() noexcept {
    if (handle_ != nullptr) {
      curl_easy_cleanup(handle_);
      handle_ = nullptr;
    }
  }
  CURL* handle_;
};

// The DNS and TLS-session caches shared by every handle of one transport.
class CurlShare final {
 public:
  CurlShare() : share_(curl_share_init()) {
    if (share_ == nullptr) {
      throw TransportError(Kind::refused_locally, "libcurl could not create a share handle");
    }
    curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &CurlShare::lock);
    curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &CurlShare::unlock);
    curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }
  CurlShare(const CurlShare&) = delete;
  CurlShare& operator=(const CurlShare&) = delete;
  ~CurlShare() { curl_share_cleanup(share_); }
  [[nodiscard]] CURLSH* get() const noexcept { return share_; }

 private:
  static void lock(CURL* /*handle*/, curl_lock_data data, curl_lock_access /*access*/, void* self) {
    static_cast<CurlShare*>(self)->mutex_for(data).lock();
  }
  static void unlock(CURL* /*handle*/, curl_lock_data data, void* self) {
    static_cast<CurlShare*>(self)->mutex_for(data).unlock();
  }
  std::mutex& mutex_for(curl_lock_data data) noexcept {
    const auto index = static_cast<std::size_t>(data);
    return mutexes_[index < mutexes_.size() ? index : 0];
  }
  CURLSH* share_;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> mutexes_;
};

using HeaderList = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

// Response header bytes kept per exchange (all header lines, interim responses and redirects
// included). libcurl bounds each line (100 KiB) but, before 8.14, not how many lines a server may
// send, and every line becomes a pair of strings here: a server streaming headers could grow a
// call's memory without end. Real answers carry 1-2 KiB.
constexpr std::size_t kMaxResponseHeaderBytes = 64 * 1024;

// What the callbacks of one exchange write into.
struct Exchange {
  std::size_t max_body = 0;
  bool body_too_large = false;
  std::size_t header_bytes = 0;
  bool headers_too_large = false;
  std::string body;
  HttpHeaders headers;
  std::array<char, CURL_ERROR_SIZE> error{};
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const std::size_t bytes = size * count;
  if (exchange->body.size() + bytes > exchange->max_body) {
    exchange->body_too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  exchange->body.append(data, bytes);
  return bytes;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const std::string_view line(data, size * count);
  exchange->header_bytes += line.size();
  if (exchange->header_bytes > kMaxResponseHeaderBytes) {
    exchange->headers_too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  if (line.starts_with("HTTP/")) {
    exchange->headers.clear();  // a new response begins (e.g. after 100 Continue)
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    exchange->headers.emplace_back(std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
  }
  return size * count;
}

bool has_line_break(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

void check_request(const HttpRequest& request) {
  const auto& m = request.method;
  if (m != "GET" && m != "POST" && m != "PUT" && m != "DELETE") {
    throw TransportError(Kind::refused_locally, "HTTP method '" + m + "' is not supported");
  }
  if (has_line_break(request.url)) {
    throw TransportError(Kind::refused_locally, "the URL contains a line break");
  }
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || has_line_break(name) || name.find(':') != std::string::npos || has_line_break(value)) {
      throw TransportError(Kind::refused_locally, "header '" + name + "' has an invalid name or value");
    }
  }
}

HeaderList header_list(const HttpRequest& request) {
  HeaderList list(nullptr, &curl_slist_free_all);
  bool has_content_type = false;
  auto append = [&list](const std::string& line) {
    curl_slist* next = curl_slist_append(list.get(), line.c_str());
    if (next == nullptr) {
      throw TransportError(Kind::refused_locally, "out of memory building the request headers");
    }
    static_cast<void>(list.release());
    list.reset(next);
  };
  for (const auto& [name, value] : request.headers) {
    has_content_type = has_content_type || curl_strequal(name.c_str(), "Content-Type") != 0;
    append(value.empty() ? name + ";" : name + ": " + value);
  }
  append("Expect:");  // no 100-continue round trip
  if (!has_content_type) {
    append("Content-Type:");  // not curl's form-urlencoded default
  }
  return list;
}

long to_millis(std::chrono::milliseconds value) { return static_cast<long>(std::max<long long>(1, value.count())); }

Kind kind_of(CURLcode code, CURL* handle) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
      return Kind::connect_failed;
    case CURLE_OPERATION_TIMEDOUT: {
      // Timed out before the request started going out (connect or TLS handshake): the server
      // cannot have seen it, which makes even a creating call safe to repeat.
      curl_off_t pretransfer = 0;
      curl_easy_getinfo(handle, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
      return pretransfer == 0 ? Kind::connect_failed : Kind::timeout;
    }
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_OUT_OF_MEMORY:
      return Kind::refused_locally;
    default:
      return Kind::io_failed;
  }
}

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(CurlTransportOptions options) : options_(std::move(options)) {}

  HttpResponse send(const HttpRequest& request) override {
    check_request(request);
    requests_.fetch_add(1, std::memory_order_relaxed);
    CurlEasy easy = acquire();
    Exchange exchange;
    exchange.max_body = options_.max_response_bytes;
    const HeaderList headers = header_list(request);
    configure(easy.get(), request, headers.get(), exchange);
    const CURLcode code = curl_easy_perform(easy.get());
    long connects = 0;
    curl_easy_getinfo(easy.get(), CURLINFO_NUM_CONNECTS, &connects);
    connections_.fetch_add(static_cast<std::uint64_t>(std::max(0L, connects)), std::memory_order_relaxed);
    if (code != CURLE_OK) {
      const Kind kind = kind_of(code, easy.get());
      release(std::move(easy));
      throw failure(code, kind, exchange, request);
    }
    long status = 0;
    curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
    release(std::move(easy));
    return HttpResponse{static_cast<int>(status), std::move(exchange.headers), std::move(exchange.body)};
  }

  [[nodiscard]] TransportStats stats() const noexcept {
    return {requests_.load(std::memory_order_relaxed), connections_.load(std::memory_order_relaxed)};
  }

 private:
  CurlEasy acquire() {
    {
      const std::lock_guard lock(pool_mutex_);
      if (!idle_.empty()) {
        CurlEasy easy = std::move(idle_.back());
        idle_.pop_back();
        return easy;
      }
    }
    return CurlEasy();
  }

  void release(CurlEasy&& easy) {
    curl_easy_reset(easy.get());  // forgets options, keeps the handle's live connections
    const std::lock_guard lock(pool_mutex_);
    if (idle_.size() < options_.max_idle_connections) {
      idle_.push_back(std::move(easy));
    }
  }

  void configure(CURL* h, const HttpRequest& request, curl_slist* headers, Exchange& exchange) const {
    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, to_millis(request.timeout));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, to_millis(std::min(request.connect_timeout, request.timeout)));
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    set_ca_bundle(h);
    curl_easy_setopt(h, CURLOPT_SHARE, share_.get());
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options_.max_response_bytes));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &exchange);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &exchange);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, exchange.error.data());
    set_method(h, request);
  }

  void set_ca_bundle(CURL* h) const {
    if (!options_.ca_bundle) {
      return;
    }
    const std::string& bundle = *options_.ca_bundle;
    if (bundle.starts_with("-----BEGIN")) {
      curl_blob blob{const_cast<char*>(bundle.data()), bundle.size(), CURL_BLOB_COPY};
      curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
    } else {
      curl_easy_setopt(h, CURLOPT_CAINFO, bundle.c_str());
    }
    curl_easy_setopt(h, CURLOPT_CAPATH, static_cast<char*>(nullptr));  // only the given bundle, not the system directory
  }

  static void set_method(CURL* h, const HttpRequest& request) {
    if (request.method == "GET" || (request.method == "DELETE" && request.body.empty())) {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
      if (request.method == "DELETE") {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
      }
      return;
    }
    // POST, PUT, DELETE with a body: the body goes out with its Content-Length (0 for an empty PUT).
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    if (request.method != "POST") {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }

  TransportError failure(CURLcode code, Kind kind, const Exchange& exchange, const HttpRequest& request) const {
    if (exchange.body_too_large || code == CURLE_FILESIZE_EXCEEDED) {
      return TransportError(Kind::io_failed, request.method + " " + request.url + ": response body larger than " +
                                                 std::to_string(options_.max_response_bytes) + " bytes");
    }
    if (exchange.headers_too_large) {
      return TransportError(Kind::io_failed, request.method + " " + request.url + ": response headers larger than " +
                                                 std::to_string(kMaxResponseHeaderBytes) + " bytes");
    }
    const std::string detail = exchange.error[0] != '\0' ? exchange.error.data() : curl_easy_strerror(code);
    std::string text = request.method + " " + request.url + ": " + detail;
    if (code == CURLE_OPERATION_TIMEDOUT) {
      text += " (timeout " + std::to_string(request.timeout.count()) + " ms)";
    }
    return TransportError(kind, text);
  }

  CurlTransportOptions options_;
  CurlShare share_;  // declared before the pool: the handles using it are cleaned up first
  std::mutex pool_mutex_;
  std::vector<CurlEasy> idle_;
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> connections_{0};
};

}  // namespace

std::shared_ptr<HttpTransport> make_curl_transport(const CurlTransportOptions& options) {
  global_init_once();
  return std::make_shared<CurlTransport>(options);
}

std::optional<TransportStats> curl_transport_stats(const HttpTransport& transport) noexcept {
  if (const auto* curl = dynamic_cast<const CurlTransport*>(&transport)) {
    return curl->stats();
  }
  return std::nullopt;
}

}  // namespace loginid
