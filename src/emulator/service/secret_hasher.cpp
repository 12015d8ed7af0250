#include "emulator/service/secret_hasher.hpp"

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "emulator/service/errors.hpp"
#include "jose/base64url.hpp"

namespace loginid::detail::emulator {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
constexpr const char* kAlgorithm = "argon2id";

std::string random_salt() {
  std::string salt(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1) {
    throw std::runtime_error("the OpenSSL random generator failed");
  }
  return salt;
}

/// Holds one of the hasher's slots for its lifetime.
class Slot {
 public:
  explicit Slot(std::counting_semaphore<>& slots) : slots_(slots) { slots_.acquire(); }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  ~Slot() { slots_.release(); }

 private:
  std::counting_semaphore<>& slots_;
};

}  // namespace

SecretHasher::SecretHasher(Argon2Parameters parameters, std::ptrdiff_t max_concurrent)
    : parameters_(parameters), slots_(max_concurrent < 1 ? 1 : max_concurrent), decoy_salt_(random_salt()) {}

std::string SecretHasher::compute(std::string_view secret, std::string_view salt, std::uint32_t memory_kib,
                                  std::uint32_t iterations, std::uint32_t parallelism) {
  std::string out(kHashBytes, '\0');
  Slot slot(slots_);
  const int rc = argon2id_hash_raw(iterations, memory_kib, parallelism, secret.data(), secret.size(), salt.data(),
                                   salt.size(), out.data(), out.size());
  if (rc != ARGON2_OK) throw std::runtime_error(std::string("argon2id failed: ") + argon2_error_message(rc));
  return out;
}

store::SecretHash SecretHasher::hash(std::string_view secret, const std::string& credential_uuid) {
  const std::string salt = random_salt();
  const std::string raw =
      compute(secret, salt, parameters_.memory_kib, parameters_.iterations, parameters_.parallelism);
  return {credential_uuid,
          kAlgorithm,
          parameters_.memory_kib,
          parameters_.iterations,
          parameters_.parallelism,
          base64url_encode(salt),
          base64url_encode(raw)};
}

bool SecretHasher::verify(std::string_view secret, const store::SecretHash& stored) {
  std::string salt;
  std::string expected;
  const bool readable = stored.algorithm == kAlgorithm && stored.memory_kib >= 8 && stored.memory_kib <= (1 << 22) &&
                        stored.iterations >= 1 && stored.iterations <= 64 && stored.parallelism >= 1 &&
                        stored.parallelism <= 16 && base64url_decode_into(stored.salt, salt) &&
                        base64url_decode_into(stored.hash, expected) && salt.size() >= 8 && expected.size() == kHashBytes;
  if (!readable) {
    verify_nothing(secret);  // an unreadable row costs what a readable one does
    return false;
  }
  const std::string actual = compute(secret, salt, static_cast<std::uint32_t>(stored.memory_kib),
                                     static_cast<std::uint32_t>(stored.iterations),
                                     static_cast<std::uint32_t>(stored.parallelism));
  return CRYPTO_memcmp(actual.data(), expected.data(), kHashBytes) == 0;
}

void SecretHasher::verify_nothing(std::string_view secret) {
  (void)compute(secret, decoy_salt_, parameters_.memory_kib, parameters_.iterations, parameters_.parallelism);
}

}  // namespace loginid::detail::emulator
