#include "webauthn/cbor.hpp"

#include <array>
#include <limits>

#include "jose/utf8.hpp"
#include "webauthn/limits.hpp"

namespace loginid::webauthn::detail {
namespace {

/// What the streaming decoder reported for the one item it decoded last.
struct ScanState {
  CborProblem problem = CborProblem::none;
  bool container = false;
  std::size_t entries = 0;   // array elements or map pairs
  std::size_t children = 0;  // items that follow: elements, or keys and values
};

ScanState& state(void* context) { return *static_cast<ScanState*>(context); }
void refuse(void* context, CborProblem p) { state(context).problem = p; }

void on_scalar8(void*, std::uint8_t) {}
void on_scalar16(void*, std::uint16_t) {}
void on_scalar32(void*, std::uint32_t) {}
void on_scalar64(void*, std::uint64_t) {}
void on_bytes(void*, cbor_data, std::size_t) {}
void on_text(void* context, cbor_data data, std::size_t length) {
  const std::string_view text(reinterpret_cast<const char*>(data), length);
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = loginid::detail::utf8_sequence_length(text, i);
    if (n == 0) {
      refuse(context, CborProblem::invalid_utf8);
      return;
    }
    i += n;
  }
}
void on_indefinite(void* context) { refuse(context, CborProblem::indefinite_length); }
void on_container(void* context, std::size_t entries, std::size_t items_per_entry) {
  ScanState& s = state(context);
  s.container = true;
  s.entries = entries;
  if (entries > limits::kMaxCborContainerEntries) {
    s.problem = CborProblem::container_too_large;
  } else {
    s.children = entries * items_per_entry;  // cannot overflow: entries is small
  }
}
void on_array(void* context, std::size_t size) { on_container(context, size, 1); }
void on_map(void* context, std::size_t size) { on_container(context, size, 2); }
void on_tag(void* context, std::uint64_t) { refuse(context, CborProblem::unsupported_item); }
void on_float(void* context, float) { refuse(context, CborProblem::unsupported_item); }
void on_double(void* context, double) { refuse(context, CborProblem::unsupported_item); }
void on_undefined(void* context) { refuse(context, CborProblem::unsupported_item); }
void on_simple(void*) {}
void on_bool(void*, bool) {}

constexpr cbor_callbacks kScanCallbacks = [] {
  cbor_callbacks cb{};
  cb.uint8 = on_scalar8;
  cb.uint16 = on_scalar16;
  cb.uint32 = on_scalar32;
  cb.uint64 = on_scalar64;
  cb.negint8 = on_scalar8;
  cb.negint16 = on_scalar16;
  cb.negint32 = on_scalar32;
  cb.negint64 = on_scalar64;
  cb.byte_string = on_bytes;          // definite byte string (libcbor 0.8 names)
  cb.byte_string_start = on_indefinite;
  cb.string = on_text;
  cb.string_start = on_indefinite;
  cb.array_start = on_array;
  cb.indef_array_start = on_indefinite;
  cb.map_start = on_map;
  cb.indef_map_start = on_indefinite;
  cb.tag = on_tag;
  cb.float2 = on_float;
  cb.float4 = on_float;
  cb.float8 = on_double;
  cb.undefined = on_undefined;
  cb.null = on_simple;
  cb.boolean = on_bool;
  cb.indef_break = on_indefinite;
  return cb;
}();

/// Open containers: how many children each still expects. A fixed array, so the walk allocates
/// nothing and cannot recurse.
class OpenContainers {
 public:
  bool push(std::size_t children) {
    if (depth_ == remaining_.size()) {
      return false;
    }
    remaining_[depth_++] = children;
    return true;
  }
  /// One item finished; closes every container it completes. True when the top-level item is done.
  bool complete_one() {
    while (depth_ > 0) {
      if (--remaining_[depth_ - 1] > 0) {
        return false;
      }
      --depth_;
    }
    return true;
  }

 private:
  std::array<std::size_t, limits::kMaxCborDepth> remaining_{};
  std::size_t depth_ = 0;
};

}  // namespace

std::string cbor_problem_text(CborProblem p) {
  switch (p) {
    case CborProblem::none: return "ok";
    case CborProblem::empty: return "is empty";
    case CborProblem::truncated: return "is truncated (ends inside a CBOR item)";
    case CborProblem::malformed: return "is not well-formed CBOR";
    case CborProblem::too_deep:
      return "nests CBOR arrays/maps deeper than " + std::to_string(limits::kMaxCborDepth) + " levels";
    case CborProblem::too_many_items:
      return "has more than " + std::to_string(limits::kMaxCborItems) + " CBOR items";
    case CborProblem::container_too_large:
      return "has a CBOR array or map of more than " + std::to_string(limits::kMaxCborContainerEntries) +
             " entries";
    case CborProblem::indefinite_length: return "uses an indefinite-length CBOR item";
    case CborProblem::unsupported_item: return "contains a CBOR tag, float, undefined or simple value";
    case CborProblem::invalid_utf8: return "has a CBOR text string that is not UTF-8";
    case CborProblem::out_of_memory: return "could not be decoded (out of memory)";
  }
  return "is not valid CBOR";
}

