// The default HttpTransport: libcurl handles kept in a pool (each an easy handle driven by a multi
// handle of its own, which keeps its keep-alive connections, so a connection is reused by the next
// call on any thread) plus one share handle for the DNS and TLS session caches. A handle is used by
// one thread at a time; only the share is used concurrently, under its lock callbacks. The exchange
// runs in curl_multi_poll rather than curl_easy_perform because only the former can be woken from
// another thread (curl_multi_wakeup): a cancelled call aborts its exchange at once instead of at
// libcurl's next progress callback (up to a second later while waiting for an answer). TLS: peer and host always verified, TLS 1.2 at
// least, and a handshake that cannot succeed on a retry (an untrusted, expired or misnamed
// certificate) is reported as tls_failed with what to do about it.
//
// fork(): a child process inherits the pool's handles with their open connections (the very sockets
// the parent uses) and whatever locks other threads held at that instant. A child using one would
// interleave two processes' requests on one connection, so an answer could reach the wrong process;
// even cleaning one up would hurt the parent (libcurl reads the peer's pending bytes and sends a TLS
// close_notify on it). So every transport takes part in fork_safety.hpp: its pool is held still
// across the fork, and in the child it forgets what it inherited: the inherited sockets are closed
// (close() only drops the child's reference, the parent's connection stays up), the handles and the
// shared caches are left unfreed and never touched again, and new ones are made on demand.

#include <curl/curl.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <new>
#include <unordered_set>
#include <vector>

#include "fork_safety.hpp"
#include "loginid/error.hpp"
#include "loginid/transport.hpp"

namespace loginid::inline v1 {
namespace {

using Kind = TransportError::Reason;

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
  /// Forgets the handle without cleaning it up (a forked child's inherited handle: cleaning it up
  /// would act on the parent's connection).
  void abandon() noexcept { handle_ = nullptr; }

 private:
  void reset_handle() noexcept {
    if (handle_ != nullptr) {
      curl_easy_cleanup(handle_);
      handle_ = nullptr;
    }
  }
  CURL* handle_;
};

// Owns one CURLM. Move-only, like CurlEasy.
class CurlMulti final {
 public:
  CurlMulti() : handle_(curl_multi_init()) {
    if (handle_ == nullptr) {
      throw TransportError(Kind::refused_locally, "libcurl could not create a multi handle");
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

// An easy handle and the multi that runs it (and keeps its connections). The multi is declared
// first so that it is cleaned up last: the easy handle is never in it outside an exchange.
struct PooledHandle {
  CurlMulti multi;
  CurlEasy easy;
};

// The longest curl_multi_poll sleeps at once. libcurl shortens it to its own next timeout, and a
// cancellation wakes it: this only bounds a wait if both were ever missed.
constexpr int kMaxPollMillis = 1000;

// How an exchange ended: libcurl's result, or aborted because the call was cancelled.
struct Transfer {
  CURLcode code = CURLE_OK;
  bool cancelled = false;
};

// Runs the configured exchange of `handle` to its end, like curl_easy_perform, but returns at once
// when `cancellation` is cancelled (its callback wakes curl_multi_poll from the cancelling thread).
Transfer perform(PooledHandle& handle, const CancellationToken& cancellation) {
  CURLM* multi = handle.multi.get();
  CURL* easy = handle.easy.get();
  if (curl_multi_add_handle(multi, easy) != CURLM_OK) {
    return Transfer{CURLE_OUT_OF_MEMORY, false};
  }
  // Removing it mid-transfer (cancelled) makes libcurl close that connection instead of reusing it.
  struct Remove {
    CURLM* multi;
    CURL* easy;
    ~Remove() { curl_multi_remove_handle(multi, easy); }
  } remove{multi, easy};
  // Destroyed before `remove` runs and before the handle goes back to the pool: a late wakeup can
  // only reach this exchange.
  const CancellationRegistration wake = cancellation.on_cancel([multi] { curl_multi_wakeup(multi); });
  for (;;) {
    int running = 0;
    if (curl_multi_perform(multi, &running) != CURLM_OK) {
      return Transfer{CURLE_SEND_ERROR, false};
    }
    if (running == 0) {
      break;
    }
    if (cancellation.is_cancelled()) {
      return Transfer{CURLE_ABORTED_BY_CALLBACK, true};
    }
    if (curl_multi_poll(multi, nullptr, 0, kMaxPollMillis, nullptr) != CURLM_OK) {
      return Transfer{CURLE_RECV_ERROR, false};
    }
  }
  int queued = 0;
  while (const CURLMsg* message = curl_multi_info_read(multi, &queued)) {
    if (message->msg == CURLMSG_DONE && message->easy_handle == easy) {
      return Transfer{message->data.result, false};
    }
  }
  return Transfer{CURLE_RECV_ERROR, false};  // libcurl said it was done without a result
}

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
      throw std::bad_alloc();
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

// --- the CA bundle ------------------------------------------------------------------------------

// What CurlTransportOptions::ca_bundle names. Checked once, when the transport is made, so a typo
// fails there with its name instead of on every call as a TLS failure.
enum class CaSource { system, pem_text, file, directory };

constexpr std::string_view kPemCertificate = "-----BEGIN CERTIFICATE-----";
// A CA file is read this far to find a certificate in it (the Debian system bundle is ~200 KiB).
constexpr std::size_t kMaxCaFileScan = 16 * 1024 * 1024;

bool file_has_certificate(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InvalidArgument("ca_bundle: '" + path + "' cannot be read");
  }
  // In chunks, keeping the end of the previous one: the marker may straddle two.
  std::string window;
  std::array<char, 64 * 1024> chunk{};
  for (std::size_t total = 0; total < kMaxCaFileScan && in; total += chunk.size()) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    window.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (window.find(kPemCertificate) != std::string::npos) {
      return true;
    }
    window.erase(0, window.size() - std::min(window.size(), kPemCertificate.size()));
  }
  return false;
}

// OpenSSL looks certificates up in a directory by subject-name hash: "<8 hex digits>.<n>".
bool is_hashed_name(const std::string& name) {
  if (name.size() < 10 || name[8] != '.') {
    return false;
  }
  const auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return std::all_of(name.begin(), name.begin() + 8, hex) && std::all_of(name.begin() + 9, name.end(), digit);
}

bool directory_has_hashed_certificates(const std::string& path) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    if (is_hashed_name(it->path().filename().string())) {
      return true;
    }
  }
  if (ec) {
    throw InvalidArgument("ca_bundle: the directory '" + path + "' cannot be read: " + ec.message());
  }
  return false;
}

