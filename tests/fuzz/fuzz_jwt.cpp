// JWT decode + verify on untrusted text. decode_jwt and verify_jwt are noexcept and must give a
// reason for every refusal; a token that verifies must decode to the same payload, and the
// throwing overloads must agree with the error_code ones.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "loginid/jwt.hpp"

namespace {

const loginid::PrivateKey& signing_key() {
  static const loginid::PrivateKey key = loginid::PrivateKey::generate();
  return key;
}

loginid::VerifyPolicy policy() {
  loginid::VerifyPolicy p;
  p.audience = "client";
  p.clock = [] { return std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000)); };
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  std::error_code decode_ec;
  const auto decoded = loginid::decode_jwt(token, decode_ec);
  if (decoded.has_value() == static_cast<bool>(decode_ec)) {
    std::abort();  // success and failure must be exclusive
  }
  try {
    (void)loginid::decode_jwt(token);
    if (decode_ec) std::abort();
  } catch (const loginid::TokenError& e) {
    if (e.code() != decode_ec) std::abort();
  }
  if (decoded) {
    (void)loginid::check_claims(decoded->payload, policy());
    (void)loginid::check_signature(*decoded, signing_key().public_key());
  }
  std::error_code verify_ec;
  const auto claims = loginid::verify_jwt(token, signing_key().public_key(), policy(), verify_ec);
  if (claims && (!decoded || *claims != decoded->payload)) {
    std::abort();
  }
  // Re-signing a decodable payload with our key must verify, unless a claim check refuses it.
  if (decoded && size < 2048) {
    const auto resigned = loginid::sign_jwt(decoded->payload, signing_key());
    std::error_code ec;
    const auto again = loginid::verify_jwt(resigned, signing_key().public_key(), policy(), ec);
    if (!again && ec == loginid::make_error_code(loginid::TokenErrc::bad_signature)) {
      std::abort();
    }
  }
  return 0;
}
