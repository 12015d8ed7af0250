#include <gtest/gtest.h>

#include "emulator/service/nonce_cache.hpp"

namespace loginid::detail::emulator {
namespace {

TEST(NonceCache, RefusesASeenNonceUntilItExpires) {
  NonceCache cache;
  EXPECT_TRUE(cache.remember("app", "n1", /*expires_at=*/1000, /*now=*/0));
  EXPECT_FALSE(cache.remember("app", "n1", 1000, 500));
  EXPECT_TRUE(cache.remember("other-app", "n1", 1000, 500));  // nonces are per application
  EXPECT_TRUE(cache.remember("app", "n1", 3000, 1001));       // expired: usable again
  EXPECT_FALSE(cache.remember("app", "n1", 3000, 1002));
}

TEST(NonceCache, HandsOutEachRecordedNonceOnceForSaving) {
  NonceCache cache;
  cache.remember("app", "a", 1000, 0);
  cache.remember("app", "b", 1000, 0);
  cache.remember("app", "a", 1000, 0);  // a replay is not recorded again
  auto pending = cache.take_pending();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].nonce, "a");
  EXPECT_EQ(pending[1].nonce, "b");
  EXPECT_TRUE(cache.take_pending().empty());
}

TEST(NonceCache, PreloadedNoncesAreRefusedButNotSavedAgain) {
  NonceCache cache;
  cache.preload({{"app", "old", 5000}});
  EXPECT_FALSE(cache.remember("app", "old", 5000, 100));
  EXPECT_TRUE(cache.take_pending().empty());
}

TEST(NonceCache, PruningKeepsLiveNonces) {
  NonceCache cache;
  for (int i = 0; i < 5000; ++i) cache.remember("app", "dead" + std::to_string(i), 10, 0);
  cache.remember("app", "live", 1'000'000, 0);
  // Past the prune threshold with the dead ones expired: the live one must survive the prune.
  for (int i = 0; i < 5000; ++i) cache.remember("app", "late" + std::to_string(i), 1'000'000, 100);
  EXPECT_FALSE(cache.remember("app", "live", 1'000'000, 200));
  EXPECT_TRUE(cache.remember("app", "dead1", 1'000'000, 200));
}

}  // namespace
}  // namespace loginid::detail::emulator
