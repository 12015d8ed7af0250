#pragma once
// UTF-8 validation shared by the strict JSON reader and writer.

#include <cstddef>
#include <string_view>

namespace loginid::detail {

/// Length of the valid UTF-8 sequence starting at `s[i]` (RFC 3629: shortest form, no UTF-16
/// surrogates, at most U+10FFFF), or 0 when it is not one.
inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto continuation = [](unsigned char c) { return (c & 0xC0) == 0x80; };
  const unsigned char c = at(0);
  const std::size_t left = s.size() - i;
  if (c < 0x80) {
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF) {
    return left >= 2 && continuation(at(1)) ? 2 : 0;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3 || !continuation(at(1)) || !continuation(at(2))) {
      return 0;
    }
    return (c == 0xE0 && at(1) < 0xA0) || (c == 0xED && at(1) > 0x9F) ? 0 : 3;  // overlong / surrogate
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4 || !continuation(at(1)) || !continuation(at(2)) || !continuation(at(3))) {
      return 0;
    }
    return (c == 0xF0 && at(1) < 0x90) || (c == 0xF4 && at(1) > 0x8F) ? 0 : 4;  // overlong / > U+10FFFF
  }
  return 0;
}

}  // namespace loginid::detail