CaSource check_ca_bundle(const std::optional<std::string>& bundle) {
  if (!bundle) {
    return CaSource::system;
  }
  const std::string& value = *bundle;
  if (value.starts_with("-----BEGIN")) {
    if (value.find(kPemCertificate) == std::string::npos) {
      throw InvalidArgument("ca_bundle: the PEM text holds no certificate (" + std::string(kPemCertificate) + ")");
    }
    return CaSource::pem_text;
  }
  if (value.empty()) {
    throw InvalidArgument("ca_bundle: empty (want PEM text, a PEM file or a directory of certificates)");
  }
  std::error_code ec;
  const auto status = std::filesystem::status(value, ec);
  if (!std::filesystem::exists(status)) {
    throw InvalidArgument("ca_bundle: '" + value + "' does not exist (want a PEM file or a directory of certificates)");
  }
  if (std::filesystem::is_directory(status)) {
    if (!directory_has_hashed_certificates(value)) {
      throw InvalidArgument("ca_bundle: the directory '" + value +
                            "' has no certificates under hashed names (run `openssl rehash " + value +
                            "`, or give the PEM file itself)");
    }
    return CaSource::directory;
  }
  if (!std::filesystem::is_regular_file(status)) {
    throw InvalidArgument("ca_bundle: '" + value + "' is neither a file nor a directory");
  }
  if (!file_has_certificate(value)) {
    throw InvalidArgument("ca_bundle: '" + value + "' holds no PEM certificate (" + std::string(kPemCertificate) + ")");
  }
  return CaSource::file;
}

// --- failures --------------------------------------------------------------------------------------

// Where the user sets the CAs to trust, for the messages of certificate failures.
constexpr const char* kTrustAdvice =
    "trust the CA that issued it with Options::ca_bundle (CLI: --ca-bundle FILE or LOGINID_CA_BUNDLE; an emulator's "
    "CA: the ca_bundle of its credentials file, or LOGINID_EMULATOR_CA with LOGINID_EMULATOR_HOST)";

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// CURLE_SSL_CONNECT_ERROR covers both a connection dropped during the handshake (worth a retry)
// and a server that offers no TLS version we accept or no TLS at all (never better on a retry).
// OpenSSL's reason strings are the only way to tell them apart.
bool is_version_failure(std::string_view detail) {
  return contains(detail, "wrong version number") || contains(detail, "unsupported protocol") ||
         contains(detail, "alert protocol version") || contains(detail, "no protocols available") ||
         contains(detail, "packet length too long");
}

Kind kind_of(CURLcode code, CURL* handle, std::string_view detail) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_USE_SSL_FAILED:
      return Kind::connect_failed;
    case CURLE_SSL_CONNECT_ERROR:
      return is_version_failure(detail) ? Kind::tls_failed : Kind::connect_failed;
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
      return Kind::tls_failed;
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

