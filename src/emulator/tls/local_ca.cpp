#include "emulator/tls/local_ca.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace loginid::detail::emulator::tls {
namespace {

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;

constexpr long kHour = 3600;
constexpr long kDay = 24 * kHour;
constexpr long kCaLifetime = 10 * 365 * kDay;
// Browsers refuse server certificates valid for longer than 398 days.
constexpr long kServerLifetime = 397 * kDay;
// A CA this close to its end is replaced, so the certificate it issues is not cut short.
constexpr long kCaRenewBefore = 30 * kDay;

void check(bool ok, const char* what) {
  if (!ok) {
    ERR_clear_error();
    throw std::runtime_error(std::string("TLS: making the local CA: ") + what + " failed");
  }
}

KeyPtr new_p256_key() {
  KeyPtr key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  check(key != nullptr, "EVP_EC_gen(P-256)");
  return key;
}

// Random serial numbers: a certificate is issued at every start, and browsers refuse two
// different certificates with the same issuer and serial.
void set_random_serial(X509* cert) {
  BnPtr serial(BN_new(), &BN_free);
  check(serial && BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1, "BN_rand");
  check(BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) != nullptr, "BN_to_ASN1_INTEGER");
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str());
  check(extension != nullptr, "X509V3_EXT_nconf_nid");
  const int added = X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
  check(added == 1, "X509_add_ext");
}

void add_name_entry(X509_NAME* name, const char* field, const std::string& value) {
  check(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.c_str()),
                                   -1, -1, 0) == 1,
        "X509_NAME_add_entry_by_txt");
}

X509Ptr new_certificate(EVP_PKEY* key, const std::string& common_name, long not_before, long not_after) {
  X509Ptr cert(X509_new(), &X509_free);
  check(cert != nullptr, "X509_new");
  check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");
  set_random_serial(cert.get());
  check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), not_before) != nullptr, "X509_gmtime_adj");
  check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), not_after) != nullptr, "X509_gmtime_adj");
  check(X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");
  X509_NAME* subject = X509_get_subject_name(cert.get());
  add_name_entry(subject, "O", "loginid-emulator");
  add_name_entry(subject, "CN", common_name);
  return cert;
}

std::string pem_of(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()), &BIO_free);
  check(bio && PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string pem_of(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()), &BIO_free);
  check(bio && PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

/// Whole or not at all: a temp file with `mode`, then renamed over `path`.
void write_file(const std::string& path, const std::string& text, mode_t mode) {
  const std::string temp = path + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw std::runtime_error("TLS: cannot write " + temp + ": " + std::strerror(errno));
  bool ok = ::fchmod(fd, mode) == 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    throw std::runtime_error("TLS: cannot write " + path);
  }
}

std::string read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("TLS: the local CA's ") + what + " " + path + " cannot be read: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int no_passphrase(char*, int, int, void*) { return -1; }

LocalCa create_ca(const LocalCaFiles& files) {
  LocalCa ca;
  ca.key = new_p256_key();
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  ca.cert = new_certificate(ca.key.get(), std::string("loginid-emulator local CA (") + host + ")", -kHour, kCaLifetime);
  X509* cert = ca.cert.get();
  check(X509_set_issuer_name(cert, X509_get_subject_name(cert)) == 1, "X509_set_issuer_name");
  add_extension(cert, cert, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_extension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(cert, cert, NID_subject_key_identifier, "hash");
  check(X509_sign(cert, ca.key.get(), EVP_sha256()) > 0, "X509_sign");
  // The key first: a certificate without its key on disk would be a CA nobody can use.
  write_file(files.key, pem_of(ca.key.get()), 0600);
  write_file(files.cert, pem_of(cert), 0644);
  ca.created = true;
  return ca;
}

LocalCa load_ca(const LocalCaFiles& files) {
  LocalCa ca;
  const std::string cert_text = read_file(files.cert, "certificate");
  BioPtr cert_bio(BIO_new_mem_buf(cert_text.data(), static_cast<int>(cert_text.size())), &BIO_free);
  ca.cert.reset(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!ca.cert) {
    ERR_clear_error();
    throw std::runtime_error("TLS: the local CA's certificate " + files.cert +
                             " holds no PEM certificate (delete it and " + files.key + " to make a new CA)");
  }
  const std::string key_text = read_file(files.key, "key");
  BioPtr key_bio(BIO_new_mem_buf(key_text.data(), static_cast<int>(key_text.size())), &BIO_free);
  ca.key.reset(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, &no_passphrase, nullptr));
  if (!ca.key) {
    ERR_clear_error();
    throw std::runtime_error("TLS: the local CA's key " + files.key + " holds no unencrypted PEM private key (delete it and " +
                             files.cert + " to make a new CA)");
  }
  if (X509_check_private_key(ca.cert.get(), ca.key.get()) != 1) {
    ERR_clear_error();
    throw std::runtime_error("TLS: the local CA's key " + files.key + " does not belong to its certificate " + files.cert +
                             " (delete both to make a new CA)");
  }
  if (X509_check_ca(ca.cert.get()) == 0) {
    throw std::runtime_error("TLS: " + files.cert + " is not a CA certificate (delete it and " + files.key +
                             " to make a new CA)");
  }
  return ca;
}

