#pragma once
// COSE_Key credential public keys (RFC 9052/9053, WebAuthn §5.8.5 / §6.5.1.1): parsed with libcbor
// into an OpenSSL key once, then used to verify assertion and self-attestation signatures.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "webauthn/result.hpp"

namespace loginid::webauthn {

/// COSE algorithm identifiers (IANA "COSE Algorithms") this library verifies.
namespace cose_alg {
inline constexpr int es256 = -7;     ///< ECDSA P-256 + SHA-256 (kty EC2, crv 1)
inline constexpr int es384 = -35;    ///< ECDSA P-384 + SHA-384 (kty EC2, crv 2)
inline constexpr int es512 = -36;    ///< ECDSA P-521 + SHA-512 (kty EC2, crv 3)
inline constexpr int eddsa = -8;     ///< EdDSA (kty OKP, crv 6 Ed25519 or crv 7 Ed448)
inline constexpr int ed25519 = -19;  ///< Ed25519, fully specified (kty OKP, crv 6)
inline constexpr int ed448 = -53;    ///< Ed448, fully specified (kty OKP, crv 7)
inline constexpr int rs256 = -257;   ///< RSASSA-PKCS1-v1_5 + SHA-256 (kty RSA)
inline constexpr int rs384 = -258;
inline constexpr int rs512 = -259;
inline constexpr int ps256 = -37;    ///< RSASSA-PSS + SHA-256, MGF1 SHA-256, salt = hash length
inline constexpr int ps384 = -38;
inline constexpr int ps512 = -39;
}  // namespace cose_alg

/// Every algorithm above: the default of Policy::allowed_algorithms.
const std::vector<int>& supported_algorithms();
/// "ES256", "EdDSA", ... or "COSE alg <n>" for an unknown one.
std::string algorithm_name(int alg);

namespace detail {
struct CoseKeyImpl;  // the OpenSSL EVP_PKEY and the COSE bytes; see cose_key.cpp
}

/// A credential public key. Immutable and thread-safe; copies share the parsed key.
class CredentialPublicKey final {
 public:
  /// Parses `cose` as exactly one COSE_Key (no trailing bytes) within the limits of limits.hpp.
  /// Refuses (Errc::unsupported_credential_public_key, the message names the field): not CBOR,
  /// not a map, duplicate or missing labels, unknown kty/alg/crv, alg not fitting the kty or curve,
  /// coordinates of the wrong length, a point not on the curve, an RSA modulus outside
  /// 2048..4096 bits, an even or tiny exponent, a compressed EC point.
  static Result<CredentialPublicKey> from_cose(std::string_view cose);

  /// The COSE alg (cose_alg::...).
  [[nodiscard]] int alg() const noexcept;
  /// The COSE_Key bytes exactly as given (as in authData): what a credential record stores.
  [[nodiscard]] const std::string& cose() const noexcept;
  /// SubjectPublicKeyInfo DER and PEM of the key (for logs/exports; not needed to verify).
  [[nodiscard]] std::string spki_der() const;
  [[nodiscard]] std::string to_pem() const;

  /// Verifies a WebAuthn signature over `data` with this key's alg: ECDSA signatures are ASN.1 DER
  /// (as authenticators send them, §6.5.6), EdDSA raw, RSA raw. false on any failure; never throws.
  [[nodiscard]] bool verify(std::string_view data, std::string_view signature) const noexcept;

  /// Same public key (ignores alg and encoding details), e.g. a certificate's key vs the credential's.
  [[nodiscard]] bool same_key_as_spki(std::string_view spki_der) const noexcept;

 private:
  explicit CredentialPublicKey(std::shared_ptr<const detail::CoseKeyImpl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const detail::CoseKeyImpl> impl_;
  friend struct detail::CoseKeyImpl;
};

}  // namespace loginid::webauthn
