#pragma once
// base64url (RFC 4648 §5) without padding, as JOSE uses it.

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

}  // namespace loginid::detail
