// EC P-256 keys on the OpenSSL 3 EVP_PKEY API (no deprecated EC_KEY calls).
//
// Speed: ES256 cost is dominated by the ECDSA arithmetic, so everything around it is done once:
// the SHA-256 implementation is fetched once per process, a digest context lives per thread, and
// each key keeps a small pool of initialised EVP_PKEY_CTX objects that calls borrow and return.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "jose/base64url.hpp"
#include "jose/json_strict.hpp"
#include "jose/jwk.hpp"
#include "loginid/error.hpp"
#include "loginid/keys.hpp"

namespace loginid::detail {

namespace {

constexpr std::size_t kCoordSize = 32;
constexpr std::size_t kSigSize = 2 * kCoordSize;
constexpr std::size_t kMaxPooledContexts = 64;

// The order n of the P-256 group, big-endian.
constexpr std::array<unsigned char, kCoordSize> kOrder = {
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51};

struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const noexcept { BIO_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const noexcept { BN_clear_free(p); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* p) const noexcept { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

/// 1 <= v <= n-1 for a 32-byte big-endian scalar.
bool in_scalar_range(const unsigned char* v) noexcept {
  const bool zero = std::all_of(v, v + kCoordSize, [](unsigned char c) { return c == 0; });
  return !zero && std::memcmp(v, kOrder.data(), kCoordSize) < 0;
}

using Digest = std::array<unsigned char, 32>;

/// SHA-256 with the implementation fetched once and a digest context per thread.
bool sha256(std::string_view data, Digest& out) noexcept {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local const std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  unsigned int len = 0;
  return md != nullptr && ctx != nullptr && EVP_DigestInit_ex2(ctx.get(), md, nullptr) == 1 &&
         EVP_DigestUpdate(ctx.get(), data.data(), data.size()) == 1 &&
         EVP_DigestFinal_ex(ctx.get(), out.data(), &len) == 1 && len == out.size();
}

/// A DER ECDSA-Sig-Value for P-256: SEQUENCE of two INTEGERs, at most 2 + 2 * (2 + 33) bytes.
struct DerSignature {
  std::array<unsigned char, 72> bytes{};
  std::size_t size = 0;
};

/// Appends a DER INTEGER holding the unsigned 32-byte big-endian value (non-zero).
void append_der_integer(DerSignature& der, const unsigned char* v) noexcept {
  std::size_t skip = 0;
  while (skip < kCoordSize - 1 && v[skip] == 0) {
    ++skip;
  }
  const bool pad = (v[skip] & 0x80) != 0;  // keep it positive
  der.bytes[der.size++] = 0x02;
  der.bytes[der.size++] = static_cast<unsigned char>(kCoordSize - skip + (pad ? 1 : 0));
  if (pad) {
    der.bytes[der.size++] = 0;
  }
  std::memcpy(der.bytes.data() + der.size, v + skip, kCoordSize - skip);
  der.size += kCoordSize - skip;
}

/// r||s (64 bytes) to the DER form that OpenSSL verifies; no allocation.
DerSignature p1363_to_der(const unsigned char* sig) noexcept {
  DerSignature der;
  der.size = 2;  // the SEQUENCE header, filled in below
  append_der_integer(der, sig);
  append_der_integer(der, sig + kCoordSize);
  der.bytes[0] = 0x30;
  der.bytes[1] = static_cast<unsigned char>(der.size - 2);  // at most 70: short form
  return der;
}

/// Reads one DER INTEGER at `pos` into a 32-byte big-endian buffer. False if malformed or too big.
bool read_der_integer(const unsigned char* der, std::size_t len, std::size_t& pos, unsigned char* out) noexcept {
  if (pos + 2 > len || der[pos] != 0x02) {
    return false;
  }
  std::size_t n = der[pos + 1];
  pos += 2;
  if (n == 0 || n > kCoordSize + 1 || pos + n > len) {
    return false;
  }
  const unsigned char* v = der + pos;
  pos += n;
  while (n > kCoordSize) {  // only a sign-padding zero may be dropped
    if (*v != 0) {
      return false;
    }
    ++v;
    --n;
  }
  std::memset(out, 0, kCoordSize - n);
  std::memcpy(out + (kCoordSize - n), v, n);
  return true;
}

/// OpenSSL's DER signature to r||s.
bool der_to_p1363(const unsigned char* der, std::size_t len, unsigned char* out) noexcept {
  if (len < 2 || der[0] != 0x30 || der[1] != len - 2) {
    return false;
  }
  std::size_t pos = 2;
  return read_der_integer(der, len, pos, out) && read_der_integer(der, len, pos, out + kCoordSize) && pos == len;
}

std::string pkey_type_name(const EVP_PKEY* pkey) {
  const char* name = EVP_PKEY_get0_type_name(pkey);
  return name != nullptr ? name : "unknown";
}

std::string group_name(const EVP_PKEY* pkey) {
  std::array<char, 80> buf{};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, buf.data(), buf.size(), &len) != 1) {
    return {};
  }
  return std::string(buf.data(), len);
}

[[noreturn]] void key_error(std::string_view what, std::string_view why) {
  ERR_clear_error();  // leave no stale OpenSSL errors on this thread
  throw KeyError(std::string(what) + ": " + std::string(why));
}

/// The key must be EC on P-256; `what` names the argument in errors.
void require_p256(const EVP_PKEY* pkey, std::string_view what) {
  if (EVP_PKEY_is_a(pkey, "EC") != 1) {
    key_error(what, "key type is " + pkey_type_name(pkey) + ", want EC P-256");
  }
  const std::string group = group_name(pkey);
  if (group != "prime256v1" && group != "P-256") {
    key_error(what, "curve is " + (group.empty() ? std::string("not a named curve") : group) + ", want P-256");
  }
}

bool point_coordinates(const EVP_PKEY* pkey, std::array<unsigned char, kSigSize>& xy) {
  BIGNUM* x = nullptr;
  BIGNUM* y = nullptr;
  const bool ok = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
                  EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1 &&
                  BN_bn2binpad(x, xy.data(), kCoordSize) == static_cast<int>(kCoordSize) &&
                  BN_bn2binpad(y, xy.data() + kCoordSize, kCoordSize) == static_cast<int>(kCoordSize);
  BN_free(x);
  BN_free(y);
  return ok;
}

/// Runs OpenSSL's full key validation: the point is on the curve and, with a private part, in
/// range and matching the public point.
void validate(EVP_PKEY* pkey, bool has_private, std::string_view what) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx) {
    key_error(what, "out of memory");
  }
  if (EVP_PKEY_public_check(ctx.get()) != 1) {
    key_error(what, "point not on the curve");
  }
  if (has_private && EVP_PKEY_check(ctx.get()) != 1) {
    key_error(what, "private scalar out of range or not matching the public point");
  }
}

}  // namespace

