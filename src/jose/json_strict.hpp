#pragma once
// Strict JSON parsing for untrusted input (token headers and payloads, JWKs): UTF-8 checked,
// duplicate member names refused (RFC 7515 §5.2 lets a parser pick either value, so an attacker
// could make two parsers disagree), nesting depth bounded.

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace loginid::detail {

enum class JsonProblem {
  none,
  syntax,         ///< not JSON, trailing bytes, invalid UTF-8
  too_deep,       ///< nested deeper than kMaxJsonDepth
  duplicate_key,  ///< an object repeats a member name
  not_object,     ///< valid JSON, but the top level is not an object
};

inline constexpr std::size_t kMaxJsonDepth = 64;

/// Parses any JSON value strictly. nullopt with `problem` set on failure; never throws.
std::optional<nlohmann::json> parse_json_strict(std::string_view text, JsonProblem& problem) noexcept;

/// Same, and the top level must be an object.
std::optional<nlohmann::json> parse_json_object_strict(std::string_view text, JsonProblem& problem) noexcept;

}  // namespace loginid::detail
