#pragma once
/// @file secret.hpp
/// A string type for secrets (private key PEM, tokens in flight) that wipes its memory.

#include <string>
#include <string_view>
#include <utility>

#include "loginid/version.hpp"

namespace loginid::inline v1 {

/// Owns secret text and overwrites it with zeros (OPENSSL_cleanse) when destroyed or reassigned.
/// Move-only so a secret is never copied by accident; `view()` gives read access.
class SecretString final {
 public:
  SecretString() = default;
  /// Takes the text; the caller's string is cleansed and left empty. Implicit, so a function taking
  /// a SecretString accepts a std::string rvalue (`std::move(pem)`, `read_file(path)`) and wipes
  /// the caller's buffer, while an lvalue (which would leave a copy behind) does not compile.
  SecretString(std::string&& text) noexcept;  // NOLINT(google-explicit-constructor): see above
  /// Copies the text (the caller keeps and must wipe its own copy).
  explicit SecretString(std::string_view text);
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  /// Takes `other`'s text; `other` is left empty.
  SecretString(SecretString&& other) noexcept;
  /// Wipes this text, then takes `other`'s; `other` is left empty.
  SecretString& operator=(SecretString&& other) noexcept;
  ~SecretString();

  /// The text, valid until this string is cleared, reassigned or destroyed.
  [[nodiscard]] std::string_view view() const noexcept { return value_; }
  /// Whether there is no text.
  [[nodiscard]] bool empty() const noexcept { return value_.empty(); }
  /// The length of the text in bytes.
  [[nodiscard]] std::size_t size() const noexcept { return value_.size(); }
  /// Wipes and empties.
  void clear() noexcept;

 private:
  std::string value_;
};

/// Overwrites a string's bytes (including spare capacity is not possible; the used bytes) and clears it.
void cleanse(std::string& text) noexcept;

}  // namespace loginid::inline v1
