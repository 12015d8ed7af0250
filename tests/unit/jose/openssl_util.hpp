#pragma once
// OpenSSL-side helpers for tests: make keys and signatures the library must accept or refuse,
// independently of the code under test.

#include <openssl/bio.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace loginid::test {

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

inline std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

/// PKCS#8 ("BEGIN PRIVATE KEY"), optionally encrypted with `password`.
inline std::string pkcs8_pem(EVP_PKEY* key, const char* password = nullptr) {
  BIO* bio = BIO_new(BIO_s_mem());
  const EVP_CIPHER* cipher = password != nullptr ? EVP_aes_128_cbc() : nullptr;
  const auto* pass = reinterpret_cast<const unsigned char*>(password);
  const int pass_len = password != nullptr ? static_cast<int>(std::string_view(password).size()) : 0;
  if (PEM_write_bio_PKCS8PrivateKey(bio, key, cipher, reinterpret_cast<const char*>(pass), pass_len, nullptr,
                                    nullptr) != 1) {
    BIO_free(bio);
    throw std::runtime_error("PEM_write_bio_PKCS8PrivateKey failed");
  }
  return bio_text(bio);
}

/// The algorithm-specific form: "BEGIN EC PRIVATE KEY" (SEC1) for EC keys.
inline std::string traditional_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (PEM_write_bio_PrivateKey_traditional(bio, key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    BIO_free(bio);
    throw std::runtime_error("PEM_write_bio_PrivateKey_traditional failed");
  }
  return bio_text(bio);
}

/// SPKI ("BEGIN PUBLIC KEY").
inline std::string spki_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (PEM_write_bio_PUBKEY(bio, key) != 1) {
    BIO_free(bio);
    throw std::runtime_error("PEM_write_bio_PUBKEY failed");
  }
  return bio_text(bio);
}

inline Pkey read_private_pem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  Pkey key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  if (!key) {
    throw std::runtime_error("PEM_read_bio_PrivateKey failed");
  }
  return key;
}

inline Pkey read_public_pem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  Pkey key(PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  if (!key) {
    throw std::runtime_error("PEM_read_bio_PUBKEY failed");
  }
  return key;
}

/// ECDSA-SHA256 with OpenSSL's own API: a DER signature.
inline std::string openssl_sign_der(EVP_PKEY* key, std::string_view data) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  std::string sig;
  if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1) {
    sig.resize(len);
    if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
      len = 0;
    }
  }
  EVP_MD_CTX_free(ctx);
  if (len == 0) {
    throw std::runtime_error("EVP_DigestSign failed");
  }
  sig.resize(len);
  return sig;
}

/// Verifies a DER signature with OpenSSL's own API.
inline bool openssl_verify_der(EVP_PKEY* key, std::string_view data, std::string_view der) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(der.data()), der.size(),
                                   reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

/// r||s (64 bytes) to DER through OpenSSL's ECDSA_SIG, independent of the library's converter.
inline std::string p1363_to_der(std::string_view sig) {
  ECDSA_SIG* s = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()), 32, nullptr);
  BIGNUM* ss = BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()) + 32, 32, nullptr);
  ECDSA_SIG_set0(s, r, ss);
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(s, &der);
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  ECDSA_SIG_free(s);
  return out;
}

/// DER to r||s through OpenSSL's ECDSA_SIG.
inline std::string der_to_p1363(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* s = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  std::string out(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(s), reinterpret_cast<unsigned char*>(out.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(s), reinterpret_cast<unsigned char*>(out.data()) + 32, 32);
  ECDSA_SIG_free(s);
  return out;
}

}  // namespace loginid::test
