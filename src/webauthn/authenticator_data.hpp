#pragma once
// Authenticator data (WebAuthn §6.1): its layout, and the checks on it common to §7.1 and §7.2
// (rpIdHash, UP, UV, BE/BS).

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "webauthn/result.hpp"
#include "webauthn/verify.hpp"

namespace loginid::webauthn::detail {

/// §6.5.1 attested credential data; views into the authenticator data.
struct AttestedCredential {
  std::array<std::uint8_t, 16> aaguid{};
  std::string_view credential_id;
  std::string_view cose_key;  ///< the COSE_Key bytes exactly (one CBOR item)
};

struct AuthenticatorData {
  std::string_view bytes;       ///< all of it
  std::string_view rp_id_hash;  ///< 32 bytes
  Flags flags;
  std::uint32_t sign_count = 0;
  std::optional<AttestedCredential> attested;  ///< when AT is set
  std::string_view extensions;                 ///< the extensions CBOR map when ED is set
};

/// Parses the layout: 37 fixed bytes, then attested credential data when AT is set, then an
/// extensions map when ED is set, then nothing. malformed_authenticator_data names what is wrong.
Result<AuthenticatorData> parse_authenticator_data(std::string_view bytes);

std::optional<Failure> check_rp_id_hash(const AuthenticatorData& ad, std::string_view rp_id);  // §7.1 step 14 / §7.2 step 16
std::optional<Failure> check_user_present(const AuthenticatorData& ad, const Policy& policy);   // step 15 / 17
std::optional<Failure> check_user_verified(const AuthenticatorData& ad, const Policy& policy);  // step 16 / 18
std::optional<Failure> check_backup_flags(const AuthenticatorData& ad);                         // step 17 / 19

/// The four checks above, in order.
std::optional<Failure> check_authenticator_data(const AuthenticatorData& ad, const Policy& policy);

}  // namespace loginid::webauthn::detail