struct EcKeyImpl {
  EcKeyImpl(PkeyPtr key, bool is_private, const std::array<unsigned char, kSigSize>& point)
      : pkey(std::move(key)), has_private(is_private), xy(point) {}
  EcKeyImpl(const EcKeyImpl&) = delete;
  EcKeyImpl& operator=(const EcKeyImpl&) = delete;
  ~EcKeyImpl() {
    for (EVP_PKEY_CTX* c : sign_pool) {
      EVP_PKEY_CTX_free(c);
    }
    for (EVP_PKEY_CTX* c : verify_pool) {
      EVP_PKEY_CTX_free(c);
    }
  }

  PkeyPtr pkey;
  bool has_private;
  std::array<unsigned char, kSigSize> xy;  ///< public point, x||y

  // Initialised contexts ready for EVP_PKEY_sign / EVP_PKEY_verify. A call borrows one (or makes
  // one when the pool is empty) and gives it back, so concurrent calls never share a context.
  mutable std::mutex pool_mutex;
  mutable std::vector<EVP_PKEY_CTX*> sign_pool;
  mutable std::vector<EVP_PKEY_CTX*> verify_pool;
};

namespace {

/// A borrowed, initialised context; returned to the key's pool on destruction.
class CtxLease {
 public:
  CtxLease(const EcKeyImpl& key, bool for_signing) noexcept : key_(key), signing_(for_signing) {
    {
      std::lock_guard lock(key_.pool_mutex);
      auto& pool = pool_of();
      if (!pool.empty()) {
        ctx_ = pool.back();
        pool.pop_back();
        return;
      }
    }
    ctx_ = EVP_PKEY_CTX_new_from_pkey(nullptr, key_.pkey.get(), nullptr);
    const int init = ctx_ == nullptr ? 0 : (signing_ ? EVP_PKEY_sign_init(ctx_) : EVP_PKEY_verify_init(ctx_));
    if (init != 1) {
      EVP_PKEY_CTX_free(ctx_);
      ctx_ = nullptr;
    }
  }
  CtxLease(const CtxLease&) = delete;
  CtxLease& operator=(const CtxLease&) = delete;
  ~CtxLease() {
    if (ctx_ == nullptr) {
      return;
    }
    try {
      std::lock_guard lock(key_.pool_mutex);
      auto& pool = pool_of();
      if (pool.size() < kMaxPooledContexts) {
        pool.push_back(ctx_);
        return;
      }
    } catch (...) {  // push_back could not allocate: just free the context
    }
    EVP_PKEY_CTX_free(ctx_);
  }
  [[nodiscard]] EVP_PKEY_CTX* get() const noexcept { return ctx_; }

