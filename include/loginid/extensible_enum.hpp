#pragma once
/// @file extensible_enum.hpp
/// Values set by the service that this SDK version may not know yet (the Azure SDK's "extensible
/// enum"): ServiceCode, UserStatus, CredentialStatus.

#include <string>
#include <utility>

#include "loginid/version.hpp"

namespace loginid::inline v1 {

/// A value set by the service that this SDK version may not know yet: known values are the static
/// members of the derived class, an unknown one keeps its text (to_string()) and compares equal
/// only to itself. Compare with ==; there is no switch, so a value the service adds later can never
/// fall into a wrong case, and an answer carrying it is accepted rather than refused.
/// Values of different derived types never compare (a UserStatus is not a CredentialStatus), and a
/// plain string does not convert implicitly: write `UserStatus("suspended")` for a value the SDK
/// has no constant for.
template <typename Derived>
class ExtensibleEnum {
 public:
  /// The wire text ("active", "not_found", ...).
  explicit ExtensibleEnum(std::string value) : value_(std::move(value)) {}
  /// The wire text; empty for a default-constructed value (a result member the service did not set).
  [[nodiscard]] const std::string& to_string() const noexcept { return value_; }
  /// Equal when the wire texts are (an unknown value equals only itself).
  friend bool operator==(const Derived& a, const Derived& b) noexcept { return a.value_ == b.value_; }

 protected:
  /// The empty value, for default-constructed results.
  ExtensibleEnum() = default;

 private:
  std::string value_;
};

}  // namespace loginid::inline v1
