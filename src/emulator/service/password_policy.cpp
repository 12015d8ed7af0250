#include "emulator/service/password_policy.hpp"

#include "emulator/service/util.hpp"

namespace loginid::detail::emulator {

std::size_t count_code_points(std::string_view text) noexcept {
  std::size_t count = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;  // every byte but continuation bytes
  }
  return count;
}

PasswordPolicy::PasswordPolicy(PasswordRules rules) : rules_(rules) {
  std::string_view data = common_passwords_data();
  while (!data.empty()) {
    const auto end = data.find('\n');
    std::string_view line = data.substr(0, end);
    data.remove_prefix(end == std::string_view::npos ? data.size() : end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.starts_with("#!comment")) continue;
    common_.insert(lowercase_ascii(line));
  }
}

std::optional<PolicyViolation> PasswordPolicy::check(std::string_view password, std::string_view username) const {
  if (count_code_points(password) < rules_.min_characters) {
    return PolicyViolation{"min_length", "rule min_length: the password must be at least " +
                                             std::to_string(rules_.min_characters) + " characters long"};
  }
  const std::string folded = lowercase_ascii(password);
  if (common_.contains(folded)) {
    return PolicyViolation{"common_password", "rule common_password: the password is one of the " +
                                                  std::to_string(common_.size()) +
                                                  " most common passwords the emulator knows; choose another"};
  }
  if (folded == lowercase_ascii(username)) {
    return PolicyViolation{"same_as_username", "rule same_as_username: the password must not be "
                                               "the username"};
  }
  return std::nullopt;
}

}  // namespace loginid::detail::emulator
