#pragma once
// The inside of a CredentialPublicKey, for the library's own code (attestation formats compare a
// certificate's key with it and verify with it).

#include <string>

#include "webauthn/cose_key.hpp"
#include "webauthn/openssl_ptr.hpp"

namespace loginid::webauthn::detail {

struct CoseKeyImpl {
  Pkey key;
  int alg = 0;
  std::string cose;
  /// COSE kty/crv and, for EC2 and OKP keys, the raw coordinates (the fido-u2f and tpm formats
  /// rebuild other encodings of the key from them).
  std::int64_t kty = 0;
  std::int64_t crv = 0;
  std::string x, y;  // EC2 x, y / OKP x
  std::string n, e;  // RSA

  static const CoseKeyImpl& of(const CredentialPublicKey& key) noexcept { return *key.impl_; }
};

}  // namespace loginid::webauthn::detail
