#pragma once
/// @file ids.hpp
/// loginid::Username, loginid::UserId and loginid::CredentialId: the names LoginID gives users and
/// credentials, as distinct types so that a username, a user id, a credential id, a code or a new
/// name (all text) cannot be passed in each other's place.

#include <compare>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "loginid/version.hpp"

namespace loginid::inline v1 {

/// Text with a meaning, as its own type (the base of Username, UserId and CredentialId). Construction from text
/// is explicit, so a call site says which kind it means; there is no implicit conversion back to
/// text either (read it with str()), so one kind never slips into a parameter of another.
/// Construction does not validate: the call that sends the value refuses an empty or non-UTF-8
/// one with InvalidArgument naming the field, as for any other argument.
template <typename Derived>
class TypedText {
 public:
  /// Takes `text` over.
  explicit TypedText(std::string text) noexcept : text_(std::move(text)) {}
  /// Copies `text`.
  explicit TypedText(std::string_view text) : text_(text) {}
  /// Copies `text` (a string literal); without this overload a literal would be ambiguous.
  explicit TypedText(const char* text) : text_(text) {}

  /// The text (cheap: no copy).
  [[nodiscard]] const std::string& str() const noexcept { return text_; }
  /// True for the empty text (which every call refuses).
  [[nodiscard]] bool empty() const noexcept { return text_.empty(); }

  /// Same kind, same text. A Username never compares with a UserId.
  friend bool operator==(const Derived& a, const Derived& b) noexcept { return a.text_ == b.text_; }
  /// Orders by text, so the values can be keys of std::map and std::set.
  friend auto operator<=>(const Derived& a, const Derived& b) noexcept { return a.text_ <=> b.text_; }

 private:
  std::string text_;
};

/// A username (what the user types to log in; sent as `username`).
/// @code
/// auto auth = client.wait_code(loginid::Username("alice"), code, loginid::CodeType::short_code);
/// @endcode
class Username final : public TypedText<Username> {
 public:
  using TypedText::TypedText;
};

/// A user id (LoginID's id of a user, a UUID; sent as `user_id` or in the path).
/// @code
/// mgmt.deactivate_user(loginid::UserId(user.id));
/// @endcode
class UserId final : public TypedText<UserId> {
 public:
  using TypedText::TypedText;
};

/// A credential id (a UUID: Credential::uuid; sent as `credential.uuid`).
/// @code
/// mgmt.revoke_credential(alice, loginid::CredentialId(credential.uuid));
/// @endcode
class CredentialId final : public TypedText<CredentialId> {
 public:
  using TypedText::TypedText;
};

}  // namespace loginid::inline v1

namespace std {

/// Hashes a Username like its text (for std::unordered_map / std::unordered_set keys).
template <>
struct hash<loginid::Username> {
  /// The hash of the text.
  std::size_t operator()(const loginid::Username& value) const noexcept {
    return std::hash<std::string>{}(value.str());
  }
};

/// Hashes a UserId like its text (for std::unordered_map / std::unordered_set keys).
template <>
struct hash<loginid::UserId> {
  /// The hash of the text.
  std::size_t operator()(const loginid::UserId& value) const noexcept { return std::hash<std::string>{}(value.str()); }
};

/// Hashes a CredentialId like its text (for std::unordered_map / std::unordered_set keys).
template <>
struct hash<loginid::CredentialId> {
  /// The hash of the text.
  std::size_t operator()(const loginid::CredentialId& value) const noexcept {
    return std::hash<std::string>{}(value.str());
  }
};

}  // namespace std
