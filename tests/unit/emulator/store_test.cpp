#include <gtest/gtest.h>

#include <filesystem>

#include "emulator/store/store.hpp"

namespace loginid::detail::store {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("loginid-store-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string db_path() const { return (dir_ / "t.db").string(); }

  static void seed(Store& store) {
    Namespace ns{"ns-1", "default", 1};
    Application web{"web-1", "ns-1", "web", "w", "pem", std::nullopt, 1};
    Application mgmt{"mgmt-1", "ns-1", "management", "m", "pem", std::string("private"), 1};
    store.insert_defaults(ns, web, mgmt, SigningKey{"kid-1", "priv", "pub", true, 1});
  }

  std::filesystem::path dir_;
};

TEST_F(StoreTest, MigratesToTheCurrentSchemaAndKeepsDataAcrossReopen) {
  {
    Store store(db_path());
    EXPECT_EQ(store.schema_version(), 1);
    seed(store);
    ASSERT_TRUE(store.insert_user({"u-1", "ns-1", "Alice", "active", 1, 1}, "alice"));
  }
  Store reopened(db_path());
  EXPECT_EQ(reopened.schema_version(), 1);
  EXPECT_EQ(reopened.get_setting("default_management_client"), "mgmt-1");
  auto user = reopened.find_user_by_username("ns-1", "alice");
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(user->username, "Alice");
  EXPECT_EQ(reopened.find_application("mgmt-1")->private_key_pem, "private");
}

TEST_F(StoreTest, UsernamesAreUniquePerNamespace) {
  Store store(":memory:");
  seed(store);
  store.insert_namespace({"ns-2", "other", 2});
  EXPECT_TRUE(store.insert_user({"u-1", "ns-1", "Alice", "active", 1, 1}, "alice"));
  EXPECT_FALSE(store.insert_user({"u-2", "ns-1", "ALICE", "active", 1, 1}, "alice"));
  EXPECT_TRUE(store.insert_user({"u-3", "ns-2", "alice", "active", 1, 1}, "alice"));
  EXPECT_FALSE(store.find_user("ns-2", "u-1").has_value());  // lookups are namespace-scoped
}

TEST_F(StoreTest, DeletingAUserRemovesItsCredentialsCodesAndChallenges) {
  Store store(":memory:");
  seed(store);
  store.insert_user({"u-1", "ns-1", "bob", "active", 1, 1}, "bob");
  store.insert_credential({"c-1", "u-1", "fido2", "active", "key", std::nullopt, 1, 1});
  store.insert_code({0, "u-1", "short", "temporary_authentication", "123456", false, 10, 1});
  store.insert_challenge({"ch-1", "u-1", "c-1", "web-1", "xyz", 10});
  ASSERT_TRUE(store.delete_user("u-1"));
  EXPECT_TRUE(store.list_credentials(std::string("u-1")).empty());
  EXPECT_TRUE(store.list_codes(std::nullopt).empty());
  EXPECT_FALSE(store.find_challenge("ch-1").has_value());
}

TEST_F(StoreTest, CodesAreConsumedOnce) {
  Store store(":memory:");
  seed(store);
  store.insert_user({"u-1", "ns-1", "bob", "active", 1, 1}, "bob");
  store.insert_code({0, "u-1", "short", "temporary_authentication", "123456", false, 10, 1});
  auto code = store.find_code("u-1", "short", "123456");
  ASSERT_TRUE(code.has_value());
  EXPECT_TRUE(store.authorize_code(code->id));
  EXPECT_TRUE(store.find_code_by_id(code->id)->is_authorized);
  EXPECT_TRUE(store.consume_code(code->id));
  EXPECT_FALSE(store.consume_code(code->id));
}

TEST_F(StoreTest, KeyRotationLeavesExactlyOneActiveKey) {
  Store store(":memory:");
  seed(store);
  store.insert_active_signing_key({"kid-2", "priv2", "pub2", true, 2});
  auto keys = store.list_signing_keys();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_FALSE(keys[0].active);
  EXPECT_TRUE(keys[1].active);
  EXPECT_EQ(keys[1].kid, "kid-2");
}

TEST_F(StoreTest, NoncesPersistOnTheirOwnConnectionAndExpire) {
  {
    Store store(db_path());
    store.save_nonces({{"app", "n1", 100}, {"app", "n2", 1000}}, 0);
  }
  Store reopened(db_path());
  auto live = reopened.load_nonces(500);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].nonce, "n2");
}

TEST_F(StoreTest, RefusesADatabaseFromANewerEmulator) {
  {
    Store store(db_path());
  }
  {
    Database db(db_path());
    db.exec("UPDATE schema_version SET version = 99");
  }
  EXPECT_THROW(Store{db_path()}, StoreError);
}

}  // namespace
}  // namespace loginid::detail::store