bool ends_soon(X509* cert) {
  std::time_t soon = std::time(nullptr) + kCaRenewBefore;
  return X509_cmp_time(X509_get0_notAfter(cert), &soon) < 0;
}

bool is_ip_address(const std::string& host) {
  unsigned char buffer[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, host.c_str(), buffer) == 1 || ::inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

bool is_dns_name(const std::string& host) {
  return !host.empty() && host.size() <= 253 && std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '-' || c == '.';
  });
}

}  // namespace

LocalCaFiles local_ca_files(const std::string& credentials_path) {
  std::string stem = credentials_path;
  for (const std::string suffix : {".credentials.json", ".json"}) {
    if (stem.size() > suffix.size() && stem.ends_with(suffix)) {
      stem.resize(stem.size() - suffix.size());
      break;
    }
  }
  return {stem + ".ca.pem", stem + ".ca-key.pem"};
}

LocalCa load_or_create_local_ca(const LocalCaFiles& files) {
  const bool have_cert = std::filesystem::exists(files.cert);
  const bool have_key = std::filesystem::exists(files.key);
  if (!have_cert && !have_key) return create_ca(files);
  if (have_cert != have_key) {
    const auto& present = have_cert ? files.cert : files.key;
    const auto& missing = have_cert ? files.key : files.cert;
    throw std::runtime_error("TLS: the local CA is incomplete: " + present + " is there but " + missing +
                             " is not (delete " + present + " to make a new CA)");
  }
  LocalCa ca = load_ca(files);
  if (ends_soon(ca.cert.get())) return create_ca(files);
  return ca;
}

std::string subject_alt_names(const std::vector<std::string>& extra_hosts) {
  std::vector<std::string> entries = {"DNS:localhost", "IP:127.0.0.1", "IP:::1"};
  for (std::string host : extra_hosts) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty() || host == "0.0.0.0" || host == "::") continue;  // a wildcard is no name to connect to
    std::string entry;
    if (is_ip_address(host)) {
      entry = "IP:" + host;
    } else if (is_dns_name(host)) {
      entry = "DNS:" + host;
    } else {
      throw std::runtime_error("--host '" + host + "': not a host name or an IP address to put in a certificate");
    }
    if (std::find(entries.begin(), entries.end(), entry) == entries.end()) entries.push_back(entry);
  }
  std::string text;
  for (const auto& entry : entries) text += (text.empty() ? "" : ",") + entry;
  return text;
}

ServerIdentity issue_server_identity(const LocalCa& ca, const std::vector<std::string>& extra_hosts) {
  const std::string names = subject_alt_names(extra_hosts);
  ServerIdentity identity;
  identity.key = new_p256_key();
  // Never past the CA's end: a chain is only as valid as its shortest link.
  std::time_t now = std::time(nullptr);
  long lifetime = kServerLifetime;
  int days = 0;
  int seconds = 0;
  ASN1_TIME* now_time = ASN1_TIME_set(nullptr, now);
  if (now_time != nullptr && ASN1_TIME_diff(&days, &seconds, now_time, X509_get0_notAfter(ca.cert.get())) == 1) {
    lifetime = std::min(lifetime, static_cast<long>(days) * kDay + seconds);
  }
  ASN1_TIME_free(now_time);
  const std::string first_name = names.substr(names.find(':') + 1, names.find(',') - names.find(':') - 1);
  X509Ptr cert = new_certificate(identity.key.get(), first_name, -kHour, lifetime);
  check(X509_set_issuer_name(cert.get(), X509_get_subject_name(ca.cert.get())) == 1, "X509_set_issuer_name");
  add_extension(cert.get(), ca.cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), ca.cert.get(), NID_key_usage, "critical,digitalSignature");
  add_extension(cert.get(), ca.cert.get(), NID_ext_key_usage, "serverAuth");
  add_extension(cert.get(), ca.cert.get(), NID_subject_alt_name, names);
  add_extension(cert.get(), ca.cert.get(), NID_subject_key_identifier, "hash");
  add_extension(cert.get(), ca.cert.get(), NID_authority_key_identifier, "keyid:always");
  check(X509_sign(cert.get(), ca.key.get(), EVP_sha256()) > 0, "X509_sign");
  identity.chain.push_back(std::move(cert));
  return identity;
}

}  // namespace loginid::detail::emulator::tls
