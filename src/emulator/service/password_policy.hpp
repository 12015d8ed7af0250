#pragma once
// The password policy of register_password (NIST SP 800-63B §5.1.1.2 in spirit): long enough, not a
// common password, not the username. A refusal names the rule it broke.

#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

namespace loginid::detail::emulator {

struct PasswordRules {
  std::size_t min_characters = 8;  ///< counted in Unicode code points, not bytes
  std::size_t max_bytes = 1024;    ///< a longer password is a bad request (1 KiB is plenty)
};

/// A broken rule: `rule` is its stable name (min_length, common_password, same_as_username),
/// `message` says it to a person. Neither ever holds the password.
struct PolicyViolation {
  std::string rule;
  std::string message;
};

class PasswordPolicy {
 public:
  /// Loads the common passwords shipped with the emulator (src/emulator/service/data).
  explicit PasswordPolicy(PasswordRules rules = {});

  /// The first rule `password` breaks for `username`, or nullopt.
  [[nodiscard]] std::optional<PolicyViolation> check(std::string_view password, std::string_view username) const;

  [[nodiscard]] const PasswordRules& rules() const noexcept { return rules_; }
  [[nodiscard]] std::size_t common_password_count() const noexcept { return common_.size(); }

 private:
  PasswordRules rules_;
  std::unordered_set<std::string> common_;  // lowercased
};

/// The list as shipped: one password per line, `#!comment` lines skipped (generated from the data file).
std::string_view common_passwords_data();

/// Unicode code points in valid UTF-8 text (the JSON reader has already refused invalid UTF-8).
std::size_t count_code_points(std::string_view text) noexcept;

}  // namespace loginid::detail::emulator