 private:
  std::vector<EVP_PKEY_CTX*>& pool_of() const noexcept { return signing_ ? key_.sign_pool : key_.verify_pool; }
  const EcKeyImpl& key_;
  bool signing_;
  EVP_PKEY_CTX* ctx_ = nullptr;
};

std::shared_ptr<const EcKeyImpl> make_impl(PkeyPtr pkey, bool has_private, std::string_view what) {
  require_p256(pkey.get(), what);
  validate(pkey.get(), has_private, what);
  std::array<unsigned char, kSigSize> xy{};
  if (!point_coordinates(pkey.get(), xy)) {
    key_error(what, "cannot read the public point");
  }
  return std::make_shared<const EcKeyImpl>(std::move(pkey), has_private, xy);
}

/// Builds an EC P-256 EVP_PKEY from raw coordinates (and optionally the private scalar).
PkeyPtr pkey_from_raw(const std::array<unsigned char, kSigSize>& xy, const std::string* d, std::string_view what) {
  std::array<unsigned char, kSigSize + 1> point{};
  point[0] = 0x04;  // uncompressed
  std::copy(xy.begin(), xy.end(), point.begin() + 1);
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  BnPtr priv;
  if (d != nullptr) {
    priv.reset(BN_secure_new());
    if (!priv || BN_bin2bn(reinterpret_cast<const unsigned char*>(d->data()), static_cast<int>(d->size()),
                           priv.get()) == nullptr) {
      key_error(what, "out of memory");
    }
  }
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1 ||
      (priv && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get()) != 1)) {
    key_error(what, "out of memory");
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, d != nullptr ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    // OpenSSL decodes the point while importing and refuses one that is not on the curve.
    key_error(what, "point not on the curve");
  }
  return PkeyPtr(raw);
}

/// The JWK member `name` as strict base64url decoding to exactly 32 bytes.
std::string jwk_coordinate(const nlohmann::json& jwk, const char* name, std::string_view what) {
  const auto it = jwk.find(name);
  if (it == jwk.end()) {
    key_error(what, std::string("JWK lacks \"") + name + "\"");
  }
  if (!it->is_string()) {
    key_error(what, std::string("JWK \"") + name + "\" is not a string");
  }
  auto bytes = base64url_decode(it->get_ref<const std::string&>());
  if (!bytes) {
    key_error(what, std::string("JWK \"") + name + "\" is not valid base64url");
  }
  if (bytes->size() != kCoordSize) {
    const std::size_t size = bytes->size();
    cleanse(*bytes);
    key_error(what, std::string("JWK \"") + name + "\" is " + std::to_string(size) + " bytes, want 32");
  }
  return std::move(*bytes);
}