// "TLS: <what failed> (<libcurl's words>): <what to do>". `verify_result` is OpenSSL's verdict on
// the server's chain.
std::string tls_failure_text(CURLcode code, long verify_result, const std::string& detail) {
  if (code == CURLE_PEER_FAILED_VERIFICATION) {
    // libcurl checks the host name itself, after OpenSSL accepted the chain, and names the host.
    if (contains(detail, "target host name")) {
      verify_result = X509_V_ERR_HOSTNAME_MISMATCH;
    }
    switch (verify_result) {
      case X509_V_ERR_CERT_HAS_EXPIRED:
        return "TLS: the server's certificate has expired (" + detail +
               "): it must be renewed (or this machine's clock is wrong)";
      case X509_V_ERR_CERT_NOT_YET_VALID:
        return "TLS: the server's certificate is not valid yet (" + detail + "): check this machine's clock";
      case X509_V_ERR_HOSTNAME_MISMATCH:
      case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return "TLS: the server's certificate is issued for another host name (" + detail +
               "): use a URL with a host the certificate names, or a certificate for this host (the emulator: "
               "--tls-self-signed --host NAME)";
      case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
      case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      case X509_V_ERR_CERT_UNTRUSTED:
        return "TLS: the server's certificate is signed by an unknown CA (" + detail + "): " + kTrustAdvice;
      default:
        return "TLS: the server's certificate was rejected (" + detail + ", X509 verify result " +
               std::to_string(verify_result) + "): " + kTrustAdvice;
    }
  }
  if (code == CURLE_SSL_CACERT_BADFILE) {
    return "TLS: the CA bundle could not be used (" + detail +
           "): Options::ca_bundle (CLI: --ca-bundle) must be a PEM file or a directory of hashed certificates";
  }
  if (code == CURLE_SSL_CONNECT_ERROR) {
    return "TLS: no TLS 1.2+ handshake with the server (" + detail +
           "): the server must offer TLS 1.2 or newer (\"wrong version number\": it speaks plain http)";
  }
  return "TLS: " + detail;
}

class CurlTransport final : public HttpTransport, private detail::ForkParticipant {
 public:
  explicit CurlTransport(CurlTransportOptions options)
      : options_(std::move(options)), ca_source_(check_ca_bundle(options_.ca_bundle)) {
    detail::ForkRegistry::instance().add(this);
  }
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;
  ~CurlTransport() override {
    detail::ForkRegistry::instance().remove(this);  // first: a fork on another thread must not see a half-destroyed pool
    idle_.clear();                           // closes their connections (through on_close_socket)
  }

  HttpResponse send(const HttpRequest& request) override {
    check_request(request);
    if (request.cancellation.is_cancelled()) {
      throw Cancelled(request.method + " " + request.url + ": cancelled before sending");
    }
    requests_.fetch_add(1, std::memory_order_relaxed);
    CURLSH* share = nullptr;
    PooledHandle handle = acquire(share);
    CURL* easy = handle.easy.get();
    Exchange exchange;
    exchange.max_body = options_.max_response_bytes;
    const HeaderList headers = header_list(request);
    configure(easy, share, request, headers.get(), exchange);
    const Transfer transfer = perform(handle, request.cancellation);
    long connects = 0;
    curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
    connections_.fetch_add(static_cast<std::uint64_t>(std::max(0L, connects)), std::memory_order_relaxed);
    if (transfer.cancelled) {
      release(std::move(handle));
      throw Cancelled(request.method + " " + request.url + ": cancelled during the exchange (aborted)");
    }
    if (transfer.code != CURLE_OK) {
      const std::string detail =
          exchange.error[0] != '\0' ? exchange.error.data() : curl_easy_strerror(transfer.code);
      const Kind kind = kind_of(transfer.code, easy, detail);
      long verify_result = X509_V_OK;
      curl_easy_getinfo(easy, CURLINFO_SSL_VERIFYRESULT, &verify_result);
      release(std::move(handle));
      throw failure(transfer.code, kind, detail, verify_result, exchange, request);
    }
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    release(std::move(handle));
    return HttpResponse{static_cast<int>(status), std::move(exchange.headers), std::move(exchange.body)};
  }

  [[nodiscard]] TransportStats stats() const noexcept {
    return {requests_.load(std::memory_order_relaxed), connections_.load(std::memory_order_relaxed)};
  }

 private:
  // fork_safety.hpp: the pool is held from just before fork() until it returns, in both processes.
  void lock_for_fork() noexcept override { pool_mutex_.lock(); }
  void unlock_in_parent() noexcept override { pool_mutex_.unlock(); }

  // In the child: the inherited connections are the parent's.
  void restart_in_child() noexcept override {
    for (const curl_socket_t socket : sockets_) ::close(socket);
    sockets_.clear();
    for (PooledHandle& handle : idle_) {
      handle.easy.abandon();
      handle.multi.abandon();
    }
    idle_.clear();
    // Its locks may be held by threads that do not exist in this process: a new one is made on demand.
    static_cast<void>(share_.release());
    pool_mutex_.unlock();
  }

