#pragma once
// What a loginid::Claims holds: the parsed JSON object. The JOSE core and the SDK work on the JSON
// value; the public API hands it out behind the Claims accessor, without copying it.

#include <memory>

#include <nlohmann/json.hpp>

#include "loginid/jwt.hpp"

namespace loginid::detail {

/// The JSON value type of the library's internals (never in a public header).
using Json = nlohmann::json;

struct ClaimsData {
  Json object;  ///< always a JSON object

  /// A Claims sharing `data` (no copy).
  static Claims wrap(std::shared_ptr<const ClaimsData> data) noexcept { return Claims(std::move(data)); }
  /// A Claims owning `object` (must be a JSON object).
  static Claims wrap(Json object) { return wrap(std::make_shared<const ClaimsData>(ClaimsData{std::move(object)})); }
  /// The JSON object behind `claims` (`{}` for a default-constructed one).
  static const Json& json(const Claims& claims) noexcept;
};

}  // namespace loginid::detail
