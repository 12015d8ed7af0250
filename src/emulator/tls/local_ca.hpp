#pragma once
// --tls-self-signed: a certificate authority kept beside the credentials file (made on first use,
// reused after, so a CA a browser or a phone was told to trust stays trusted), and a fresh server
// certificate it issues at every start for the names the emulator is reached by. The server's key
// lives in memory only; the CA's key is written owner-only (0600). OpenSSL 3 EVP/X509 APIs.

#include <string>
#include <vector>

#include "emulator/tls/server_tls.hpp"

namespace loginid::detail::emulator::tls {

struct LocalCaFiles {
  std::string cert;  ///< PEM certificate: what clients trust (recorded as ca_bundle in the credentials file)
  std::string key;   ///< PEM private key, 0600
};

/// Beside `credentials_path`: "X.credentials.json" -> "X.ca.pem" and "X.ca-key.pem".
LocalCaFiles local_ca_files(const std::string& credentials_path);

struct LocalCa {
  X509Ptr cert{nullptr, &X509_free};
  KeyPtr key{nullptr, &EVP_PKEY_free};
  bool created = false;  ///< made now (no usable CA was there)
};

/// Loads the CA from `files`, or makes and writes a new one when neither file exists or the old
/// CA has expired. Throws std::runtime_error naming the file when only one of the two exists,
/// one cannot be read or written, or the key does not belong to the certificate.
LocalCa load_or_create_local_ca(const LocalCaFiles& files);

/// A server certificate and key issued by `ca` for localhost, 127.0.0.1, ::1 and `extra_hosts`
/// (names or IP addresses; wildcard addresses such as 0.0.0.0 are skipped), valid from an hour
/// ago for 397 days (what browsers accept), never past the CA's own end.
ServerIdentity issue_server_identity(const LocalCa& ca, const std::vector<std::string>& extra_hosts);

/// The subjectAltName text for those hosts, e.g. "DNS:localhost,IP:127.0.0.1,IP:::1".
std::string subject_alt_names(const std::vector<std::string>& extra_hosts);

}  // namespace loginid::detail::emulator::tls