  // An idle handle (or a new one) and the share it must use (made on the first call, and again on
  // the first call in a forked child).
  PooledHandle acquire(CURLSH*& share) {
    {
      const std::lock_guard lock(pool_mutex_);
      if (!share_) share_ = std::make_unique<CurlShare>();
      share = share_->get();
      if (!idle_.empty()) {
        PooledHandle handle = std::move(idle_.back());
        idle_.pop_back();
        return handle;
      }
    }
    return PooledHandle{};
  }

  // Every socket libcurl opens for this transport is known (a forked child closes its copies) and is
  // close-on-exec (an exec'd child never holds the connection open).
  static curl_socket_t on_open_socket(void* self, curlsocktype /*purpose*/, curl_sockaddr* address) {
    const curl_socket_t socket = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
    if (socket == CURL_SOCKET_BAD) return CURL_SOCKET_BAD;
    auto* transport = static_cast<CurlTransport*>(self);
    try {
      const std::lock_guard lock(transport->pool_mutex_);
      transport->sockets_.insert(socket);
    } catch (const std::bad_alloc&) {
      ::close(socket);
      return CURL_SOCKET_BAD;  // the exchange fails (connect_failed) instead of losing track of a socket
    }
    return socket;
  }

  static int on_close_socket(void* self, curl_socket_t socket) {
    auto* transport = static_cast<CurlTransport*>(self);
    {
      const std::lock_guard lock(transport->pool_mutex_);
      transport->sockets_.erase(socket);
    }
    return ::close(socket);
  }

  void release(PooledHandle&& handle) {
    curl_easy_reset(handle.easy.get());  // forgets options; the multi keeps the live connections
    const std::lock_guard lock(pool_mutex_);
    if (idle_.size() < options_.max_idle_connections) {
      idle_.push_back(std::move(handle));
    }
  }

  void configure(CURL* h, CURLSH* share, const HttpRequest& request, curl_slist* headers, Exchange& exchange) {
    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, to_millis(request.timeout));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, to_millis(std::min(request.connect_timeout, request.timeout)));
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    set_ca_bundle(h);
    curl_easy_setopt(h, CURLOPT_SHARE, share);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, &CurlTransport::on_open_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, this);
    curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, &CurlTransport::on_close_socket);
    curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, this);
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

  // Only the given CAs, never the system store besides them.
  void set_ca_bundle(CURL* h) const {
    const char* const none = nullptr;
    switch (ca_source_) {
      case CaSource::system:
        return;
      case CaSource::pem_text: {
        const std::string& pem = *options_.ca_bundle;
        curl_blob blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
        curl_easy_setopt(h, CURLOPT_CAPATH, none);
        return;
      }
      case CaSource::file:
        curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_bundle->c_str());
        curl_easy_setopt(h, CURLOPT_CAPATH, none);
        return;
      case CaSource::directory:
        curl_easy_setopt(h, CURLOPT_CAINFO, none);
        curl_easy_setopt(h, CURLOPT_CAPATH, options_.ca_bundle->c_str());
        return;
    }
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

  TransportError failure(CURLcode code, Kind kind, const std::string& detail, long verify_result,
                         const Exchange& exchange, const HttpRequest& request) const {
    if (exchange.body_too_large || code == CURLE_FILESIZE_EXCEEDED) {
      return TransportError(Kind::io_failed, request.method + " " + request.url + ": response body larger than " +
                                                 std::to_string(options_.max_response_bytes) + " bytes");
    }
    if (exchange.headers_too_large) {
      return TransportError(Kind::io_failed, request.method + " " + request.url + ": response headers larger than " +
                                                 std::to_string(kMaxResponseHeaderBytes) + " bytes");
    }
    if (kind == Kind::tls_failed) {
      return TransportError(kind, request.method + " " + request.url + ": " + tls_failure_text(code, verify_result, detail));
    }
    std::string text = request.method + " " + request.url + ": " + detail;
    if (code == CURLE_OPERATION_TIMEDOUT) {
      text += " (timeout " + std::to_string(request.timeout.count()) + " ms)";
    }
    return TransportError(kind, text);
  }

  CurlTransportOptions options_;
  CaSource ca_source_;
  std::mutex pool_mutex_;  // guards share_, sockets_ and idle_
  std::unique_ptr<CurlShare> share_;  // declared before the pool: the handles using it are cleaned up first
  std::unordered_set<curl_socket_t> sockets_;  // open now (idle, or in use by a call)
  std::vector<PooledHandle> idle_;
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

}  // namespace loginid::inline v1
