#pragma once
/// @file keys.hpp
/// EC P-256 keys: parsed once into an OpenSSL key object, cheap to copy (shared, immutable).

#include <memory>
#include <string>
#include <string_view>

#include "loginid/secret.hpp"
#include "loginid/version.hpp"

namespace loginid::detail {
struct EcKeyImpl;  // OpenSSL EVP_PKEY plus a pool of ready signing/verifying contexts; see src/jose/keys.cpp
struct KeyAccess;  // the JOSE core's JWK functions; see src/jose/jwk.hpp
}  // namespace loginid::detail

namespace loginid::inline v1 {

/// An EC P-256 public key. Immutable and thread-safe; copies share the parsed key.
class PublicKey final {
 public:
  /// From PEM SPKI (`-----BEGIN PUBLIC KEY-----`). Throws KeyError (not PEM, not EC, not P-256,
  /// point not on the curve).
  static PublicKey from_pem(std::string_view pem);
  /// From JWK text: an object with `kty` "EC", `crv` "P-256", `x`, `y` (32-byte base64url each);
  /// `d` is ignored. Throws KeyError, also for invalid JSON.
  static PublicKey from_jwk(std::string_view jwk_json);
  /// From either form: PEM when the text starts with "-----BEGIN", else JWK JSON.
  static PublicKey from_pem_or_jwk(std::string_view text);

  /// PEM SPKI text.
  [[nodiscard]] std::string to_pem() const;
  /// JWK text: `{"crv":"P-256","kty":"EC","x":...,"y":...}`.
  [[nodiscard]] std::string to_jwk() const;

  /// ES256 verification of `data` against a raw 64-byte r||s signature. Any other length,
  /// r or s out of range, or a bad signature gives false. Never throws.
  [[nodiscard]] bool verify_es256(std::string_view data, std::string_view signature) const noexcept;

  /// The same point on the curve.
  [[nodiscard]] bool operator==(const PublicKey& other) const noexcept;

 private:
  explicit PublicKey(std::shared_ptr<const detail::EcKeyImpl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const detail::EcKeyImpl> impl_;
  friend class PrivateKey;
  friend struct detail::KeyAccess;
};

/// An EC P-256 private key (the API credential). Immutable and thread-safe; copies share the key.
/// Never printed: there is no operator<<, and errors never contain key material.
class PrivateKey final {
 public:
  /// A fresh key from the OpenSSL CSPRNG.
  static PrivateKey generate();
  /// From PEM PKCS#8 (`BEGIN PRIVATE KEY`) or SEC1 (`BEGIN EC PRIVATE KEY`). The internal copy of
  /// the text is cleansed after parsing. Throws KeyError.
  static PrivateKey from_pem(std::string_view pem);
  /// From JWK text with `d`. Throws KeyError, also for invalid JSON.
  static PrivateKey from_jwk(std::string_view jwk_json);

  /// PKCS#8 PEM text, in a zeroing string.
  [[nodiscard]] SecretString to_pem() const;
  /// The matching public key (what the service is given to verify this key's signatures).
  [[nodiscard]] PublicKey public_key() const;

  /// ES256: SHA-256 + ECDSA P-256, exactly 64 bytes r||s (raw bytes, not base64url).
  /// Set-up work (algorithm fetch, context) is done once per key and thread, not per call.
  [[nodiscard]] std::string sign_es256(std::string_view data) const;

 private:
  explicit PrivateKey(std::shared_ptr<const detail::EcKeyImpl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const detail::EcKeyImpl> impl_;
  friend struct detail::KeyAccess;
};

}  // namespace loginid::inline v1
