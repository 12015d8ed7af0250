#pragma once
// Attestation certificates (x5c): parsing under the limits, the certificate requirements of the
// attestation formats (§8.2.1, §8.3.1), extension lookup, and chain verification to the caller's
// trust roots. All through OpenSSL's X509 API.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "webauthn/cbor.hpp"
#include "webauthn/openssl_ptr.hpp"
#include "webauthn/result.hpp"

namespace loginid::webauthn::detail {

struct CertificateChain {
  std::vector<X509Ptr> certs;  ///< leaf first
  std::vector<std::string> der;
};
/// attStmt.x5c: an array of 1..limits::kMaxCertificates byte strings, each exactly one DER
/// certificate of at most limits::kMaxCertificateBytes. nullopt and `problem` (naming the entry)
/// otherwise.
std::optional<CertificateChain> parse_x5c(const cbor_item_t* x5c, std::string& problem);

/// One DER certificate, whole; nullptr when it is not one.
X509Ptr parse_certificate(std::string_view der);

struct Extension {
  bool critical = false;
  std::string_view value;  ///< the extnValue OCTET STRING's content (DER of the extension's value)
};
/// The extension with dotted `oid`; nullopt when absent. `duplicate` is set when it occurs twice.
std::optional<Extension> find_extension(X509* cert, const char* oid, bool& duplicate);

/// Problems with a certificate, as text for the failure message; nullopt when it meets them.
std::optional<std::string> check_version_3(X509* cert);
/// Basic Constraints present with CA false.
std::optional<std::string> check_not_ca(X509* cert);
/// id-fido-gen-ce-aaguid (1.3.6.1.4.1.45724.1.1.4), if present: not critical, equal to `aaguid`.
std::optional<std::string> check_aaguid_extension(X509* cert, const std::array<std::uint8_t, 16>& aaguid);
/// §8.2.1 subject: C, O, CN present, and OU "Authenticator Attestation".
std::optional<std::string> check_packed_subject(X509* cert);

/// SubjectPublicKeyInfo DER of a certificate's key.
std::string certificate_spki(X509* cert);

/// Verifies `chain` (leaf first; the rest as untrusted intermediates) up to one of `roots_der`
/// (trust anchors; an intermediate may be one) at `time` (seconds since the epoch; nullopt = now).
/// nullopt when it verifies, else the reason (OpenSSL's verification error text).
std::optional<std::string> verify_chain(const CertificateChain& chain, const std::vector<std::string>& roots_der,
                                        std::optional<std::int64_t> time);

}  // namespace loginid::webauthn::detail
