#pragma once
// The emulator's TLS side, independent of any HTTP server library: a server certificate chain and
// its private key loaded from PEM files and checked (each problem names the file and what is
// wrong; the key itself never appears in a message), and the setup of an OpenSSL SSL_CTX with
// them (TLS 1.2 or newer, no compression or renegotiation) plus a log of handshakes. Any server
// that hands out an SSL_CTX (cpp-httplib's SSLServer, Boost.Asio's ssl::context) can use it.

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <atomic>
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace loginid::detail::emulator::tls {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

/// A server's certificate (the first of `chain`), the rest of its chain, and its private key.
struct ServerIdentity {
  std::vector<X509Ptr> chain;  ///< leaf first, then the intermediates as given
  KeyPtr key{nullptr, &EVP_PKEY_free};
};

/// Reads a PEM certificate chain and its PEM private key. Throws std::runtime_error naming the
/// flag and file for: a file that cannot be read, no certificate / no private key in it, a
/// passphrase-protected key, a key that does not belong to the certificate, a key OpenSSL's
/// default security level refuses (e.g. RSA below 2048 bits).
ServerIdentity load_identity(const std::string& cert_file, const std::string& key_file);

/// Start-up warnings about an identity that still loads: expired or not yet valid at `now`, or
/// not naming `host` (a client connecting by that name would refuse it).
std::vector<std::string> identity_warnings(const ServerIdentity& identity, const std::string& host, std::time_t now);

/// True when `identity`'s leaf certificate names `host` (DNS name or IP address in subjectAltName).
bool certificate_names(const ServerIdentity& identity, const std::string& host);

/// Where the TLS layer reports: `debug` for every handshake a client starts, `info` for failed
/// ones (with the alert, e.g. "the client refused our certificate: unknown CA"). Lines hold
/// addresses and OpenSSL's words only.
struct HandshakeLog {
  std::function<void(const std::string&)> debug;
  std::function<void(const std::string&)> info;
};

/// The TLS settings of a listening server: its identity, and counters the tests read.
class ServerTls {
 public:
  ServerTls(ServerIdentity identity, HandshakeLog log) : identity_(std::move(identity)), log_(std::move(log)) {}
  ServerTls(const ServerTls&) = delete;
  ServerTls& operator=(const ServerTls&) = delete;

  /// Sets up `ctx` for serving: TLS 1.2 minimum, the certificate chain and key, no compression,
  /// no renegotiation, the server's cipher order, and the handshake log. False (with a line on
  /// the info log) when OpenSSL refuses a part of it. `this` must outlive `ctx`.
  bool configure(SSL_CTX& ctx);

  /// Handshakes clients started (one per ClientHello): one per connection attempt.
  [[nodiscard]] std::uint64_t handshakes_started() const noexcept { return started_.load(); }

 private:
  static void on_info(const SSL* ssl, int where, int value);
  static int on_client_hello(SSL* ssl, int* alert, void* arg);

  ServerIdentity identity_;
  HandshakeLog log_;
  std::atomic<std::uint64_t> started_{0};
};

/// The peer of a TLS connection for log lines: "127.0.0.1:54321" or "[::1]:54321": the text
/// given to set_peer, else the address of the SSL's socket.
std::string peer_of(const SSL* ssl);

/// Names the peer of `ssl` for peer_of, for a server whose SSL objects read through a memory BIO
/// (Boost.Asio's ssl::stream) and so have no socket. `peer` must outlive `ssl`.
void set_peer(SSL* ssl, const std::string* peer);

}  // namespace loginid::detail::emulator::tls
