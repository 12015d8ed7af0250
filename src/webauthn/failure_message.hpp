#pragma once
// Building Failure messages: values from untrusted input are quoted, escaped and truncated, so a
// message stays one readable line and never carries a whole input.

#include <string>
#include <string_view>

#include "webauthn/result.hpp"

namespace loginid::webauthn::detail {

/// `"text"` with control and non-ASCII bytes as \xHH and at most `max` bytes shown
/// (then `..." (N bytes)`).
std::string quote_input(std::string_view text, std::size_t max = 64);
/// Lowercase hex of at most `max` bytes (then `...`).
std::string hex(std::string_view bytes, std::size_t max = 32);

/// Failure{reason, "<reason name>: <what>"}.
Failure fail(Errc reason, std::string_view what);

}  // namespace loginid::webauthn::detail
