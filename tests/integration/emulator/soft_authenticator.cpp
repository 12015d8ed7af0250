#include "integration/emulator/soft_authenticator.hpp"

#include <cbor.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "jose/base64url.hpp"

namespace loginid::testing {
namespace {

// ---- libcbor items, released with cbor_decref

struct CborRelease {
  void operator()(cbor_item_t* item) const noexcept { cbor_decref(&item); }
};
using Cbor = std::unique_ptr<cbor_item_t, CborRelease>;

Cbor checked(cbor_item_t* item) {
  if (item == nullptr) throw std::runtime_error("libcbor: out of memory");
  return Cbor(item);
}

/// The shortest encoding, as CTAP2 authenticators write integers.
Cbor cbor_int(std::int64_t v) {
  const bool negative = v < 0;
  const auto n = negative ? static_cast<std::uint64_t>(-1 - v) : static_cast<std::uint64_t>(v);
  if (n <= 0xff) return checked(negative ? cbor_build_negint8(static_cast<std::uint8_t>(n)) : cbor_build_uint8(static_cast<std::uint8_t>(n)));
  if (n <= 0xffff) {
    return checked(negative ? cbor_build_negint16(static_cast<std::uint16_t>(n)) : cbor_build_uint16(static_cast<std::uint16_t>(n)));
  }
  if (n <= 0xffffffffULL) {
    return checked(negative ? cbor_build_negint32(static_cast<std::uint32_t>(n)) : cbor_build_uint32(static_cast<std::uint32_t>(n)));
  }
  return checked(negative ? cbor_build_negint64(n) : cbor_build_uint64(n));
}
Cbor cbor_bytes(const std::string& b) {
  return checked(cbor_build_bytestring(reinterpret_cast<cbor_data>(b.data()), b.size()));
}
Cbor cbor_text(const std::string& t) { return checked(cbor_build_stringn(t.data(), t.size())); }

Cbor cbor_map(std::vector<std::pair<Cbor, Cbor>> pairs) {
  auto map = checked(cbor_new_definite_map(pairs.size()));
  for (auto& [key, value] : pairs) {
    // cbor_map_add takes its own references; ours are released when `pairs` goes.
    if (!cbor_map_add(map.get(), cbor_pair{key.get(), value.get()})) throw std::runtime_error("cbor_map_add");
  }
  return map;
}

Cbor cbor_array(std::vector<Cbor> items) {
  auto array = checked(cbor_new_definite_array(items.size()));
  for (auto& item : items) {
    if (!cbor_array_push(array.get(), item.get())) throw std::runtime_error("cbor_array_push");
  }
  return array;
}

std::string serialize(const Cbor& item) {
  unsigned char* buffer = nullptr;
  std::size_t size = 0;
  const std::size_t written = cbor_serialize_alloc(item.get(), &buffer, &size);
  if (written == 0) throw std::runtime_error("cbor_serialize_alloc");
  std::string out(reinterpret_cast<char*>(buffer), written);
  std::free(buffer);
  return out;
}

// ---- OpenSSL

struct PkeyFree {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};

std::shared_ptr<EVP_PKEY> new_p256_key() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) throw std::runtime_error("EVP_EC_gen failed");
  return {key, PkeyFree{}};
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

std::string sha256(const std::string& data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string ecdsa_sign(EVP_PKEY* key, const std::string& data) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::size_t size = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    throw std::runtime_error("EVP_DigestSign (size) failed");
  }
  std::string out(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &size,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    throw std::runtime_error("EVP_DigestSign failed");
  }
  out.resize(size);
  return out;
}

std::string coordinate(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) throw std::runtime_error("EVP_PKEY_get_bn_param failed");
  std::string out(32, '\0');
  const int ok = BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), 32);
  BN_free(bn);
  if (ok != 32) throw std::runtime_error("BN_bn2binpad failed");
  return out;
}

