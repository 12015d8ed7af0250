#pragma once
/// @file transport.hpp
/// The one seam between the SDK and the network: HttpTransport::send. The default is libcurl;
/// tests inject a fake to record requests or simulate faults.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loginid/cancellation.hpp"
#include "loginid/error.hpp"
#include "loginid/version.hpp"

namespace loginid::inline v1 {

/// Header list; names compared case-insensitively by header().
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

/// One HTTP request, fully resolved (absolute URL).
struct HttpRequest final {
  std::string method{};  ///< "GET", "POST", "PUT", "DELETE"
  std::string url{};      ///< absolute http:// or https:// URL, query included
  HttpHeaders headers{};  ///< request headers, in sending order
  std::string body{};     ///< request body; empty for none
  /// The whole exchange must end within this (connect + send + receive). The SDK sets it to the
  /// time left before the call's deadline (CallOptions), so an attempt never outlives its call.
  std::chrono::milliseconds timeout{10'000};
  /// Connecting (TCP and TLS) must end within this (never more than `timeout`).
  std::chrono::milliseconds connect_timeout{3'000};
  /// The call's CallOptions::cancellation. When it is cancelled during send(), a transport should
  /// abort the exchange at once and throw loginid::Cancelled (a transport that does not look at it
  /// makes the call end when its exchange ends: the SDK then throws Cancelled itself).
  CancellationToken cancellation{};
};

/// One HTTP answer (any status: non-2xx is not an exception at this level).
struct HttpResponse final {
  int status = 0;         ///< HTTP status code
  HttpHeaders headers{};  ///< response headers, in received order
  std::string body{};     ///< response body
  /// First header with this name (case-insensitive), or nullopt.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const noexcept;
};

/// Sends requests. Implementations must be safe to call from many threads at once.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  /// Returns the answer (any status) or throws TransportError (loginid/error.hpp), or Cancelled
  /// when `request.cancellation` was cancelled during the exchange.
  virtual HttpResponse send(const HttpRequest& request) = 0;
};

/// Options of the default libcurl transport.
struct CurlTransportOptions final {
  /// The CAs to trust instead of the system store (https only): PEM text (starting with
  /// "-----BEGIN"), the path of a PEM file of one or more certificates, or the path of a directory
  /// of certificates under hashed names (`openssl rehash DIR`, like /etc/ssl/certs). Peer and host
  /// verification are always on; TLS 1.2 is the minimum.
  std::optional<std::string> ca_bundle{};
  /// Connections kept alive for reuse across calls and threads.
  std::size_t max_idle_connections = 16;
  /// The User-Agent header of every request.
  std::string user_agent = "loginid-cpp/" LOGINID_VERSION_STRING;
  /// Larger response bodies fail the call at once (TransportError response_too_large, never
  /// retried) instead of using unbounded memory.
  std::size_t max_response_bytes = 1024 * 1024;
};

/// Counters of a transport made by make_curl_transport (diagnostics, benchmarks, tests).
struct TransportStats final {
  std::uint64_t requests = 0;            ///< exchanges attempted
  std::uint64_t connections_opened = 0;  ///< new TCP connections (a reused keep-alive connection adds none)
};

/// The default transport: libcurl with connection reuse (keep-alive), shared DNS and TLS session
/// caches, and an upper bound on idle connections.
/// Throws InvalidArgument (naming `ca_bundle`) when ca_bundle is a path that does not exist, a file
/// with no PEM certificate, or a directory without hashed certificate names.
std::shared_ptr<HttpTransport> make_curl_transport(const CurlTransportOptions& options = {});

/// The counters of `transport` when make_curl_transport made it, else nullopt.
std::optional<TransportStats> curl_transport_stats(const HttpTransport& transport) noexcept;

}  // namespace loginid::inline v1
