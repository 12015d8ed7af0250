#pragma once
// Signatures under a COSE algorithm with an OpenSSL key (a credential key or an attestation
// certificate's key): the key must be of the algorithm's type (and curve), ECDSA signatures are
// DER (WebAuthn §6.5.6), EdDSA and RSA raw.

#include <openssl/evp.h>

#include <string>
#include <string_view>

namespace loginid::webauthn::detail {

/// RSASSA-PKCS1-v1_5 with SHA-1: accepted only in tpm attestation statements (old TPMs sign with
/// it), never as a credential algorithm.
inline constexpr int kCoseAlgRs1 = -65535;

/// True when `alg` is known (including kCoseAlgRs1) and `key` is of its type and curve.
bool key_fits_alg(EVP_PKEY* key, int alg) noexcept;

/// Verifies `signature` over `data`; false when the key does not fit the alg, or on any failure.
bool verify_signature(EVP_PKEY* key, int alg, std::string_view data, std::string_view signature) noexcept;

/// The hash of a COSE signature algorithm (SHA-256 for ES256, RS256, ...; nullptr for EdDSA or an
/// unknown alg). The tpm format hashes attToBeSigned with it.
const EVP_MD* alg_digest(int alg) noexcept;

/// The digest of `data` with `md` (raw bytes); empty if md is nullptr.
std::string digest(const EVP_MD* md, std::string_view data);
std::string sha256(std::string_view data);

}  // namespace loginid::webauthn::detail
