#pragma once
// Bounds on untrusted WebAuthn input, checked before anything is decoded or allocated for it.
// Each is far above what real authenticators and browsers send (the largest public test vectors:
// clientDataJSON 383 bytes, attestationObject 1.2 KiB, certificates 705 bytes, a 1023-byte
// credential id, a 3488-bit RSA key) and low enough that no input costs more than a few
// milliseconds or kilobytes. docs/SECURITY.md lists them.

#include <cstddef>

namespace loginid::webauthn::limits {

inline constexpr std::size_t kMaxClientDataJsonBytes = 16 * 1024;
inline constexpr std::size_t kMaxAttestationObjectBytes = 64 * 1024;
inline constexpr std::size_t kMaxAuthenticatorDataBytes = 8 * 1024;
inline constexpr std::size_t kMaxSignatureBytes = 1024;
inline constexpr std::size_t kMaxCredentialIdBytes = 1023;  // §7.1 step 25
inline constexpr std::size_t kMaxCoseKeyBytes = 2048;
inline constexpr std::size_t kMaxFmtBytes = 32;
inline constexpr std::size_t kMaxCertificates = 8;          // x5c entries
inline constexpr std::size_t kMaxCertificateBytes = 8 * 1024;
inline constexpr std::size_t kMinRsaModulusBits = 2048;
inline constexpr std::size_t kMaxRsaModulusBits = 4096;
inline constexpr std::size_t kMaxTpmStructureBytes = 4096;  // pubArea, certInfo

// CBOR (attestation object, COSE keys, authenticator extensions), enforced by a streaming pre-scan
// (libcbor's callback decoder, no allocation) before libcbor builds any item:
inline constexpr std::size_t kMaxCborDepth = 16;        // nesting of arrays/maps
inline constexpr std::size_t kMaxCborItems = 1024;      // items in one encoded value, all levels
inline constexpr std::size_t kMaxCborContainerEntries = 64;  // elements of one array, pairs of one map

}  // namespace loginid::webauthn::limits
