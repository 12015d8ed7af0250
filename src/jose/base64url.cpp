#include "jose/base64url.hpp"

#include <array>
#include <cstdint>

namespace loginid::detail {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::uint8_t kInvalid = 0xff;

// Reverse table built at compile time so decoding is one lookup per character.
constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  table.fill(kInvalid);
  for (std::uint8_t i = 0; i < 64; ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = i;
  }
  return table;
}
constexpr auto kDecode = make_decode_table();

}  // namespace

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  base64url_append(out, bytes);
  return out;
}

void base64url_append(std::string& out, std::string_view bytes) {
  std::size_t o = out.size();
  out.resize(o + (bytes.size() * 4 + 2) / 3);
  const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
    out[o++] = kAlphabet[(v >> 18) & 63];
    out[o++] = kAlphabet[(v >> 12) & 63];
    out[o++] = kAlphabet[(v >> 6) & 63];
    out[o++] = kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t{in[i]} << 16;
    out[o++] = kAlphabet[(v >> 18) & 63];
    out[o++] = kAlphabet[(v >> 12) & 63];
  } else if (rest == 2) {
    const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8);
    out[o++] = kAlphabet[(v >> 18) & 63];
    out[o++] = kAlphabet[(v >> 12) & 63];
    out[o++] = kAlphabet[(v >> 6) & 63];
  }
}

std::optional<std::size_t> base64url_decoded_size(std::size_t length) noexcept {
  const std::size_t tail = length % 4;
  // A length of 1 mod 4 cannot come from any byte string.
  if (tail == 1) {
    return std::nullopt;
  }
  return length / 4 * 3 + (tail == 0 ? 0 : tail - 1);
}

bool base64url_decode_to(std::string_view text, char* out) noexcept {
  const std::size_t tail = text.size() % 4;
  if (tail == 1) {
    return false;
  }
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  auto* o = reinterpret_cast<unsigned char*>(out);
  const std::size_t full = text.size() - tail;
  for (std::size_t i = 0; i < full; i += 4) {
    const std::uint32_t a = kDecode[in[i]];
    const std::uint32_t b = kDecode[in[i + 1]];
    const std::uint32_t c = kDecode[in[i + 2]];
    const std::uint32_t d = kDecode[in[i + 3]];
    if (((a | b | c | d) & 0x80) != 0) {  // kInvalid: also '=', '+', '/', whitespace and NUL
      return false;
    }
    const std::uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    *o++ = static_cast<unsigned char>(v >> 16);
    *o++ = static_cast<unsigned char>(v >> 8);
    *o++ = static_cast<unsigned char>(v);
  }
  if (tail == 0) {
    return true;
  }
  const std::uint32_t a = kDecode[in[full]];
  const std::uint32_t b = kDecode[in[full + 1]];
  const std::uint32_t c = tail == 3 ? kDecode[in[full + 2]] : 0;
  if (((a | b | c) & 0x80) != 0) {
    return false;
  }
  // Canonical encodings leave the unused low bits of the last character zero; anything else
  // would let two different strings decode to the same bytes.
  if (tail == 2 ? (b & 0x0F) != 0 : (c & 0x03) != 0) {
    return false;
  }
  const std::uint32_t v = (a << 18) | (b << 12) | (c << 6);
  *o++ = static_cast<unsigned char>(v >> 16);
  if (tail == 3) {
    *o = static_cast<unsigned char>(v >> 8);
  }
  return true;
}

bool base64url_decode_into(std::string_view text, std::string& out) {
  const auto size = base64url_decoded_size(text.size());
  if (!size) {
    return false;
  }
  out.resize(*size);
  return base64url_decode_to(text, out.data());
}

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string out;
  if (!base64url_decode_into(text, out)) {
    return std::nullopt;
  }
  return out;
}

}  // namespace loginid::detail