/// A JWK member that must be a string equal to `want` when present (`required`: also present).
void jwk_expect(const nlohmann::json& jwk, const char* name, std::string_view want, bool required,
                std::string_view what) {
  const auto it = jwk.find(name);
  if (it == jwk.end()) {
    if (required) {
      key_error(what, std::string("JWK lacks \"") + name + "\"");
    }
    return;
  }
  if (!it->is_string()) {
    key_error(what, std::string("JWK \"") + name + "\" is not a string");
  }
  const auto& value = it->get_ref<const std::string&>();
  if (value != want) {
    // These are public metadata (kty, crv, alg, use), safe to echo, but keep them short.
    key_error(what, std::string("JWK \"") + name + "\" is \"" + value.substr(0, 20) + "\", want \"" +
                        std::string(want) + "\"");
  }
}

/// `key_ops`, when present, must be an array of strings that includes `op`.
void jwk_expect_op(const nlohmann::json& jwk, std::string_view op, std::string_view what) {
  const auto it = jwk.find("key_ops");
  if (it == jwk.end()) {
    return;
  }
  if (!it->is_array() || !std::all_of(it->begin(), it->end(), [](const auto& v) { return v.is_string(); })) {
    key_error(what, "JWK \"key_ops\" is not an array of strings");
  }
  if (std::none_of(it->begin(), it->end(), [&](const auto& v) { return v.template get_ref<const std::string&>() == op; })) {
    key_error(what, "JWK \"key_ops\" does not allow \"" + std::string(op) + "\"");
  }
}

/// The public point of an EC P-256 JWK, after checking kty, crv, and the optional alg/use.
std::array<unsigned char, kSigSize> jwk_public_point(const nlohmann::json& jwk, std::string_view what) {
  if (!jwk.is_object()) {
    key_error(what, "JWK is not a JSON object");
  }
  jwk_expect(jwk, "kty", "EC", true, what);
  jwk_expect(jwk, "crv", "P-256", true, what);
  jwk_expect(jwk, "alg", "ES256", false, what);
  jwk_expect(jwk, "use", "sig", false, what);
  const std::string x = jwk_coordinate(jwk, "x", what);
  const std::string y = jwk_coordinate(jwk, "y", what);
  std::array<unsigned char, kSigSize> xy{};
  std::memcpy(xy.data(), x.data(), kCoordSize);
  std::memcpy(xy.data() + kCoordSize, y.data(), kCoordSize);
  return xy;
}

int no_password(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return -1; }

/// The label of the PEM block `begin_line` starts ("-----BEGIN <label>-----"), or "" when it is not
/// a short line of capitals and spaces: it goes into an error message, so never arbitrary input.
std::string pem_label(std::string_view begin_line) {
  constexpr std::string_view kBegin = "-----BEGIN ";
  const auto end = begin_line.find("-----", kBegin.size());
  if (end == std::string_view::npos || end - kBegin.size() > 40) return {};
  const auto label = begin_line.substr(kBegin.size(), end - kBegin.size());
  const bool plain = std::all_of(label.begin(), label.end(), [](char c) { return (c >= 'A' && c <= 'Z') || c == ' '; });
  return plain ? std::string(label) : std::string();
}

/// Reads one PEM key from `pem` without copying it. `is_private` picks the reader.
PkeyPtr read_pem(std::string_view pem, bool is_private, std::string_view what) {
  const auto begin = pem.find("-----BEGIN ");
  if (begin == std::string_view::npos) {
    key_error(what, is_private ? "not PEM (want -----BEGIN PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----)"
                               : "not PEM (want -----BEGIN PUBLIC KEY-----)");
  }
  const std::string_view label = pem.substr(begin);
  if (is_private && label.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
    key_error(what, "encrypted private keys are not supported; decrypt it first (openssl pkey)");
  }
  const bool label_ok = is_private ? (label.starts_with("-----BEGIN PRIVATE KEY-----") ||
                                      label.starts_with("-----BEGIN EC PRIVATE KEY-----"))
                                   : label.starts_with("-----BEGIN PUBLIC KEY-----");
  if (!label_ok) {
    const std::string found = pem_label(label);
    if (!is_private && found.find("PRIVATE KEY") != std::string::npos) {
      key_error(what, "got a private key (" + found + "), want -----BEGIN PUBLIC KEY-----");
    }
    if (is_private && found == "PUBLIC KEY") {
      key_error(what, "got a public key (-----BEGIN PUBLIC KEY-----), want the private key (-----BEGIN PRIVATE KEY----- "
                      "or -----BEGIN EC PRIVATE KEY-----); the public key is the half registered with LoginID");
    }
    key_error(what, "PEM label is " + (found.empty() ? std::string("unreadable") : "'" + found + "'") +
                        (is_private ? ", want PRIVATE KEY or EC PRIVATE KEY" : ", want PUBLIC KEY"));
  }
  if (pem.size() > 64 * 1024) {
    key_error(what, "PEM text is larger than 64 KiB");
  }
  // From the BEGIN line on: OpenSSL only finds a BEGIN line that starts at a line start.
  BioPtr bio(BIO_new_mem_buf(label.data(), static_cast<int>(label.size())));
  if (!bio) {
    key_error(what, "out of memory");
  }
  EVP_PKEY* raw = is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr)
                             : PEM_read_bio_PUBKEY(bio.get(), nullptr, no_password, nullptr);
  if (raw == nullptr) {
    key_error(what, "PEM block is corrupt or holds no readable key");
  }
  return PkeyPtr(raw);
}

