#include "jose/json_strict.hpp"

#include <utility>
#include <vector>

namespace loginid::detail {
namespace {

using json = nlohmann::json;

// A SAX handler that builds the DOM itself so it can see each member name before it is stored:
// nlohmann's own DOM builder silently keeps the last of two equal names.
class StrictDomBuilder {
 public:
  explicit StrictDomBuilder(json& root) : root_(root) {}

  [[nodiscard]] JsonProblem problem() const noexcept { return problem_; }

  bool null() { return add(json(nullptr)); }
  bool boolean(bool v) { return add(json(v)); }
  bool number_integer(json::number_integer_t v) { return add(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return add(json(v)); }
  bool number_float(json::number_float_t v, const json::string_t& /*text*/) { return add(json(v)); }
  bool string(json::string_t& v) { return add(json(std::move(v))); }
  bool binary(json::binary_t& /*v*/) { return fail(JsonProblem::syntax); }  // not produced by the JSON lexer

  bool start_object(std::size_t /*size*/) { return open(json::object()); }
  bool start_array(std::size_t /*size*/) { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(json::string_t& name) {
    json& object = *stack_.back();
    if (object.contains(name)) {
      return fail(JsonProblem::duplicate_key);
    }
    slot_ = &object[std::move(name)];
    return true;
  }

  bool parse_error(std::size_t /*position*/, const std::string& /*token*/, const nlohmann::detail::exception& /*e*/) {
    return fail(JsonProblem::syntax);
  }

 private:
  bool fail(JsonProblem p) {
    if (problem_ == JsonProblem::none) {
      problem_ = p;
    }
    return false;
  }

  // Stores a finished value where the parser is: the root, the end of an array, or the slot that
  // the preceding key() made. Returns where it went so containers can be filled in place.
  json* place(json&& value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    *slot_ = std::move(value);
    return slot_;
  }

  bool add(json&& value) {
    place(std::move(value));
    return true;
  }

  bool open(json&& container) {
    if (stack_.size() >= kMaxJsonDepth) {
      return fail(JsonProblem::too_deep);
    }
    stack_.push_back(place(std::move(container)));
    return true;
  }

  bool close() {
    stack_.pop_back();
    return true;
  }

  json& root_;
  std::vector<json*> stack_;
  json* slot_ = nullptr;
  JsonProblem problem_ = JsonProblem::none;
};

}  // namespace

std::optional<nlohmann::json> parse_json_strict(std::string_view text, JsonProblem& problem) noexcept {
  problem = JsonProblem::none;
  try {
    json root;
    StrictDomBuilder builder(root);
    const bool ok = json::sax_parse(text.begin(), text.end(), &builder, json::input_format_t::json, true, false);
    if (!ok || builder.problem() != JsonProblem::none) {
      problem = builder.problem() == JsonProblem::none ? JsonProblem::syntax : builder.problem();
      return std::nullopt;
    }
    return root;
  } catch (...) {  // allocation failure or a parser exception: still "not valid JSON" to the caller
    problem = JsonProblem::syntax;
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

}  // namespace loginid::detail
