#include "curl_easy_setup.hpp"

#include <openssl/x509_vfy.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <new>
#include <string_view>

namespace loginid::detail {
namespace {

using Kind = TransportError::Reason;

// Response header bytes kept per exchange (all header lines, interim responses and redirects
// included). libcurl bounds each line (100 KiB) but, before 8.14, not how many lines a server may
// send, and every line becomes a pair of strings here: a server streaming headers could grow a
// call's memory without end. Real answers carry 1-2 KiB.
constexpr std::size_t kMaxResponseHeaderBytes = 64 * 1024;

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<CurlExchange*>(user);
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
  auto* exchange = static_cast<CurlExchange*>(user);
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

long to_millis(std::chrono::milliseconds value) { return static_cast<long>(std::max<long long>(1, value.count())); }

// --- the CA bundle ------------------------------------------------------------------------------

// What CurlTransportOptions::ca_bundle names. Checked once, when the transport is made, so a typo
// fails there with its name instead of on every call as a TLS failure.
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

// A socket() that failed for want of a descriptor (libcurl would only say "Couldn't connect to
// server"). The request was not sent; a retry right away would meet the same limit.
std::string out_of_files_text(int error) {
  if (error == ENFILE) {
    return "not sent: the system is out of open files (ENFILE: its file table is full)";
  }
  rlimit limit{};
  const bool known = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY;
  return "not sent: this process is out of open files (EMFILE: every descriptor up to its limit" +
         (known ? " of " + std::to_string(limit.rlim_cur) : std::string()) +
         " is in use; raise RLIMIT_NOFILE (ulimit -n) or make fewer calls at once)";
}

// libcurl 7.88 refuses a single header line over its own bound (CURL_MAX_HTTP_HEADER, 100 KiB)
// before the header callback sees it, and reports it as CURLE_OUT_OF_MEMORY with no message of its
// own. A line that long is over kMaxResponseHeaderBytes too: the same failure as header lines that
// add up to too much, not a local refusal. Told apart from a real allocation failure by where it
// happened: after the request went out, before any body byte arrived (an allocation failure
// there would not be retried either).
bool is_header_line_rejected(CURLcode code, CURL* handle, const CurlExchange& exchange) {
  if (code != CURLE_OUT_OF_MEMORY || !exchange.body.empty()) return false;
  long request_bytes = 0;
  curl_easy_getinfo(handle, CURLINFO_REQUEST_SIZE, &request_bytes);
  return request_bytes > 0;
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

}  // namespace

void curl_global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw TransportError(Kind::refused_locally, "libcurl could not be initialised");
    }
  });
}

CurlEasy::CurlEasy() : handle_(curl_easy_init()) {
  if (handle_ == nullptr) {
    throw TransportError(Kind::refused_locally, "libcurl could not create a handle");
  }
}

CurlEasy& CurlEasy::operator=(CurlEasy&& other) noexcept {
  if (this != &other) {
    reset_handle();
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

void CurlEasy::reset_handle() noexcept {
  if (handle_ != nullptr) {
    curl_easy_cleanup(handle_);
    handle_ = nullptr;
  }
}

CurlShare::CurlShare() : share_(curl_share_init()) {
  if (share_ == nullptr) {
    throw TransportError(Kind::refused_locally, "libcurl could not create a share handle");
  }
  curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &CurlShare::lock);
  curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &CurlShare::unlock);
  curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
}

void CurlShare::lock(CURL* /*handle*/, curl_lock_data data, curl_lock_access /*access*/, void* self) {
  static_cast<CurlShare*>(self)->mutex_for(data).lock();
}

void CurlShare::unlock(CURL* /*handle*/, curl_lock_data data, void* self) {
  static_cast<CurlShare*>(self)->mutex_for(data).unlock();
}

std::mutex& CurlShare::mutex_for(curl_lock_data data) noexcept {
  const auto index = static_cast<std::size_t>(data);
  return mutexes_[index < mutexes_.size() ? index : 0];
}

// Opening goes through the exchange (to record why a socket could not be opened), closing through
// the set only: a cached connection is closed after its exchange has ended.
void CurlSockets::attach(CURL* handle, CurlExchange& exchange) {
  exchange.sockets = this;
  curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, &CurlSockets::on_open);
  curl_easy_setopt(handle, CURLOPT_OPENSOCKETDATA, &exchange);
  curl_easy_setopt(handle, CURLOPT_CLOSESOCKETFUNCTION, &CurlSockets::on_close);
  curl_easy_setopt(handle, CURLOPT_CLOSESOCKETDATA, this);
}

