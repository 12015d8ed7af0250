// A strict RFC 8259 reader that builds nlohmann::json directly. Hand-written rather than through
// nlohmann's SAX interface for two reasons: it sees each member name before storing it (so a
// duplicate is refused, not silently overwritten), and it is several times faster on the small
// objects of token headers and payloads, which matters because every verification parses one.
// Recursion is bounded by kMaxJsonDepth.

#include "jose/json_strict.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "jose/utf8.hpp"

namespace loginid::detail {
namespace {

using json = nlohmann::json;

// The bytes a JSON string holds as they are: printable ASCII except '"' and '\\'. One table
// lookup per byte in the hottest loop of a token's parse.
constexpr std::array<bool, 256> kPlainStringByte = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x80; ++c) {
    plain[c] = c != '"' && c != '\\';
  }
  return plain;
}();

class Reader {
 public:
  explicit Reader(std::string_view text) : s_(text) {}

  /// The whole input as one value; nullopt (and problem()) on any error.
  std::optional<json> document() {
    json value;
    skip_ws();
    if (!read_value(value, 0)) {
      return std::nullopt;
    }
    skip_ws();
    if (i_ != s_.size()) {
      return fail(JsonProblem::syntax);
    }
    return value;
  }

  [[nodiscard]] JsonProblem problem() const noexcept { return problem_; }

 private:
  std::nullopt_t fail(JsonProblem p) {
    if (problem_ == JsonProblem::none) {
      problem_ = p;
    }
    return std::nullopt;
  }
  bool failed(JsonProblem p) {
    fail(p);
    return false;
  }

