#include "webauthn/failure_message.hpp"

namespace loginid::webauthn::detail {

std::string quote_input(std::string_view text, std::size_t max) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "\"";
  const std::size_t shown = text.size() < max ? text.size() : max;
  for (std::size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kDigits[c >> 4];
      out += kDigits[c & 0xf];
    }
  }
  out += '"';
  if (shown < text.size()) {
    out.insert(out.size() - 1, "...");
    out += " (" + std::to_string(text.size()) + " bytes)";
  }
  return out;
}

std::string hex(std::string_view bytes, std::size_t max) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  const std::size_t shown = bytes.size() < max ? bytes.size() : max;
  for (std::size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  if (shown < bytes.size()) {
    out += "...";
  }
  return out;
}

Failure fail(Errc reason, std::string_view what) {
  std::string message(reason_name(reason));
  message += ": ";
  message += what;
  return Failure{reason, std::move(message)};
}

}  // namespace loginid::webauthn::detail
