#pragma once
// Small helpers of the emulator's service layer: ids, random codes, time.

#include <cstdint>
#include <string>
#include <string_view>

namespace loginid::detail::emulator {

/// A random (version 4) UUID in lowercase canonical form, from the OpenSSL CSPRNG.
std::string new_uuid();
/// A version-4 UUID for X-Request-ID: unique, but from a fast per-thread generator (not for secrets
/// or ids that must not be guessed).
std::string new_request_id();
/// 8-4-4-4-12 hex digits (either case).
bool is_uuid(std::string_view text);
/// A client id like LoginID's: 88 characters, base64url of 64 random bytes with its `==` tail.
std::string new_client_id();
/// A namespace id like LoginID's: 16 random lowercase hex digits.
std::string new_namespace_id();
/// A namespace id of either form: 16 lowercase hex digits (since issue 11), or a UUID (databases
/// written before, which keep their ids).
bool is_namespace_id(std::string_view text);

/// `n` bytes from the OpenSSL CSPRNG.
std::string random_byte_string(std::size_t n);
/// `digits` random decimal digits, uniformly drawn.
std::string random_digits(std::size_t digits);
/// `words` dictionary words joined by '-'.
std::string random_phrase(std::size_t words);

/// UTC milliseconds since the epoch.
std::int64_t now_ms();
/// RFC 3339 UTC with milliseconds, e.g. 2026-11-29T01:02:03.456Z.
std::string format_rfc3339(std::int64_t ms);

/// ASCII lowercase (the key for case-insensitive username uniqueness).
std::string lowercase_ascii(std::string_view text);

}  // namespace loginid::detail::emulator
