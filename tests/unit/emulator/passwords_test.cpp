// The emulator's password pieces, in process: Argon2id hashing and verification, the policy with
// the shipped common-password list, and the login lockout (with the clock passed in).
#include <gtest/gtest.h>

#include <argon2.h>

#include "emulator/service/login_throttle.hpp"
#include "emulator/service/password_policy.hpp"
#include "emulator/service/secret_hasher.hpp"
#include "jose/base64url.hpp"

namespace loginid::detail::emulator {
namespace {

// Cheap parameters keep these tests fast; the defaults are checked separately.
const Argon2Parameters kCheap{64, 1, 1};

TEST(SecretHasher, DefaultsAreOwaspsArgon2idParameters) {
  const Argon2Parameters defaults;
  EXPECT_EQ(defaults.memory_kib, 19456U);
  EXPECT_EQ(defaults.iterations, 2U);
  EXPECT_EQ(defaults.parallelism, 1U);
}

TEST(SecretHasher, VerifiesTheRightSecretOnly) {
  SecretHasher hasher(kCheap);
  const auto stored = hasher.hash("correct horse", "cred-1");
  EXPECT_EQ(stored.credential_uuid, "cred-1");
  EXPECT_EQ(stored.algorithm, "argon2id");
  EXPECT_EQ(stored.memory_kib, 64);
  EXPECT_EQ(base64url_decode(stored.salt)->size(), 16U);
  EXPECT_EQ(base64url_decode(stored.hash)->size(), 32U);
  EXPECT_TRUE(hasher.verify("correct horse", stored));
  EXPECT_FALSE(hasher.verify("correct horsE", stored));
  EXPECT_FALSE(hasher.verify("correct horse ", stored));
  EXPECT_FALSE(hasher.verify("", stored));
  // Same secret, fresh salt, different hash.
  const auto again = hasher.hash("correct horse", "cred-2");
  EXPECT_NE(again.salt, stored.salt);
  EXPECT_NE(again.hash, stored.hash);
}

TEST(SecretHasher, IsTheReferenceArgon2idAndKeepsStoredParameters) {
  SecretHasher old_hasher(Argon2Parameters{32, 2, 1});
  const auto stored = old_hasher.hash("pw", "c");
  const auto salt = *base64url_decode(stored.salt);
  std::string expected(32, '\0');
  ASSERT_EQ(argon2id_hash_raw(2, 32, 1, "pw", 2, salt.data(), salt.size(), expected.data(), expected.size()), ARGON2_OK);
  EXPECT_EQ(*base64url_decode(stored.hash), expected);
  // A hasher with other (newer) parameters still verifies the old hash with the parameters stored.
  SecretHasher new_hasher(kCheap);
  EXPECT_TRUE(new_hasher.verify("pw", stored));
}

TEST(SecretHasher, UnreadableRowsNeverMatch) {
  SecretHasher hasher(kCheap);
  const auto good = hasher.hash("pw", "c");
  auto other_algorithm = good;
  other_algorithm.algorithm = "argon2i";
  auto bad_salt = good;
  bad_salt.salt = "not base64url!";
  auto short_hash = good;
  short_hash.hash = base64url_encode("short");
  auto absurd_cost = good;
  absurd_cost.memory_kib = std::int64_t{1} << 40;
  auto zero_iterations = good;
  zero_iterations.iterations = 0;
  for (const auto* row : {&other_algorithm, &bad_salt, &short_hash, &absurd_cost, &zero_iterations}) {
    EXPECT_FALSE(hasher.verify("pw", *row));
  }
  hasher.verify_nothing("pw");  // costs a hash, matches nothing, throws nothing
}

TEST(PasswordPolicy, ShipsTheCommonPasswordList) {
  const PasswordPolicy policy;
  EXPECT_GT(policy.common_password_count(), 3000U);
  // The data file says where it came from (docs/emulator.md).
  EXPECT_NE(common_passwords_data().find("#!comment: loginid-cpp: taken unchanged from Debian 12's package john-data"),
            std::string_view::npos);
}

TEST(PasswordPolicy, NamesTheRuleABadPasswordBreaks) {
  const PasswordPolicy policy;
  auto rule_of = [&](std::string_view password, std::string_view username = "alice") {
    auto violation = policy.check(password, username);
    return violation ? violation->rule : std::string("ok");
  };
  EXPECT_EQ(rule_of("Tr0ub4!"), "min_length");                 // 7 characters
  EXPECT_EQ(rule_of("\xC3\xA4\xC3\xB6\xC3\xBC\xC3\x9F\xC3\xA9\xC3\xA8\xC3\xAA"), "min_length");  // 7 characters, 14 bytes
  EXPECT_EQ(rule_of("12345678"), "common_password");
  EXPECT_EQ(rule_of("PASSWORD1"), "common_password");          // case-insensitive
  EXPECT_EQ(rule_of("iloveyou"), "common_password");
  EXPECT_EQ(rule_of("Alice-The-Great", "alice-the-great"), "same_as_username");
  EXPECT_EQ(rule_of("correct horse battery"), "ok");
  EXPECT_EQ(rule_of("\xC3\xA4\xC3\xB6\xC3\xBC\xC3\x9F\xC3\xA9\xC3\xA8\xC3\xAA\xC3\xAB"), "ok");  // 8 characters
  // Messages name the rule and never hold the password.
  const auto violation = policy.check("12345678", "alice");
  ASSERT_TRUE(violation.has_value());
  EXPECT_NE(violation->message.find("common_password"), std::string::npos);
  EXPECT_EQ(violation->message.find("12345678"), std::string::npos);
}

TEST(PasswordPolicy, CountsCodePoints) {
  EXPECT_EQ(count_code_points(""), 0U);
  EXPECT_EQ(count_code_points("abc"), 3U);
  EXPECT_EQ(count_code_points("\xE2\x82\xAC"), 1U);      // €
  EXPECT_EQ(count_code_points("\xF0\x9F\x94\x91x"), 2U);  // 🔑x
}

TEST(LoginThrottle, LocksAfterMaxFailuresInARowUntilTheLockoutEnds) {
  LoginThrottle throttle({3, std::chrono::seconds(60), 100});
  const std::int64_t t0 = 1'000'000;
  for (int i = 0; i < 2; ++i) throttle.record_failure("ns\nbob", t0 + i);
  EXPECT_EQ(throttle.locked_for("ns\nbob", t0 + 10), 0);
  throttle.record_failure("ns\nbob", t0 + 20);
  EXPECT_EQ(throttle.locked_for("ns\nbob", t0 + 20), 60);
  EXPECT_EQ(throttle.locked_for("ns\nbob", t0 + 20 + 59'500), 1);
  EXPECT_EQ(throttle.locked_for("ns\nbob", t0 + 20 + 60'000), 0);
  EXPECT_EQ(throttle.locked_for("ns\nalice", t0 + 20), 0) << "other names are not affected";
  EXPECT_EQ(throttle.locked_for("other-ns\nbob", t0 + 20), 0) << "nor the same name in another namespace";
}

TEST(LoginThrottle, ASuccessOrALongPauseClearsTheCount) {
  LoginThrottle throttle({3, std::chrono::seconds(60), 100});
  const std::int64_t t0 = 1'000'000;
  throttle.record_failure("k", t0);
  throttle.record_failure("k", t0 + 1);
  throttle.record_success("k");
  throttle.record_failure("k", t0 + 2);
  throttle.record_failure("k", t0 + 3);
  EXPECT_EQ(throttle.locked_for("k", t0 + 4), 0);
  // Two more, but the first of them after a pause longer than a lockout: the count restarted.
  throttle.record_failure("k", t0 + 3 + 61'000);
  EXPECT_EQ(throttle.locked_for("k", t0 + 3 + 61'000), 0);
  throttle.record_failure("k", t0 + 3 + 61'001);
  throttle.record_failure("k", t0 + 3 + 61'002);
  EXPECT_GT(throttle.locked_for("k", t0 + 3 + 61'002), 0);
}

TEST(LoginThrottle, MemoryIsBoundedButLiveLocksAreKept) {
  LoginThrottle throttle({2, std::chrono::seconds(60), 10});
  const std::int64_t t0 = 1'000'000;
  throttle.record_failure("locked", t0);
  throttle.record_failure("locked", t0);
  for (int i = 0; i < 1000; ++i) throttle.record_failure("spray-" + std::to_string(i), t0 + i);
  EXPECT_GT(throttle.locked_for("locked", t0 + 1000), 0) << "a spray of names does not lift a lock";
}

}  // namespace
}  // namespace loginid::detail::emulator
