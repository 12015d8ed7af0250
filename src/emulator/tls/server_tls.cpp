#include "emulator/tls/server_tls.hpp"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace loginid::detail::emulator::tls {
namespace {

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using CtxPtr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

// Forward secrecy and AEAD only for TLS 1.2 (Mozilla's "intermediate" list); TLS 1.3's suites
// are all of that kind already.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string read_pem_file(const std::string& flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(flag + " " + path + ": cannot be read: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  // A PEM file is small; anything big is not one (and must not be read whole).
  if (text.str().size() > 1024 * 1024) throw std::runtime_error(flag + " " + path + ": over 1 MiB, not a PEM file");
  return text.str();
}

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

/// OpenSSL's reason for the last failure (its queue is emptied): never key material, only words.
std::string openssl_reason() {
  unsigned long last = 0;
  while (unsigned long code = ERR_get_error()) last = code;
  if (last == 0) return "unknown reason";
  const char* reason = ERR_reason_error_string(last);
  return reason != nullptr ? reason : "error " + std::to_string(last);
}

std::vector<X509Ptr> parse_certificates(const std::string& cert_file, const std::string& text) {
  const std::string where = "--tls-cert " + cert_file;
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), &BIO_free);
  std::vector<X509Ptr> chain;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) chain.emplace_back(cert, &X509_free);
  ERR_clear_error();  // the loop ends on "no start line"
  if (!chain.empty()) return chain;
  if (contains(text, "PRIVATE KEY-----")) {
    throw std::runtime_error(where + ": holds a private key, not a certificate (are --tls-cert and --tls-key swapped?)");
  }
  if (contains(text, "-----BEGIN CERTIFICATE-----")) {
    throw std::runtime_error(where + ": its CERTIFICATE block is damaged (" + openssl_reason() + ")");
  }
  throw std::runtime_error(where + ": holds no PEM certificate (want a '-----BEGIN CERTIFICATE-----' block)");
}

// Never asks for a passphrase: the emulator runs unattended.
int no_passphrase(char*, int, int, void*) { return -1; }

KeyPtr parse_private_key(const std::string& key_file, const std::string& text) {
  const std::string where = "--tls-key " + key_file;
  if (contains(text, "ENCRYPTED")) {
    throw std::runtime_error(where + ": the key is passphrase-protected; give it unencrypted (openssl pkey -in " +
                             key_file + " -out key.pem)");
  }
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), &BIO_free);
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, &no_passphrase, nullptr), &EVP_PKEY_free);
  if (key) return key;
  const std::string reason = openssl_reason();
  if (contains(text, "PRIVATE KEY-----")) throw std::runtime_error(where + ": its PRIVATE KEY block is damaged (" + reason + ")");
  if (contains(text, "-----BEGIN CERTIFICATE-----")) {
    throw std::runtime_error(where + ": holds a certificate, not a private key (are --tls-cert and --tls-key swapped?)");
  }
  throw std::runtime_error(where + ": holds no PEM private key (want a '-----BEGIN PRIVATE KEY-----' block)");
}

/// Puts the identity into `ctx`; the empty string when done, else what OpenSSL refused.
std::string apply_identity(SSL_CTX& ctx, const ServerIdentity& identity) {
  if (SSL_CTX_use_certificate(&ctx, identity.chain.front().get()) != 1) return "the certificate: " + openssl_reason();
  for (std::size_t i = 1; i < identity.chain.size(); ++i) {
    if (SSL_CTX_add1_chain_cert(&ctx, identity.chain[i].get()) != 1) {
      return "chain certificate " + std::to_string(i + 1) + ": " + openssl_reason();
    }
  }
  if (SSL_CTX_use_PrivateKey(&ctx, identity.key.get()) != 1) return "the private key: " + openssl_reason();
  if (SSL_CTX_check_private_key(&ctx) != 1) return "the private key does not belong to the certificate";
  return {};
}

std::string time_text(const ASN1_TIME* time) {
  BioPtr bio(BIO_new(BIO_s_mem()), &BIO_free);
  ASN1_TIME_print(bio.get(), time);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

bool is_wildcard_address(const std::string& host) { return host.empty() || host == "0.0.0.0" || host == "::"; }

std::string unbracketed(std::string host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host;
}

int ex_data_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int peer_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

ServerTls* owner_of(const SSL* ssl) {
  return static_cast<ServerTls*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ex_data_index()));
}

}  // namespace

