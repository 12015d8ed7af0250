#pragma once
// A software WebAuthn authenticator for the FIDO2 tests: it plays what a browser and its
// authenticator do with an init's options (navigator.credentials.create / .get) and answers the
// complete's payload, base64url as the published browser SDK sends it. Built independently of the
// code under test: CBOR through libcbor's encoder, keys, signatures and certificates through
// OpenSSL. Every part of a ceremony can be made wrong on purpose (Act) to test a refusal.
//
// Needs the JOSE core's base64url (linked by whoever links this: the emulator tests' support
// library, or libloginid).

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

typedef struct evp_pkey_st EVP_PKEY;  // NOLINT: OpenSSL's own declaration

namespace loginid::testing {

/// How one ceremony is performed; the defaults make a correct one.
struct Act {
  std::string origin = "http://localhost:5173";
  std::optional<std::string> type;         ///< clientDataJSON type (default webauthn.create / webauthn.get)
  std::optional<std::string> challenge;    ///< clientDataJSON challenge (default: the options')
  std::optional<std::string> rp_id;        ///< the rp id hashed into authenticator data (default: the options')
  bool user_present = true;
  bool user_verified = true;
  std::optional<std::uint32_t> sign_count;  ///< default: the next counter value (create: the current)
};

class SoftAuthenticator {
 public:
  /// attestation: "none", "packed-self" (signed by the credential key) or "packed-x5c" (signed by
  /// a fresh attestation key whose self-signed certificate goes in x5c).
  explicit SoftAuthenticator(std::string attestation = "none");
  ~SoftAuthenticator();
  SoftAuthenticator(const SoftAuthenticator&) = delete;
  SoftAuthenticator& operator=(const SoftAuthenticator&) = delete;

  /// A second authenticator holding the same credential (same id and private key) with its own
  /// counter, which starts where this one's is now: a cloned authenticator.
  [[nodiscard]] std::unique_ptr<SoftAuthenticator> clone() const;

  /// navigator.credentials.create with an init's `attestation_payload`: the complete's
  /// `attestation_payload` {challenge, credential_uuid, credential_id, client_data, attestation_data}.
  nlohmann::json create(const nlohmann::json& attestation_payload, const Act& act = {});
  /// navigator.credentials.get with an init's `assertion_payload`: the complete's
  /// `assertion_payload` {challenge, credential_id, client_data, authenticator_data, signature}.
  nlohmann::json get(const nlohmann::json& assertion_payload, const Act& act = {});

  [[nodiscard]] const std::string& credential_id() const { return credential_id_; }  ///< raw bytes
  [[nodiscard]] std::string credential_id_b64url() const;
  [[nodiscard]] std::uint32_t sign_count() const { return sign_count_; }
  [[nodiscard]] const std::array<std::uint8_t, 16>& aaguid() const { return aaguid_; }
  /// The AAGUID as the emulator shows it (8-4-4-4-12 lowercase hex).
  [[nodiscard]] std::string aaguid_text() const;
  /// The credential public key as COSE_Key bytes (libcbor).
  [[nodiscard]] std::string cose_key() const;

  /// Authenticator data: SHA-256(rp_id) ‖ flags ‖ counter ‖ (attested credential data when `attested`).
  [[nodiscard]] std::string authenticator_data(const std::string& rp_id, bool up, bool uv, std::uint32_t counter,
                                               bool attested) const;
  /// An ECDSA (DER) signature by the credential key over authenticator data ‖ SHA-256(client data).
  [[nodiscard]] std::string sign(const std::string& authenticator_data, const std::string& client_data) const;

 private:
  SoftAuthenticator(std::shared_ptr<EVP_PKEY> key, std::string credential_id, std::uint32_t sign_count,
                    std::array<std::uint8_t, 16> aaguid, std::string attestation);
  [[nodiscard]] std::string attestation_object(const std::string& auth_data, const std::string& client_data) const;

  std::shared_ptr<EVP_PKEY> key_;
  std::string credential_id_;
  std::uint32_t sign_count_ = 0;
  std::array<std::uint8_t, 16> aaguid_{};
  std::string attestation_;
};

/// CBOR test values built with libcbor (for hostile-input tests).
namespace cbor_test {
/// The encoding of a map {text key -> byte string value} with `entries` entries.
std::string map_of_bytes(std::size_t entries);
/// An attestation object {"fmt": fmt, "attStmt": {}, "authData": auth_data}.
std::string attestation_object(const std::string& fmt, const std::string& auth_data);
}  // namespace cbor_test

}  // namespace loginid::testing