// close() only drops the child's reference: the parent's connection stays up.
void CurlSockets::close_inherited() noexcept {
  for (const curl_socket_t socket : open_) ::close(socket);
  open_.clear();
}

curl_socket_t CurlSockets::on_open(void* exchange, curlsocktype /*purpose*/, curl_sockaddr* address) {
  const curl_socket_t socket = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (socket == CURL_SOCKET_BAD) {
    static_cast<CurlExchange*>(exchange)->socket_errno = errno;  // libcurl keeps no errno of it
    return CURL_SOCKET_BAD;
  }
  // A socket that opens makes an earlier EMFILE of this exchange (another address family, an earlier
  // attempt's connection) stale: the exchange fails, if it does, for whatever happens to this one.
  static_cast<CurlExchange*>(exchange)->socket_errno = 0;
  auto* sockets = static_cast<CurlExchange*>(exchange)->sockets;
  try {
    const std::lock_guard lock(sockets->mutex_);
    sockets->open_.insert(socket);
  } catch (const std::bad_alloc&) {
    ::close(socket);
    return CURL_SOCKET_BAD;  // the exchange fails (connect_failed) instead of losing track of a socket
  }
  return socket;
}

int CurlSockets::on_close(void* self, curl_socket_t socket) {
  auto* sockets = static_cast<CurlSockets*>(self);
  {
    const std::lock_guard lock(sockets->mutex_);
    sockets->open_.erase(socket);
  }
  return ::close(socket);
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

CurlHeaderList curl_header_list(const HttpRequest& request) {
  CurlHeaderList list(nullptr, &curl_slist_free_all);
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

CurlEasySetup::CurlEasySetup(CurlTransportOptions options)
    : options_(std::move(options)), ca_source_(check_ca_bundle(options_.ca_bundle)) {}

CurlEasySetup::CaSource CurlEasySetup::check_ca_bundle(const std::optional<std::string>& bundle) {
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

void CurlEasySetup::configure(CURL* h, CURLSH* share, CurlSockets& sockets, const HttpRequest& request,
                              curl_slist* headers, CurlExchange& exchange) const {
  exchange.max_body = options_.max_response_bytes;
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
  exchange.socket_errno = 0;
  sockets.attach(h, exchange);
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
void CurlEasySetup::set_ca_bundle(CURL* h) const {
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

HttpResponse CurlEasySetup::answer(CURL* handle, CurlExchange& exchange) {
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  return HttpResponse{static_cast<int>(status), std::move(exchange.headers), std::move(exchange.body)};
}

TransportError CurlEasySetup::failure(CURLcode code, CURL* handle, const CurlExchange& exchange,
                                      const HttpRequest& request) const {
  const std::string where = request.method + " " + request.url + ": ";
  // What the SDK's own bounds and callbacks saw comes first: libcurl's code for those is a symptom.
  if (exchange.body_too_large || code == CURLE_FILESIZE_EXCEEDED) {
    return TransportError(Kind::response_too_large,
                          where + "response body larger than " + std::to_string(options_.max_response_bytes) +
                              " bytes (the bound CurlTransportOptions::max_response_bytes; not retried)");
  }
  if (exchange.headers_too_large) {
    return TransportError(Kind::response_too_large,
                          where + "response headers larger than " + std::to_string(kMaxResponseHeaderBytes) +
                              " bytes (the SDK's bound on an answer's header lines; not retried)");
  }
  if (is_header_line_rejected(code, handle, exchange)) {
    return TransportError(Kind::response_too_large,
                          where + "response headers larger than " + std::to_string(kMaxResponseHeaderBytes) +
                              " bytes (one header line over libcurl's " + std::to_string(CURL_MAX_HTTP_HEADER) +
                              "-byte line bound, which libcurl reports as out of memory; not retried)");
  }
  if (exchange.socket_errno == EMFILE || exchange.socket_errno == ENFILE) {
    return TransportError(Kind::refused_locally, where + out_of_files_text(exchange.socket_errno));
  }
  const std::string detail = exchange.error[0] != '\0' ? exchange.error.data() : curl_easy_strerror(code);
  const Kind kind = kind_of(code, handle, detail);
  if (kind == Kind::tls_failed) {
    long verify_result = X509_V_OK;
    curl_easy_getinfo(handle, CURLINFO_SSL_VERIFYRESULT, &verify_result);
    return TransportError(kind, where + tls_failure_text(code, verify_result, detail));
  }
  std::string text = where + detail;
  if (code == CURLE_OPERATION_TIMEDOUT) {
    text += " (timeout " + std::to_string(request.timeout.count()) + " ms)";
  }
  return TransportError(kind, text);
}

}  // namespace loginid::detail
