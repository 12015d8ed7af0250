#pragma once
// Strict JSON parsing for every JSON document that comes from outside the process: token headers
// and payloads, JWKs, the service's answers (SDK), request bodies (emulator), files, stdin and
// flags (CLI). UTF-8 checked, duplicate member names refused (RFC 7515 §5.2 lets a parser pick
// either value, so an attacker could make two parsers disagree), nesting depth bounded *while
// parsing*: nlohmann::json copies, dumps and compares recursively, so a document nested 100,000
// deep that reached any of those would overflow the stack (issue 15). Never parse outside input
// with nlohmann::json::parse directly.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "loginid/version.hpp"

namespace loginid::detail {

enum class JsonProblem {
  none,
  syntax,         ///< not JSON, trailing bytes, invalid UTF-8
  too_deep,       ///< nested deeper than kMaxJsonDepth
  duplicate_key,  ///< an object repeats a member name
  not_object,     ///< valid JSON, but the top level is not an object
  out_of_memory,  ///< an allocation failed: nothing is known about the text
};

/// Containers (objects and arrays) nested inside one another, the outermost included. Nothing
/// LoginID sends or accepts comes near it (its deepest shapes have 3 levels); it keeps the
/// reader's own recursion, and everything recursive done later with the value, a few KiB of stack.
inline constexpr std::size_t kMaxJsonDepth = 64;

/// Parses any JSON value strictly. nullopt with `problem` set on failure; never throws.
std::optional<nlohmann::json> parse_json_strict(std::string_view text, JsonProblem& problem) noexcept;

/// Same, and the top level must be an object.
std::optional<nlohmann::json> parse_json_object_strict(std::string_view text, JsonProblem& problem) noexcept;

/// The problem in words for an error message, naming the limit where there is one, e.g.
/// "JSON nested deeper than 64 levels (the limit)".
std::string describe(JsonProblem problem);

}  // namespace loginid::detail
