#pragma once
// base64url (RFC 4648 §5) without padding, as JOSE uses it.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace loginid::detail {

std::string base64url_encode(std::string_view bytes);
/// Appends the encoding of `bytes` to `out` (no temporary string).
void base64url_append(std::string& out, std::string_view bytes);

/// Strict: rejects `=` padding, characters outside the alphabet, whitespace, a length of 1 mod 4,
/// and non-canonical final bits (unused low bits must be zero). nullopt on any of these.
std::optional<std::string> base64url_decode(std::string_view text);

/// The number of bytes a base64url text of `length` characters decodes to, or nullopt when no
/// valid text has that length (1 mod 4).
std::optional<std::size_t> base64url_decoded_size(std::size_t length) noexcept;

/// base64url_decode into `out`, which has room for base64url_decoded_size(text.size()) bytes:
/// the hot paths decode into storage they already own. False on any text base64url_decode refuses
/// (then `out` holds garbage).
bool base64url_decode_to(std::string_view text, char* out) noexcept;

/// base64url_decode into `out`, reusing its capacity. False (and `out` unspecified) on refusal.
bool base64url_decode_into(std::string_view text, std::string& out);

}  // namespace loginid::detail