/// A self-signed attestation certificate meeting the packed format's requirements (WebAuthn
/// §8.2.1): version 3, subject C/O/OU "Authenticator Attestation"/CN, not a CA, and the AAGUID
/// extension (1.3.6.1.4.1.45724.1.1.4) equal to the authenticator's.
std::string attestation_certificate(EVP_PKEY* key, const std::array<std::uint8_t, 16>& aaguid) {
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!cert) throw std::runtime_error("X509_new failed");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600L * 24 * 365);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  auto add = [&](const char* field, const char* value) {
    X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC, reinterpret_cast<const unsigned char*>(value), -1, -1, 0);
  };
  add("C", "US");
  add("O", "loginid-cpp tests");
  add("OU", "Authenticator Attestation");
  add("CN", "Soft authenticator");
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  X509_EXTENSION* constraints = X509V3_EXT_conf_nid(nullptr, &ctx, NID_basic_constraints, "critical,CA:FALSE");
  X509_add_ext(cert.get(), constraints, -1);
  X509_EXTENSION_free(constraints);
  // id-fido-gen-ce-aaguid: an OCTET STRING wrapping the 16 AAGUID bytes.
  std::string wrapped = std::string("\x04\x10", 2) + std::string(aaguid.begin(), aaguid.end());
  std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> oid(OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1),
                                                                   ASN1_OBJECT_free);
  std::unique_ptr<ASN1_OCTET_STRING, decltype(&ASN1_OCTET_STRING_free)> value(ASN1_OCTET_STRING_new(),
                                                                              ASN1_OCTET_STRING_free);
  ASN1_OCTET_STRING_set(value.get(), reinterpret_cast<const unsigned char*>(wrapped.data()),
                        static_cast<int>(wrapped.size()));
  X509_EXTENSION* aaguid_ext = X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 0, value.get());
  X509_add_ext(cert.get(), aaguid_ext, -1);
  X509_EXTENSION_free(aaguid_ext);
  if (X509_sign(cert.get(), key, EVP_sha256()) == 0) throw std::runtime_error("X509_sign failed");
  unsigned char* der = nullptr;
  const int size = i2d_X509(cert.get(), &der);
  if (size <= 0) throw std::runtime_error("i2d_X509 failed");
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(size));
  OPENSSL_free(der);
  return out;
}

std::string big_endian(std::uint64_t value, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  return out;
}

std::string client_data(const std::string& type, const std::string& challenge, const std::string& origin) {
  return nlohmann::json({{"type", type}, {"challenge", challenge}, {"origin", origin}, {"crossOrigin", false}}).dump();
}

std::array<std::uint8_t, 16> random_aaguid() {
  auto bytes = random_bytes(16);
  std::array<std::uint8_t, 16> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(bytes[i]);
  return out;
}

}  // namespace

SoftAuthenticator::SoftAuthenticator(std::string attestation)
    : SoftAuthenticator(new_p256_key(), random_bytes(32), 0, random_aaguid(), std::move(attestation)) {}

SoftAuthenticator::SoftAuthenticator(std::shared_ptr<EVP_PKEY> key, std::string credential_id, std::uint32_t sign_count,
                                     std::array<std::uint8_t, 16> aaguid, std::string attestation)
    : key_(std::move(key)),
      credential_id_(std::move(credential_id)),
      sign_count_(sign_count),
      aaguid_(aaguid),
      attestation_(std::move(attestation)) {
  if (attestation_ != "none" && attestation_ != "packed-self" && attestation_ != "packed-x5c") {
    throw std::invalid_argument("attestation must be none, packed-self or packed-x5c");
  }
}

SoftAuthenticator::~SoftAuthenticator() = default;

std::unique_ptr<SoftAuthenticator> SoftAuthenticator::clone() const {
  return std::unique_ptr<SoftAuthenticator>(
      new SoftAuthenticator(key_, credential_id_, sign_count_, aaguid_, attestation_));
}

std::string SoftAuthenticator::credential_id_b64url() const { return detail::base64url_encode(credential_id_); }

std::string SoftAuthenticator::aaguid_text() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < aaguid_.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[aaguid_[i] >> 4]);
    out.push_back(kHex[aaguid_[i] & 0x0f]);
  }
  return out;
}

std::string SoftAuthenticator::cose_key() const {
  std::vector<std::pair<Cbor, Cbor>> pairs;
  pairs.emplace_back(cbor_int(1), cbor_int(2));    // kty: EC2
  pairs.emplace_back(cbor_int(3), cbor_int(-7));   // alg: ES256
  pairs.emplace_back(cbor_int(-1), cbor_int(1));   // crv: P-256
  pairs.emplace_back(cbor_int(-2), cbor_bytes(coordinate(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X)));
  pairs.emplace_back(cbor_int(-3), cbor_bytes(coordinate(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y)));
  return serialize(cbor_map(std::move(pairs)));
}

