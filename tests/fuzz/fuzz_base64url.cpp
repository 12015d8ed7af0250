// base64url decode is strict (no padding, no stray characters, canonical final bits), so whatever
// it accepts must re-encode to exactly the input, and every encoding must decode back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "jose/base64url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (const auto decoded = loginid::detail::base64url_decode(input)) {
    if (loginid::detail::base64url_encode(*decoded) != input) {
      std::abort();  // two texts decode to the same bytes: decoding is not canonical
    }
  }
  const auto encoded = loginid::detail::base64url_encode(input);
  const auto back = loginid::detail::base64url_decode(encoded);
  if (!back || *back != input) {
    std::abort();
  }
  return 0;
}