/// Writes a key as PEM through a BIO whose buffer is cleansed when freed.
template <typename Writer>
std::string write_pem(Writer&& writer, std::string_view what) {
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio || writer(bio.get()) != 1) {
    key_error(what, "cannot encode the key as PEM");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace
}  // namespace loginid::detail

namespace loginid::inline v1 {

using detail::key_error;

// ---- PublicKey ----

PublicKey PublicKey::from_pem(std::string_view pem) {
  return PublicKey(detail::make_impl(detail::read_pem(pem, false, "public key"), false, "public key"));
}

PublicKey PublicKey::from_jwk(std::string_view jwk_json) {
  return detail::KeyAccess::public_key_from_jwk(detail::parse_jwk(jwk_json, "public key"));
}

PublicKey PublicKey::from_pem_or_jwk(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text.substr(first).starts_with("-----BEGIN")) {
    return from_pem(text);
  }
  return from_jwk(text);
}

std::string PublicKey::to_pem() const {
  if (!impl_) {
    key_error("public key", "empty (moved-from) key");
  }
  return detail::write_pem([&](BIO* bio) { return PEM_write_bio_PUBKEY(bio, impl_->pkey.get()); }, "public key");
}

std::string PublicKey::to_jwk() const { return detail::KeyAccess::public_key_jwk(*this).dump(); }

bool PublicKey::verify_es256(std::string_view data, std::string_view signature) const noexcept {
  if (!impl_ || signature.size() != detail::kSigSize) {
    return false;
  }
  const auto* sig = reinterpret_cast<const unsigned char*>(signature.data());
  if (!detail::in_scalar_range(sig) || !detail::in_scalar_range(sig + detail::kCoordSize)) {
    return false;
  }
  try {
    detail::Digest digest{};
    if (!detail::sha256(data, digest)) {
      ERR_clear_error();
      return false;
    }
    const detail::DerSignature der = detail::p1363_to_der(sig);
    detail::CtxLease ctx(*impl_, false);
    const bool ok = ctx.get() != nullptr &&
                    EVP_PKEY_verify(ctx.get(), der.bytes.data(), der.size, digest.data(), digest.size()) == 1;
    if (!ok) {
      ERR_clear_error();
    }
    return ok;
  } catch (...) {
    return false;
  }
}

bool PublicKey::operator==(const PublicKey& other) const noexcept {
  if (!impl_ || !other.impl_) {
    return impl_ == other.impl_;
  }
  return impl_->xy == other.impl_->xy;
}

// ---- PrivateKey ----

PrivateKey PrivateKey::generate() {
  detail::PkeyPtr pkey(EVP_EC_gen("P-256"));
  if (!pkey) {
    key_error("private key", "key generation failed");
  }
  return PrivateKey(detail::make_impl(std::move(pkey), true, "private key"));
}

PrivateKey PrivateKey::from_pem(std::string_view pem) {
  // Parsed straight from the caller's buffer: no internal copy of the key text exists to leak.
  return PrivateKey(detail::make_impl(detail::read_pem(pem, true, "private key"), true, "private key"));
}

