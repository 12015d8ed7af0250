#include "loginid/secret.hpp"

#include <openssl/crypto.h>

namespace loginid::inline v1 {

void cleanse(std::string& text) noexcept {
  // Wipe the whole buffer, not only size() bytes: a moved-from or shortened string keeps old
  // bytes in its spare capacity (and in its inline buffer when short). Growing within the
  // capacity never reallocates, so this cannot throw.
  text.resize(text.capacity());
  OPENSSL_cleanse(text.data(), text.size());
  text.clear();
}

SecretString::SecretString(std::string&& text) noexcept : value_(std::move(text)) {
  // A short string lives in the source's inline buffer and is copied, not moved: wipe it too.
  cleanse(text);
}

SecretString::SecretString(std::string_view text) : value_(text) {}

SecretString::SecretString(SecretString&& other) noexcept : value_(std::move(other.value_)) { cleanse(other.value_); }

SecretString& SecretString::operator=(SecretString&& other) noexcept {
  if (this != &other) {
    cleanse(value_);
    value_ = std::move(other.value_);
    cleanse(other.value_);
  }
  return *this;
}

SecretString::~SecretString() { cleanse(value_); }

void SecretString::clear() noexcept { cleanse(value_); }

}  // namespace loginid::inline v1