std::optional<std::size_t> scan_cbor_item(std::string_view data, CborProblem& problem) noexcept {
  problem = data.empty() ? CborProblem::empty : CborProblem::none;
  OpenContainers open;
  std::size_t pos = 0;
  for (std::size_t items = 1; problem == CborProblem::none; ++items) {
    if (items > limits::kMaxCborItems) {
      problem = CborProblem::too_many_items;
      break;
    }
    ScanState s;
    const auto* at = reinterpret_cast<cbor_data>(data.data() + pos);
    const cbor_decoder_result r = cbor_stream_decode(at, data.size() - pos, &kScanCallbacks, &s);
    if (r.status != CBOR_DECODER_FINISHED) {
      problem = r.status == CBOR_DECODER_NEDATA ? CborProblem::truncated : CborProblem::malformed;
      break;
    }
    pos += r.read;
    if (s.problem != CborProblem::none) {
      problem = s.problem;
      break;
    }
    if (s.container && s.children > 0) {
      if (!open.push(s.children)) {
        problem = CborProblem::too_deep;
      }
      continue;
    }
    if (open.complete_one()) {
      return pos;
    }
  }
  return std::nullopt;
}

CborItem load_cbor_item(std::string_view data, std::size_t& consumed, CborProblem& problem) noexcept {
  const auto length = scan_cbor_item(data, problem);
  if (!length) {
    return nullptr;
  }
  cbor_load_result result{};
  CborItem item(cbor_load(reinterpret_cast<cbor_data>(data.data()), *length, &result));
  if (!item || result.error.code != CBOR_ERR_NONE || result.read != *length) {
    // The pre-scan accepted it, so only memory can be the reason.
    problem = result.error.code == CBOR_ERR_MEMERROR || !item ? CborProblem::out_of_memory : CborProblem::malformed;
    return nullptr;
  }
  consumed = *length;
  return item;
}

std::optional<std::int64_t> cbor_int(const cbor_item_t* item) noexcept {
  if (item == nullptr || !cbor_is_int(item)) {
    return std::nullopt;
  }
  const std::uint64_t magnitude = cbor_get_int(item);
  if (magnitude > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  const auto value = static_cast<std::int64_t>(magnitude);
  return cbor_isa_uint(item) ? value : -1 - value;
}

std::optional<std::string_view> cbor_bytes(const cbor_item_t* item) noexcept {
  if (item == nullptr || !cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item)) {
    return std::nullopt;
  }
  const std::size_t length = cbor_bytestring_length(item);
  return length == 0 ? std::string_view()
                     : std::string_view(reinterpret_cast<const char*>(cbor_bytestring_handle(item)), length);
}

std::optional<std::string_view> cbor_text(const cbor_item_t* item) noexcept {
  if (item == nullptr || !cbor_isa_string(item) || !cbor_string_is_definite(item)) {
    return std::nullopt;
  }
  const std::size_t length = cbor_string_length(item);
  return length == 0 ? std::string_view()
                     : std::string_view(reinterpret_cast<const char*>(cbor_string_handle(item)), length);
}

bool cbor_is_bool_item(const cbor_item_t* item) noexcept { return item != nullptr && cbor_is_bool(item); }

CborMap::CborMap(const cbor_item_t* map) noexcept {
  if (map == nullptr || !cbor_isa_map(map)) {
    problem_ = "is not a CBOR map";
    return;
  }
  pairs_ = cbor_map_handle(map);
  size_ = cbor_map_size(map);
  for (std::size_t i = 0; i < size_; ++i) {
    const cbor_item_t* key = pairs_[i].key;
    const auto as_int = cbor_int(key);
    const auto as_text = cbor_text(key);
    if (!as_int && !as_text) {
      problem_ = "has a map key that is neither an integer nor a text string";
      return;
    }
    for (std::size_t j = 0; j < i; ++j) {
      const cbor_item_t* other = pairs_[j].key;
      if ((as_int && cbor_int(other) == as_int) || (as_text && cbor_text(other) == as_text)) {
        problem_ = "repeats the map key " + key_text(i);
        return;
      }
    }
  }
}

const cbor_item_t* CborMap::find(std::int64_t label) const noexcept {
  for (std::size_t i = 0; i < size_; ++i) {
    if (cbor_int(pairs_[i].key) == label) {
      return pairs_[i].value;
    }
  }
  return nullptr;
}

const cbor_item_t* CborMap::find(std::string_view key) const noexcept {
  for (std::size_t i = 0; i < size_; ++i) {
    if (cbor_text(pairs_[i].key) == key) {
      return pairs_[i].value;
    }
  }
  return nullptr;
}

std::string CborMap::key_text(std::size_t i) const {
  if (const auto n = cbor_int(pairs_[i].key)) {
    return std::to_string(*n);
  }
  if (const auto t = cbor_text(pairs_[i].key)) {
    return "\"" + std::string(t->substr(0, 32)) + "\"";
  }
  return "(non-scalar key)";
}

}  // namespace loginid::webauthn::detail