PrivateKey PrivateKey::from_jwk(std::string_view jwk_json) {
  nlohmann::json jwk = detail::parse_jwk(jwk_json, "private key");
  struct WipeD {  // the parsed copy of "d" is key material too
    nlohmann::json& jwk;
    ~WipeD() {
      if (auto it = jwk.find("d"); it != jwk.end() && it->is_string()) cleanse(it->get_ref<std::string&>());
    }
  } wipe{jwk};
  const auto xy = detail::jwk_public_point(jwk, "private key");
  detail::jwk_expect_op(jwk, "sign", "private key");
  std::string d = detail::jwk_coordinate(jwk, "d", "private key");
  if (!detail::in_scalar_range(reinterpret_cast<const unsigned char*>(d.data()))) {
    cleanse(d);
    key_error("private key", "JWK \"d\" is out of range");
  }
  try {
    auto pkey = detail::pkey_from_raw(xy, &d, "private key");
    cleanse(d);
    return PrivateKey(detail::make_impl(std::move(pkey), true, "private key"));
  } catch (...) {
    cleanse(d);
    throw;
  }
}

SecretString PrivateKey::to_pem() const {
  if (!impl_) {
    key_error("private key", "empty (moved-from) key");
  }
  return SecretString(detail::write_pem(
      [&](BIO* bio) {
        return PEM_write_bio_PrivateKey(bio, impl_->pkey.get(), nullptr, nullptr, 0, nullptr, nullptr);
      },
      "private key"));
}

PublicKey PrivateKey::public_key() const {
  if (!impl_) {
    key_error("private key", "empty (moved-from) key");
  }
  // A separate public-only key object, so a PublicKey never carries private material.
  return PublicKey(detail::make_impl(detail::pkey_from_raw(impl_->xy, nullptr, "public key"), false, "public key"));
}

std::string PrivateKey::sign_es256(std::string_view data) const {
  if (!impl_) {
    key_error("private key", "empty (moved-from) key");
  }
  detail::Digest digest{};
  if (!detail::sha256(data, digest)) {
    ERR_clear_error();
    throw KeyError("private key: ES256 signing failed: SHA-256 unavailable");
  }
  std::array<unsigned char, 80> der{};
  std::size_t der_len = der.size();
  detail::CtxLease ctx(*impl_, true);
  std::string sig(detail::kSigSize, '\0');
  if (ctx.get() == nullptr || EVP_PKEY_sign(ctx.get(), der.data(), &der_len, digest.data(), digest.size()) != 1 ||
      !detail::der_to_p1363(der.data(), der_len, reinterpret_cast<unsigned char*>(sig.data()))) {
    ERR_clear_error();
    throw KeyError("private key: ES256 signing failed");
  }
  return sig;
}

}  // namespace loginid::inline v1

namespace loginid::detail {

nlohmann::json parse_jwk(std::string_view jwk_json, std::string_view what) {
  JsonProblem problem{};
  auto jwk = parse_json_object_strict(jwk_json, problem);
  if (!jwk) {
    if (problem == JsonProblem::out_of_memory) throw std::bad_alloc();
    key_error(what, problem == JsonProblem::duplicate_key ? "JWK repeats a member name"
                    : problem == JsonProblem::not_object  ? "JWK is not a JSON object"
                    : problem == JsonProblem::too_deep    ? "JWK is " + describe(problem)
                                                          : std::string("JWK is not valid JSON"));
  }
  return std::move(*jwk);
}

PublicKey KeyAccess::public_key_from_jwk(const nlohmann::json& jwk) {
  const auto xy = jwk_public_point(jwk, "public key");
  jwk_expect_op(jwk, "verify", "public key");
  return PublicKey(make_impl(pkey_from_raw(xy, nullptr, "public key"), false, "public key"));
}

nlohmann::json KeyAccess::public_key_jwk(const PublicKey& key) {
  if (!key.impl_) {
    key_error("public key", "empty (moved-from) key");
  }
  const auto* xy = reinterpret_cast<const char*>(key.impl_->xy.data());
  return {{"kty", "EC"},
          {"crv", "P-256"},
          {"x", base64url_encode(std::string_view(xy, kCoordSize))},
          {"y", base64url_encode(std::string_view(xy + kCoordSize, kCoordSize))}};
}

}  // namespace loginid::detail

