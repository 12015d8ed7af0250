// loginid::Claims: typed reads of a token's JSON object.

#include <cmath>
#include <limits>
#include <new>

#include "jose/claims_data.hpp"
#include "jose/json_strict.hpp"

namespace loginid::inline v1 {
namespace {

using detail::Json;

const Json* member(const Claims& claims, std::string_view name) noexcept {
  const Json& object = detail::ClaimsData::json(claims);
  const auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

std::optional<std::string> string_member(const Claims& claims, std::string_view name) {
  const Json* value = member(claims, name);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

// A NumericDate: a finite number of seconds since the epoch, within what a time_point can hold.
std::optional<std::chrono::system_clock::time_point> time_member(const Claims& claims, std::string_view name) {
  const Json* value = member(claims, name);
  if (value == nullptr || !value->is_number()) return std::nullopt;
  const double seconds = value->get<double>();
  using Duration = std::chrono::system_clock::duration;
  constexpr double kLimit = static_cast<double>(std::numeric_limits<Duration::rep>::max()) /
                            static_cast<double>(Duration::period::den) * static_cast<double>(Duration::period::num);
  if (!std::isfinite(seconds) || std::abs(seconds) >= kLimit) return std::nullopt;
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds)));
}

}  // namespace

}  // namespace loginid::inline v1

namespace loginid::detail {

const Json& ClaimsData::json(const Claims& claims) noexcept {
  static const Json empty = Json::object();
  return claims.data_ ? claims.data_->object : empty;
}

}  // namespace loginid::detail

namespace loginid::inline v1 {

Claims::Claims() = default;

Claims Claims::from_json(std::string_view json_object) {
  detail::JsonProblem problem{};
  auto object = detail::parse_json_object_strict(json_object, problem);
  if (!object) {
    if (problem == detail::JsonProblem::out_of_memory) throw std::bad_alloc();
    throw InvalidArgument("claims: " + detail::describe(problem));
  }
  return detail::ClaimsData::wrap(std::move(*object));
}

std::optional<std::string> Claims::issuer() const { return string_member(*this, "iss"); }
std::optional<std::string> Claims::subject() const { return string_member(*this, "sub"); }

std::vector<std::string> Claims::audience() const {
  std::vector<std::string> out;
  const Json* aud = member(*this, "aud");
  if (aud == nullptr) return out;
  if (aud->is_string()) {
    out.push_back(aud->get<std::string>());
  } else if (aud->is_array()) {
    for (const auto& item : *aud) {
      if (item.is_string()) out.push_back(item.get<std::string>());
    }
  }
  return out;
}

std::optional<std::chrono::system_clock::time_point> Claims::expires_at() const { return time_member(*this, "exp"); }
std::optional<std::chrono::system_clock::time_point> Claims::not_before() const { return time_member(*this, "nbf"); }
std::optional<std::chrono::system_clock::time_point> Claims::issued_at() const { return time_member(*this, "iat"); }

std::optional<std::string> Claims::username() const { return string_member(*this, "udata"); }
std::optional<std::string> Claims::session_id() const { return string_member(*this, "sid"); }
std::optional<std::string> Claims::namespace_id() const { return string_member(*this, "nid"); }
std::optional<std::string> Claims::action() const { return string_member(*this, "action"); }

bool Claims::contains(std::string_view name) const noexcept { return member(*this, name) != nullptr; }

std::vector<std::string> Claims::names() const {
  std::vector<std::string> out;
  for (const auto& [name, value] : detail::ClaimsData::json(*this).items()) out.push_back(name);
  return out;
}

std::optional<std::string> Claims::get_string(std::string_view name) const { return string_member(*this, name); }

std::optional<std::int64_t> Claims::get_int(std::string_view name) const {
  const Json* value = member(*this, name);
  if (value == nullptr) return std::nullopt;
  if (value->is_number_integer()) {
    if (value->is_number_unsigned() &&
        value->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return value->get<std::int64_t>();
  }
  if (value->is_number_float()) {
    const double d = value->get<double>();
    // Whole numbers written with a fraction or exponent (1.0, 1e3) still count; 2^63 does not fit.
    if (std::isfinite(d) && std::trunc(d) == d && d >= -9.223372036854775808e18 && d < 9.223372036854775808e18) {
      return static_cast<std::int64_t>(d);
    }
  }
  return std::nullopt;
}

std::optional<double> Claims::get_number(std::string_view name) const {
  const Json* value = member(*this, name);
  if (value == nullptr || !value->is_number()) return std::nullopt;
  return value->get<double>();
}

std::optional<bool> Claims::get_bool(std::string_view name) const {
  const Json* value = member(*this, name);
  if (value == nullptr || !value->is_boolean()) return std::nullopt;
  return value->get<bool>();
}

std::optional<std::chrono::system_clock::time_point> Claims::get_time(std::string_view name) const {
  return time_member(*this, name);
}

std::optional<std::string> Claims::get_json(std::string_view name) const {
  const Json* value = member(*this, name);
  if (value == nullptr) return std::nullopt;
  return value->dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string Claims::to_json() const {
  return detail::ClaimsData::json(*this).dump(-1, ' ', false, Json::error_handler_t::replace);
}

bool operator==(const Claims& a, const Claims& b) noexcept {
  return a.data_ == b.data_ || detail::ClaimsData::json(a) == detail::ClaimsData::json(b);
}

}  // namespace loginid::inline v1
