// A CredentialPublicKey is immutable and shared: a relying party may verify assertions of one
// credential from several threads at once, and registrations run concurrently (rerun under
// ThreadSanitizer, label "concurrency").
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "webauthn/verify.hpp"
#include "webauthn_test_util.hpp"

namespace loginid::webauthn {
namespace {

using namespace test;  // NOLINT

TEST(WebauthnThreads, OneKeyVerifiesAssertionsFromManyThreads) {
  const Pkey signer = generate("EC", "P-256");
  const auto key = CredentialPublicKey::from_cose(cose_key(signer.get(), -7));
  ASSERT_TRUE(key.ok());
  Policy policy;
  policy.rp_id = std::string(kRpId);
  policy.allowed_origins = {std::string(kOrigin)};
  const std::string cdj = client_data("webauthn.get", kChallenge, kOrigin);
  constexpr int kThreads = 4;
  constexpr std::uint32_t kRounds = 40;
  // Signed up front: the threads only verify.
  std::vector<std::pair<std::string, std::string>> assertions;
  for (std::uint32_t i = 1; i <= kRounds; ++i) {
    const std::string ad = auth_data(kRpId, kUp, i);
    assertions.emplace_back(ad, sign(signer.get(), -7, ad + sha256(cdj)));
  }
  std::atomic<int> good{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (std::uint32_t i = 0; i < kRounds; ++i) {
        AuthenticationInput in;
        in.client_data_json = cdj;
        in.authenticator_data = assertions[i].first;
        in.signature = assertions[i].second;
        in.expected_challenge = kChallenge;
        in.stored_sign_count = i;
        const auto ok = verify_authentication(in, policy, key.value());
        good += ok.ok() && ok->sign_count == i + 1 ? 1 : 0;
        in.stored_sign_count = i + 1;  // the same assertion again: a replayed counter
        wrong += verify_authentication(in, policy, key.value()).reason() == Errc::sign_count_not_increased ? 0 : 1;
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(good.load(), kThreads * static_cast<int>(kRounds));
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace loginid::webauthn
