// Key parsing from untrusted text: PEM (public, PKCS#8 and SEC1 private) and JWK (text and parsed
// JSON). The only allowed failure is KeyError (an InvalidArgument); any other exception, crash or
// sanitizer report is a finding. A key that parses must round-trip through its own PEM and JWK.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "loginid/error.hpp"
#include "loginid/keys.hpp"

namespace {

template <typename F>
void expect_only_key_errors(F&& parse) {
  try {
    parse();
  } catch (const loginid::InvalidArgument&) {
    // KeyError derives from it: the documented refusal.
  }
}

void check_public_round_trip(const loginid::PublicKey& key) {
  if (!(loginid::PublicKey::from_pem(key.to_pem()) == key) || !(loginid::PublicKey::from_jwk(key.to_jwk()) == key)) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  expect_only_key_errors([&] { check_public_round_trip(loginid::PublicKey::from_pem(text)); });
  expect_only_key_errors([&] { check_public_round_trip(loginid::PublicKey::from_jwk(text)); });
  expect_only_key_errors([&] { check_public_round_trip(loginid::PublicKey::from_pem_or_jwk(text)); });
  expect_only_key_errors([&] {
    const auto key = loginid::PrivateKey::from_pem(text);
    check_public_round_trip(key.public_key());
  });
  // JSON that a lenient parser accepts, re-serialised: reaches the JWK member checks more often.
  const auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_discarded()) {
    const std::string canonical = json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    expect_only_key_errors([&] { check_public_round_trip(loginid::PublicKey::from_jwk(canonical)); });
    expect_only_key_errors([&] { (void)loginid::PrivateKey::from_jwk(canonical).public_key(); });
  }
  return 0;
}