ServerIdentity load_identity(const std::string& cert_file, const std::string& key_file) {
  ServerIdentity identity;
  identity.chain = parse_certificates(cert_file, read_pem_file("--tls-cert", cert_file));
  identity.key = parse_private_key(key_file, read_pem_file("--tls-key", key_file));
  if (X509_check_private_key(identity.chain.front().get(), identity.key.get()) != 1) {
    ERR_clear_error();
    throw std::runtime_error("--tls-key " + key_file + " does not belong to the certificate in --tls-cert " + cert_file +
                             " (their public keys differ; the certificate must come first in its file)");
  }
  // What a server context will refuse (too small a key, too weak a signature) fails now, by name.
  CtxPtr probe(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  if (!probe) throw std::runtime_error("TLS: cannot create an OpenSSL context: " + openssl_reason());
  if (auto refused = apply_identity(*probe, identity); !refused.empty()) {
    throw std::runtime_error("--tls-cert " + cert_file + " / --tls-key " + key_file + ": OpenSSL refuses " + refused);
  }
  return identity;
}

bool certificate_names(const ServerIdentity& identity, const std::string& host) {
  const std::string name = unbracketed(host);
  X509* leaf = identity.chain.front().get();
  if (X509_check_ip_asc(leaf, name.c_str(), 0) == 1) return true;
  return X509_check_host(leaf, name.c_str(), name.size(), 0, nullptr) == 1;
}

std::vector<std::string> identity_warnings(const ServerIdentity& identity, const std::string& host, std::time_t now) {
  std::vector<std::string> warnings;
  X509* leaf = identity.chain.front().get();
  if (X509_cmp_time(X509_get0_notAfter(leaf), &now) < 0) {
    warnings.push_back("the TLS certificate expired on " + time_text(X509_get0_notAfter(leaf)) +
                       ": clients will refuse every connection (renew it)");
  }
  if (X509_cmp_time(X509_get0_notBefore(leaf), &now) > 0) {
    warnings.push_back("the TLS certificate is not valid before " + time_text(X509_get0_notBefore(leaf)) +
                       ": clients will refuse every connection until then");
  }
  if (!is_wildcard_address(host) && !certificate_names(identity, host)) {
    warnings.push_back("the TLS certificate does not name '" + unbracketed(host) + "' (--host): clients connecting by "
                       "that name will refuse it; use a name it holds");
  }
  return warnings;
}

bool ServerTls::configure(SSL_CTX& ctx) {
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(&ctx, kTls12Ciphers) != 1) {
    if (log_.info) log_.info("TLS: the cipher list was refused: " + openssl_reason());
    return false;
  }
  if (auto refused = apply_identity(ctx, identity_); !refused.empty()) {
    if (log_.info) log_.info("TLS: OpenSSL refuses " + refused);
    return false;
  }
  SSL_CTX_set_ex_data(&ctx, ex_data_index(), this);
  SSL_CTX_set_info_callback(&ctx, &ServerTls::on_info);
  SSL_CTX_set_client_hello_cb(&ctx, &ServerTls::on_client_hello, this);
  return true;
}

int ServerTls::on_client_hello(SSL* ssl, int* /*alert*/, void* arg) {
  auto* self = static_cast<ServerTls*>(arg);
  const auto number = self->started_.fetch_add(1) + 1;
  if (self->log_.debug) self->log_.debug("TLS: handshake " + std::to_string(number) + " from " + peer_of(ssl));
  return SSL_CLIENT_HELLO_SUCCESS;
}

void ServerTls::on_info(const SSL* ssl, int where, int value) {
  // Fatal alerts only (level 2): the handshake or the connection ends there. close_notify is a
  // warning and says nothing wrong.
  if ((where & SSL_CB_ALERT) == 0 || (value >> 8) != 2) return;
  ServerTls* self = owner_of(ssl);
  if (self == nullptr || !self->log_.info) return;
  const std::string alert = SSL_alert_desc_string_long(value);
  if ((where & SSL_CB_READ) != 0) {
    self->log_.info("TLS: connection from " + peer_of(ssl) + " failed: the client refused our certificate or settings (" +
                    alert + ")");
  } else {
    self->log_.info("TLS: connection from " + peer_of(ssl) + " failed: we refused the client (" + alert + ")");
  }
}

void set_peer(SSL* ssl, const std::string* peer) { SSL_set_ex_data(ssl, peer_index(), const_cast<std::string*>(peer)); }

std::string peer_of(const SSL* ssl) {
  if (const auto* named = static_cast<const std::string*>(SSL_get_ex_data(ssl, peer_index()))) return *named;
  sockaddr_storage address{};
  socklen_t size = sizeof address;
  const int fd = SSL_get_fd(ssl);
  if (fd < 0 || ::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) return "an unknown peer";
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &v4->sin_addr, text.data(), text.size());
    return std::string(text.data()) + ":" + std::to_string(ntohs(v4->sin_port));
  }
  if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text.data(), text.size());
    return "[" + std::string(text.data()) + "]:" + std::to_string(ntohs(v6->sin6_port));
  }
  return "an unknown peer";
}

}  // namespace loginid::detail::emulator::tls
