#pragma once
// Bounded CBOR decoding through libcbor. libcbor builds items with allocations sized by the
// declared lengths and frees nested items recursively, so every encoded value is first walked by
// a pre-scan on libcbor's streaming (callback) decoder, which allocates nothing and enforces the
// limits of limits.hpp (depth, item count, container sizes, definite lengths only, no tags or
// floats, UTF-8 text). Only a value that passes is handed to cbor_load.

#include <cbor.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace loginid::webauthn::detail {

enum class CborProblem {
  none,
  empty,                ///< no bytes at all
  truncated,            ///< the value ends before its declared length
  malformed,            ///< reserved or invalid initial byte
  too_deep,             ///< nesting over limits::kMaxCborDepth
  too_many_items,       ///< over limits::kMaxCborItems
  container_too_large,  ///< an array or map over limits::kMaxCborContainerEntries
  indefinite_length,    ///< indefinite-length string, array or map (CTAP2 canonical CBOR has none)
  unsupported_item,     ///< tag, float, undefined or simple value
  invalid_utf8,         ///< a text string that is not UTF-8
  out_of_memory,
};
/// "truncated", "nested deeper than 16 levels", ...
std::string cbor_problem_text(CborProblem p);

struct CborDeleter {
  void operator()(cbor_item_t* item) const noexcept { cbor_decref(&item); }
};
using CborItem = std::unique_ptr<cbor_item_t, CborDeleter>;

/// The length of the one CBOR data item at the start of `data` (bytes after it are not looked at),
/// or nullopt with `problem` set.
std::optional<std::size_t> scan_cbor_item(std::string_view data, CborProblem& problem) noexcept;

/// Pre-scans, then builds the item at the start of `data`; `consumed` is its encoded length.
/// nullptr with `problem` set on failure.
CborItem load_cbor_item(std::string_view data, std::size_t& consumed, CborProblem& problem) noexcept;

// Typed access; nullopt when the item is not of that kind (or out of range).
std::optional<std::int64_t> cbor_int(const cbor_item_t* item) noexcept;
std::optional<std::string_view> cbor_bytes(const cbor_item_t* item) noexcept;
std::optional<std::string_view> cbor_text(const cbor_item_t* item) noexcept;
bool cbor_is_bool_item(const cbor_item_t* item) noexcept;

/// A map's entries looked up by integer or text key. Keys must all be integers or text strings and
/// pairwise distinct: anything else makes `valid()` false (and `problem()` says why).
class CborMap {
 public:
  explicit CborMap(const cbor_item_t* map) noexcept;
  [[nodiscard]] bool valid() const noexcept { return problem_.empty(); }
  [[nodiscard]] const std::string& problem() const noexcept { return problem_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] const cbor_item_t* find(std::int64_t label) const noexcept;
  [[nodiscard]] const cbor_item_t* find(std::string_view key) const noexcept;
  /// The key of entry i as text, for messages ("3", "-1", "\"fmt\"").
  [[nodiscard]] std::string key_text(std::size_t i) const;
  [[nodiscard]] const cbor_pair& entry(std::size_t i) const noexcept { return pairs_[i]; }

 private:
  const cbor_pair* pairs_ = nullptr;
  std::size_t size_ = 0;
  std::string problem_;
};

}  // namespace loginid::webauthn::detail
