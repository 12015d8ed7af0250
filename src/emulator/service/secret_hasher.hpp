#pragma once
// Argon2id hashing of the secrets users hold (passwords, recovery codes), with OWASP's parameters,
// a constant-time comparison, and a bound on how many hashes run at once (each holds 19 MiB).

#include <cstdint>
#include <semaphore>
#include <string>
#include <string_view>

#include "emulator/store/records.hpp"

namespace loginid::detail::emulator {

/// Argon2id cost parameters. The defaults are OWASP's (Password Storage Cheat Sheet): 19 MiB of
/// memory, 2 iterations, 1 lane; 16-byte random salt, 32-byte hash.
struct Argon2Parameters {
  std::uint32_t memory_kib = 19 * 1024;
  std::uint32_t iterations = 2;
  std::uint32_t parallelism = 1;
};

class SecretHasher {
 public:
  /// `max_concurrent`: hashes computed at once; more callers wait their turn.
  explicit SecretHasher(Argon2Parameters parameters = {}, std::ptrdiff_t max_concurrent = 2);

  /// A fresh random salt and the Argon2id hash of `secret` under the current parameters.
  [[nodiscard]] store::SecretHash hash(std::string_view secret, const std::string& credential_uuid);

  /// Recomputes the hash with the stored parameters and salt and compares in constant time.
  /// A stored row this emulator cannot read (another algorithm, bad encoding) never matches.
  [[nodiscard]] bool verify(std::string_view secret, const store::SecretHash& stored);

  /// Costs what verify() costs under the current parameters and never matches: what a login for a
  /// user without a password does, so that "no such user" takes as long as "wrong password".
  void verify_nothing(std::string_view secret);

  [[nodiscard]] const Argon2Parameters& parameters() const noexcept { return parameters_; }

 private:
  std::string compute(std::string_view secret, std::string_view salt, std::uint32_t memory_kib,
                      std::uint32_t iterations, std::uint32_t parallelism);

  Argon2Parameters parameters_;
  std::counting_semaphore<> slots_;
  std::string decoy_salt_;  // random per process: verify_nothing hashes against it
};

}  // namespace loginid::detail::emulator
