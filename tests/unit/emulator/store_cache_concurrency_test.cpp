// The store's user cache (Store::find_user_by_username) under concurrent
// readers and a writer: a read that starts after a write returned sees that
// write, and no reader ever goes back to an older row (a read racing a write
// must not leave the old row in the cache). Run under TSan (label concurrency).
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "emulator/store/store.hpp"

namespace loginid::detail::store {
namespace {

TEST(StoreUserCache, ReadersNeverSeeAnOlderRowAndAWriteIsSeenOnceItReturned) {
  const auto dir =
      std::filesystem::temp_directory_path() /
      ("loginid-store-cache-" +
       std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
       std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    Store store((dir / "t.db").string());
    store.insert_defaults(
        Namespace{"ns-1", "default", 1},
        Application{"web-1", "ns-1", "web", "w", "pem", std::nullopt, 1},
        Application{"mgmt-1", "ns-1", "management", "m", "pem",
                    std::string("private"), 1},
        SigningKey{"kid-1", "priv", "pub", true, 1});
    ASSERT_TRUE(store.insert_user(
        {"u-1", "ns-1", "Carol", "active", 1, 1, "web-1"}, "carol"));

    std::atomic<bool> stop{false};
    std::atomic<int> regressions{0};
    std::atomic<std::int64_t> reads{0};
    std::vector<std::thread> readers;
    for (int r = 0; r < 3; ++r) {
      readers.emplace_back([&] {
        std::int64_t last_seen = 0;
        while (!stop.load()) {
          const auto user = store.find_user_by_username("ns-1", "carol");
          if (!user || user->updated_at < last_seen)
            ++regressions;
          if (user)
            last_seen = user->updated_at;
          ++reads;
        }
      });
    }
    constexpr std::int64_t kWrites = 200;
    int stale_after_write = 0;
    for (std::int64_t i = 2; i < 2 + kWrites; ++i) {
      ASSERT_TRUE(
          store.set_user_status("u-1", i % 2 == 0 ? "inactive" : "active", i));
      const auto user = store.find_user_by_username("ns-1", "carol");
      if (!user || user->updated_at != i)
        ++stale_after_write;
    }
    stop = true;
    for (auto &t : readers)
      t.join();
    EXPECT_EQ(stale_after_write, 0)
        << "a read after a write returned an older row";
    EXPECT_EQ(regressions.load(), 0)
        << "a reader saw a row older than one it had seen";
    EXPECT_GT(reads.load(), kWrites)
        << "the readers did not run alongside the writes";
  }
  std::filesystem::remove_all(dir);
}

} // namespace
} // namespace loginid::detail::store
