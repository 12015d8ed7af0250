// Keys are immutable and shared between threads: concurrent signing and verification with one key
// must give correct results (and be race-free under ThreadSanitizer, label "concurrency").
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "loginid/jwt.hpp"

namespace loginid {
namespace {

TEST(Threads, SharedKeysSignAndVerifyConcurrently) {
  const PrivateKey key = PrivateKey::generate();
  const PublicKey pub = key.public_key();
  const PublicKey other = PrivateKey::generate().public_key();
  constexpr int kThreads = 4;
  constexpr int kRounds = 50;
  std::atomic<int> good{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        const Claims payload = Claims::from_json(R"({"t":)" + std::to_string(t) + R"(,"i":)" + std::to_string(i) + "}");
        const std::string token = sign_jwt(payload, key);
        std::error_code ec;
        const auto claims = verify_jwt(token, pub, {}, ec);
        if (claims && *claims == payload) {
          ++good;
        }
        if (verify_jwt(token, other, {}, ec) || ec != TokenErrc::bad_signature) {
          ++wrong;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(good.load(), kThreads * kRounds);
  EXPECT_EQ(wrong.load(), 0);
}

TEST(Threads, KeysCanBeCreatedAndDroppedWhileOthersAreInUse) {
  const PrivateKey shared = PrivateKey::generate();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        const PrivateKey local = PrivateKey::generate();
        const std::string sig = shared.sign_es256("m");
        if (!shared.public_key().verify_es256("m", sig) || !local.public_key().verify_es256("x", local.sign_es256("x"))) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace loginid