std::string SoftAuthenticator::authenticator_data(const std::string& rp_id, bool up, bool uv, std::uint32_t counter,
                                                  bool attested) const {
  std::uint8_t flags = 0;
  if (up) flags |= 0x01;
  if (uv) flags |= 0x04;
  if (attested) flags |= 0x40;
  std::string out = sha256(rp_id);
  out.push_back(static_cast<char>(flags));
  out += big_endian(counter, 4);
  if (attested) {
    out += std::string(aaguid_.begin(), aaguid_.end());
    out += big_endian(credential_id_.size(), 2);
    out += credential_id_;
    out += cose_key();
  }
  return out;
}

std::string SoftAuthenticator::sign(const std::string& auth_data, const std::string& client_data_json) const {
  return ecdsa_sign(key_.get(), auth_data + sha256(client_data_json));
}

std::string SoftAuthenticator::attestation_object(const std::string& auth_data,
                                                  const std::string& client_data_json) const {
  std::vector<std::pair<Cbor, Cbor>> statement;
  std::string fmt = "none";
  if (attestation_ == "packed-self") {
    fmt = "packed";
    statement.emplace_back(cbor_text("alg"), cbor_int(-7));
    statement.emplace_back(cbor_text("sig"), cbor_bytes(sign(auth_data, client_data_json)));
  } else if (attestation_ == "packed-x5c") {
    fmt = "packed";
    auto attestation_key = new_p256_key();
    statement.emplace_back(cbor_text("alg"), cbor_int(-7));
    statement.emplace_back(cbor_text("sig"),
                           cbor_bytes(ecdsa_sign(attestation_key.get(), auth_data + sha256(client_data_json))));
    std::vector<Cbor> chain;
    chain.push_back(cbor_bytes(attestation_certificate(attestation_key.get(), aaguid_)));
    statement.emplace_back(cbor_text("x5c"), cbor_array(std::move(chain)));
  }
  std::vector<std::pair<Cbor, Cbor>> object;
  object.emplace_back(cbor_text("fmt"), cbor_text(fmt));
  object.emplace_back(cbor_text("attStmt"), cbor_map(std::move(statement)));
  object.emplace_back(cbor_text("authData"), cbor_bytes(auth_data));
  return serialize(cbor_map(std::move(object)));
}

nlohmann::json SoftAuthenticator::create(const nlohmann::json& options, const Act& act) {
  const auto challenge = options.at("challenge").get<std::string>();
  const auto rp_id = act.rp_id.value_or(options.at("rp").at("id").get<std::string>());
  const auto data = client_data(act.type.value_or("webauthn.create"), act.challenge.value_or(challenge), act.origin);
  const auto auth_data =
      authenticator_data(rp_id, act.user_present, act.user_verified, act.sign_count.value_or(sign_count_), true);
  return {{"challenge", challenge},
          {"credential_uuid", options.value("credential_uuid", "")},
          {"credential_id", credential_id_b64url()},
          {"client_data", detail::base64url_encode(data)},
          {"attestation_data", detail::base64url_encode(attestation_object(auth_data, data))}};
}

nlohmann::json SoftAuthenticator::get(const nlohmann::json& options, const Act& act) {
  const auto challenge = options.at("challenge").get<std::string>();
  const auto rp_id = act.rp_id.value_or(options.at("rpId").get<std::string>());
  if (!act.sign_count) ++sign_count_;
  const auto data = client_data(act.type.value_or("webauthn.get"), act.challenge.value_or(challenge), act.origin);
  const auto auth_data =
      authenticator_data(rp_id, act.user_present, act.user_verified, act.sign_count.value_or(sign_count_), false);
  return {{"challenge", challenge},
          {"credential_id", credential_id_b64url()},
          {"client_data", detail::base64url_encode(data)},
          {"authenticator_data", detail::base64url_encode(auth_data)},
          {"signature", detail::base64url_encode(sign(auth_data, data))}};
}

namespace cbor_test {

std::string map_of_bytes(std::size_t entries) {
  std::vector<std::pair<Cbor, Cbor>> pairs;
  for (std::size_t i = 0; i < entries; ++i) pairs.emplace_back(cbor_text("k" + std::to_string(i)), cbor_bytes("v"));
  return serialize(cbor_map(std::move(pairs)));
}

std::string attestation_object(const std::string& fmt, const std::string& auth_data) {
  std::vector<std::pair<Cbor, Cbor>> object;
  object.emplace_back(cbor_text("fmt"), cbor_text(fmt));
  object.emplace_back(cbor_text("attStmt"), cbor_map({}));
  object.emplace_back(cbor_text("authData"), cbor_bytes(auth_data));
  return serialize(cbor_map(std::move(object)));
}

}  // namespace cbor_test

}  // namespace loginid::testing