  void skip_ws() noexcept {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }

  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) {
      return failed(JsonProblem::syntax);
    }
    i_ += word.size();
    return true;
  }

  bool read_value(json& out, std::size_t depth) {
    if (i_ >= s_.size()) {
      return failed(JsonProblem::syntax);
    }
    switch (s_[i_]) {
      case '{': return read_object(out, depth + 1);
      case '[': return read_array(out, depth + 1);
      case '"': {
        std::string text;
        if (!read_string(text)) {
          return false;
        }
        out = std::move(text);
        return true;
      }
      case 't': out = true; return literal("true");
      case 'f': out = false; return literal("false");
      case 'n': out = nullptr; return literal("null");
      default: return read_number(out);
    }
  }

  bool read_object(json& out, std::size_t depth) {
    if (depth > kMaxJsonDepth) {
      return failed(JsonProblem::too_deep);
    }
    ++i_;  // '{'
    out = json::object();
    auto& members = *out.get_ptr<json::object_t*>();
    skip_ws();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return true;
    }
    while (true) {
      if (i_ >= s_.size() || s_[i_] != '"') {
        return failed(JsonProblem::syntax);
      }
      std::string name;
      if (!read_string(name)) {
        return false;
      }
      skip_ws();
      if (i_ >= s_.size() || s_[i_] != ':') {
        return failed(JsonProblem::syntax);
      }
      ++i_;
      skip_ws();
      const auto [slot, inserted] = members.try_emplace(std::move(name));
      if (!inserted) {
        return failed(JsonProblem::duplicate_key);
      }
      if (!read_value(slot->second, depth)) {
        return false;
      }
      skip_ws();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        skip_ws();
        continue;
      }
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        return true;
      }
      return failed(JsonProblem::syntax);
    }
  }

  bool read_array(json& out, std::size_t depth) {
    if (depth > kMaxJsonDepth) {
      return failed(JsonProblem::too_deep);
    }
    ++i_;  // '['
    out = json::array();
    auto& items = *out.get_ptr<json::array_t*>();
    skip_ws();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return true;
    }
    while (true) {
      if (!read_value(items.emplace_back(), depth)) {
        return false;
      }
      skip_ws();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        skip_ws();
        continue;
      }
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return true;
      }
      return failed(JsonProblem::syntax);
    }
  }

  /// Four hex digits at i_ (after "\u").
  bool read_hex4(std::uint32_t& out) {
    if (s_.size() - i_ < 4) {
      return false;
    }
    out = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s_[i_++];
      out <<= 4;
      if (c >= '0' && c <= '9') {
        out |= static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        out |= static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        out |= static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
    }
    return true;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  /// "\uXXXX", with a surrogate pair joined; a lone surrogate is an error.
  bool read_unicode_escape(std::string& out) {
    std::uint32_t cp = 0;
    if (!read_hex4(cp)) {
      return false;
    }
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
      return false;  // low surrogate first
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      std::uint32_t low = 0;
      if (s_.substr(i_, 2) != "\\u") {
        return false;
      }
      i_ += 2;
      if (!read_hex4(low) || low < 0xDC00 || low > 0xDFFF) {
        return false;
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, cp);
    return true;
  }

  /// Where the run of plain string bytes starting at `from` ends (a local pointer, so the
  /// loop does not go back to the members on every byte).
  [[nodiscard]] std::size_t plain_run_end(std::size_t from) const noexcept {
    const char* p = s_.data() + from;
    const char* const end = s_.data() + s_.size();
    while (p != end && kPlainStringByte[static_cast<unsigned char>(*p)]) {
      ++p;
    }
    return static_cast<std::size_t>(p - s_.data());
  }

  bool read_string(std::string& out) {
    ++i_;  // opening quote
    while (true) {
      // Copy the run of plain printable ASCII in one go.
      const std::size_t start = i_;
      i_ = plain_run_end(start);
      out.append(s_.data() + start, i_ - start);
      if (i_ >= s_.size()) {
        return failed(JsonProblem::syntax);
      }
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) {
        return failed(JsonProblem::syntax);  // control characters must be escaped
      }
      if (c >= 0x80) {
        const std::size_t n = utf8_sequence_length(s_, i_);
        if (n == 0) {
          return failed(JsonProblem::syntax);
        }
        out.append(s_.substr(i_, n));
        i_ += n;
        continue;
      }
      // Backslash escape.
      if (++i_ >= s_.size()) {
        return failed(JsonProblem::syntax);
      }
      const char e = s_[i_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u':
          if (!read_unicode_escape(out)) {
            return failed(JsonProblem::syntax);
          }
          break;
        default: return failed(JsonProblem::syntax);
      }
    }
  }

  bool digits() {
    const std::size_t start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
      ++i_;
    }
    return i_ > start;
  }

  /// RFC 8259 number grammar. Integers become number_unsigned (non-negative) or number_integer
  /// as nlohmann does; an integer too large for 64 bits, or any fraction/exponent, a double.
  bool read_number(json& out) {
    const std::size_t start = i_;
    const bool negative = s_[i_] == '-';
    if (negative) {
      ++i_;
    }
    if (i_ >= s_.size()) {
      return failed(JsonProblem::syntax);
    }
    if (s_[i_] == '0') {
      ++i_;
    } else if (!digits()) {
      return failed(JsonProblem::syntax);
    }
    bool integral = true;
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      integral = false;
      if (!digits()) {
        return failed(JsonProblem::syntax);
      }
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      integral = false;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) {
        ++i_;
      }
      if (!digits()) {
        return failed(JsonProblem::syntax);
      }
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + i_;
    if (integral) {
      if (negative) {
        std::int64_t v = 0;
        if (std::from_chars(first, last, v).ec == std::errc{}) {
          out = v;
          return true;
        }
      } else {
        std::uint64_t v = 0;
        if (std::from_chars(first, last, v).ec == std::errc{}) {
          out = v;
          return true;
        }
      }
    }
    double d = 0;
    const auto [ptr, ec] = std::from_chars(first, last, d);
    if (ec != std::errc{} || ptr != last) {
      return failed(JsonProblem::syntax);  // includes overflow to infinity
    }
    out = d;
    return true;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  JsonProblem problem_ = JsonProblem::none;
};

}  // namespace

std::optional<nlohmann::json> parse_json_strict(std::string_view text, JsonProblem& problem) noexcept {
  try {
    Reader reader(text);
    auto value = reader.document();
    problem = value ? JsonProblem::none : reader.problem();
    if (!value && problem == JsonProblem::none) {
      problem = JsonProblem::syntax;
    }
    return value;
  } catch (...) {  // allocation failure: the text may be fine, so it is not called invalid
    problem = JsonProblem::out_of_memory;
    return std::nullopt;
  }
}

std::optional<nlohmann::json> parse_json_object_strict(std::string_view text, JsonProblem& problem) noexcept {
  auto value = parse_json_strict(text, problem);
  if (value && !value->is_object()) {
    problem = JsonProblem::not_object;
    return std::nullopt;
  }
  return value;
}

std::string describe(JsonProblem problem) {
  switch (problem) {
    case JsonProblem::none: return "valid JSON";
    case JsonProblem::syntax: return "not valid JSON (or not UTF-8)";
    case JsonProblem::too_deep:
      return "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels (the limit)";
    case JsonProblem::duplicate_key: return "a JSON object repeats a member name";
    case JsonProblem::not_object: return "not a JSON object";
    case JsonProblem::out_of_memory: return "not parsed: out of memory";
  }
  return "not valid JSON";
}

}  // namespace loginid::detail
