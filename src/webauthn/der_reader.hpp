#pragma once
// A bounds-checked walk over DER TLVs (for certificate extensions the attestation formats read:
// android-key's KeyDescription, apple's nonce, the FIDO AAGUID). Each header is decoded by
// OpenSSL's ASN1_get_object, which checks the length against the bytes left; indefinite lengths
// are refused. Iterative: a caller descends one level at a time with DerReader(element.content).

#include <openssl/asn1.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace loginid::webauthn::detail {

struct DerElement {
  int tag = 0;
  int tag_class = 0;  ///< V_ASN1_UNIVERSAL, V_ASN1_CONTEXT_SPECIFIC, ...
  bool constructed = false;
  std::string_view content;
};

class DerReader {
 public:
  explicit DerReader(std::string_view data) noexcept : rest_(data) {}

  /// The next element, or nullopt at the end or on malformed DER (then failed() is true).
  std::optional<DerElement> next() noexcept {
    if (rest_.empty() || failed_) {
      return std::nullopt;
    }
    const auto* start = reinterpret_cast<const unsigned char*>(rest_.data());
    const unsigned char* p = start;
    long length = 0;
    DerElement e;
    const int flags = ASN1_get_object(&p, &length, &e.tag, &e.tag_class, static_cast<long>(rest_.size()));
    const auto header = static_cast<std::size_t>(p - start);
    if ((flags & 0x80) != 0 || (flags & 0x01) != 0 || length < 0 ||
        static_cast<std::size_t>(length) > rest_.size() - header) {
      failed_ = true;
      return std::nullopt;
    }
    e.constructed = (flags & V_ASN1_CONSTRUCTED) != 0;
    e.content = rest_.substr(header, static_cast<std::size_t>(length));
    rest_.remove_prefix(header + static_cast<std::size_t>(length));
    return e;
  }

  [[nodiscard]] bool at_end() const noexcept { return rest_.empty() && !failed_; }
  [[nodiscard]] bool failed() const noexcept { return failed_; }

 private:
  std::string_view rest_;
  bool failed_ = false;
};

/// The single element `data` consists of, or nullopt (malformed, or trailing bytes).
inline std::optional<DerElement> der_single(std::string_view data) noexcept {
  DerReader reader(data);
  auto e = reader.next();
  return e && reader.at_end() ? e : std::nullopt;
}

/// A small non-negative DER INTEGER or ENUMERATED content (at most 8 bytes), or nullopt.
inline std::optional<std::uint64_t> der_small_unsigned(std::string_view content) noexcept {
  if (content.empty() || content.size() > 8 || (static_cast<unsigned char>(content[0]) & 0x80) != 0) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  for (const char c : content) {
    value = value << 8 | static_cast<unsigned char>(c);
  }
  return value;
}

}  // namespace loginid::webauthn::detail
