#pragma once
// Throwaway certificates for TLS tests, made with OpenSSL at test time (no private key is ever
// committed): a CA, and server certificates it issues for chosen names and validity windows
// (expired ones included). P-256 keys, SHA-256 signatures. Header-only; link OpenSSL::Crypto.

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

namespace loginid::test {

/// A certificate and its private key, as PEM text.
struct PemPair {
  std::string cert;
  std::string key;
};

/// What a server certificate says.
struct ServerCertSpec {
  /// subjectAltName entries, e.g. "DNS:localhost,IP:127.0.0.1,IP:::1".
  std::string subject_alt_names = "DNS:localhost,IP:127.0.0.1,IP:::1";
  /// Validity relative to now, in seconds (an expired certificate: both negative).
  long not_before = -3600;
  long not_after = 24 * 3600;
};

namespace pki_detail {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;
using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;

inline void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what + " failed");
}

inline std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

inline std::string cert_pem(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()), &BIO_free);
  check(bio && PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
  return bio_text(bio.get());
}

inline std::string key_pem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()), &BIO_free);
  check(bio && PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
  return bio_text(bio.get());
}

inline void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "X509V3_EXT_conf_nid");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

/// An unsigned certificate for `key` named `common_name`, valid [now + not_before, now + not_after].
inline Cert new_cert(EVP_PKEY* key, const std::string& common_name, long serial, long not_before, long not_after) {
  Cert cert(X509_new(), &X509_free);
  check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), not_before);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), not_after);
  X509_set_pubkey(cert.get(), key);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  return cert;
}

}  // namespace pki_detail

/// A certificate authority that lives for one test run.
class TestCa {
 public:
  explicit TestCa(const std::string& name = "loginid test CA")
      : key_(EVP_EC_gen("P-256"), &EVP_PKEY_free), cert_(nullptr, &X509_free) {
    pki_detail::check(key_ != nullptr, "EVP_EC_gen");
    cert_ = pki_detail::new_cert(key_.get(), name, 1, -24 * 3600, 30L * 24 * 3600);
    X509_set_issuer_name(cert_.get(), X509_get_subject_name(cert_.get()));
    pki_detail::add_extension(cert_.get(), cert_.get(), NID_basic_constraints, "critical,CA:TRUE");
    pki_detail::add_extension(cert_.get(), cert_.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    pki_detail::add_extension(cert_.get(), cert_.get(), NID_subject_key_identifier, "hash");
    pki_detail::check(X509_sign(cert_.get(), key_.get(), EVP_sha256()) > 0, "X509_sign");
    pem_ = pki_detail::cert_pem(cert_.get());
  }

  /// The CA certificate (what a client trusts).
  [[nodiscard]] const std::string& cert_pem() const noexcept { return pem_; }

  /// A server certificate and key issued by this CA.
  [[nodiscard]] PemPair issue(const ServerCertSpec& spec = {}) const {
    pki_detail::Key key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
    pki_detail::check(key != nullptr, "EVP_EC_gen");
    auto cert = pki_detail::new_cert(key.get(), "loginid test server", ++serial_, spec.not_before, spec.not_after);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(cert_.get()));
    pki_detail::add_extension(cert.get(), cert_.get(), NID_basic_constraints, "critical,CA:FALSE");
    pki_detail::add_extension(cert.get(), cert_.get(), NID_ext_key_usage, "serverAuth");
    pki_detail::add_extension(cert.get(), cert_.get(), NID_subject_alt_name, spec.subject_alt_names);
    pki_detail::add_extension(cert.get(), cert_.get(), NID_authority_key_identifier, "keyid:always");
    pki_detail::check(X509_sign(cert.get(), key_.get(), EVP_sha256()) > 0, "X509_sign");
    return {pki_detail::cert_pem(cert.get()), pki_detail::key_pem(key.get())};
  }

  /// The OpenSSL subject-name hash of the CA ("1a2b3c4d"), the file name a CA directory needs.
  [[nodiscard]] std::string subject_hash() const {
    char text[9];
    std::snprintf(text, sizeof text, "%08lx", X509_subject_name_hash(cert_.get()));
    return text;
  }

 private:
  pki_detail::Key key_;
  pki_detail::Cert cert_;
  std::string pem_;
  mutable long serial_ = 1;
};

/// Writes `text` to `path` readable by the owner only (a test key is still a key).
inline void write_private_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
  ::chmod(path.c_str(), 0600);
}

}  // namespace loginid::test
