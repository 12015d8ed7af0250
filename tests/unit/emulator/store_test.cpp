#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

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
    EXPECT_EQ(store.schema_version(), Store::latest_schema_version());
    seed(store);
    ASSERT_TRUE(store.insert_user({"u-1", "ns-1", "Alice", "active", 1, 1, "web-1"}, "alice"));
  }
  Store reopened(db_path());
  EXPECT_EQ(reopened.schema_version(), Store::latest_schema_version());
  EXPECT_EQ(reopened.get_setting("default_management_client"), "mgmt-1");
  auto user = reopened.find_user_by_username("ns-1", "alice");
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(user->username, "Alice");
  EXPECT_EQ(user->client_id, "web-1");
  EXPECT_EQ(reopened.find_application("mgmt-1")->private_key_pem, "private");
}

// A database written by the emulator before schema 2 (tests/integration/emulator/data): migrated in
// place, its ids kept, its users given their namespace's web application as client_id.
TEST_F(StoreTest, MigratesASchemaOneDatabaseWrittenByAnOlderEmulator) {
  std::ifstream dump_file(std::string(LOGINID_EMULATOR_TEST_DATA) + "/schema1_main_e0058a6.sql");
  ASSERT_TRUE(dump_file) << "missing test data";
  const std::string dump((std::istreambuf_iterator<char>(dump_file)), std::istreambuf_iterator<char>());
  {
    Database raw(db_path());
    raw.exec(dump.c_str());
  }
  Store store(db_path());
  EXPECT_EQ(store.schema_version(), Store::latest_schema_version());
  auto user = store.find_user_by_username("9b1e76b9-6936-4910-a189-f61b55c68287", "legacy@example.com");
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(user->id, "20de009f-746f-4238-8608-905958c5d0e4");
  EXPECT_EQ(user->client_id, "uLDG0eVMVjr3dLR1hi06WgTcpPlnEccI");  // the default web application
  EXPECT_EQ(store.list_credentials(user->id).size(), 1U);
  EXPECT_FALSE(store.find_active_secret(user->id, "password").has_value());
}

TEST_F(StoreTest, SecretsLiveAndDieWithTheirCredentials) {
  Store store(":memory:");
  seed(store);
  const User user{"u-1", "ns-1", "bob", "active", 1, 1, "web-1"};
  const Credential password{"c-1", "u-1", "password", "active", "Password", std::nullopt, 1, 1};
  const SecretHash hash{"c-1", "argon2id", 19456, 2, 1, "c2FsdA", "aGFzaA"};
  ASSERT_TRUE(store.insert_user_with_secret(user, "bob", password, hash));
  // A taken username writes nothing: neither the credential nor the secret.
  const Credential other{"c-2", "u-2", "password", "active", "Password", std::nullopt, 1, 1};
  EXPECT_FALSE(store.insert_user_with_secret({"u-2", "ns-1", "BOB", "active", 1, 1, "web-1"}, "bob", other,
                                             SecretHash{"c-2", "argon2id", 19456, 2, 1, "x", "y"}));
  EXPECT_FALSE(store.find_credential("c-2").has_value());
  EXPECT_FALSE(store.find_secret("c-2").has_value());

  auto found = store.find_active_secret("u-1", "password");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->first.uuid, "c-1");
  EXPECT_EQ(found->second.memory_kib, 19456);
  EXPECT_EQ(found->second.hash, "aGFzaA");

  // A new recovery code revokes the earlier one.
  store.replace_secret_credential({"r-1", "u-1", "recovery_code", "active", "Recovery code", std::nullopt, 2, 2},
                                  SecretHash{"r-1", "argon2id", 19456, 2, 1, "s1", "h1"}, 2);
  store.replace_secret_credential({"r-2", "u-1", "recovery_code", "active", "Recovery code", std::nullopt, 3, 3},
                                  SecretHash{"r-2", "argon2id", 19456, 2, 1, "s2", "h2"}, 3);
  EXPECT_EQ(store.find_credential("r-1")->status, "revoked");
  EXPECT_EQ(store.find_active_secret("u-1", "recovery_code")->first.uuid, "r-2");
  EXPECT_EQ(store.find_active_secret("u-1", "password")->first.uuid, "c-1") << "other types untouched";

  // Revoked: no longer found as active. Deleted user: secrets gone with the credentials.
  auto revoked = *store.find_credential("c-1");
  revoked.status = "revoked";
  store.update_credential(revoked);
  EXPECT_FALSE(store.find_active_secret("u-1", "password").has_value());
  ASSERT_TRUE(store.delete_user("u-1"));
  EXPECT_FALSE(store.find_secret("c-1").has_value());
  EXPECT_FALSE(store.find_secret("r-2").has_value());
}

// find_user_by_username answers a repeated read from memory (the user cache): every write through
// the store, committed or refused, makes the next read go to the database again.
TEST_F(StoreTest, UserReadsByUsernameSeeEveryWriteOfTheStore) {
  Store store(db_path());
  seed(store);
  EXPECT_FALSE(store.find_user_by_username("ns-1", "carol").has_value());
  ASSERT_TRUE(store.insert_user({"u-1", "ns-1", "Carol", "active", 1, 1, "web-1"}, "carol"));
  ASSERT_EQ(store.find_user_by_username("ns-1", "carol")->status, "active");
  ASSERT_EQ(store.find_user_by_username("ns-1", "carol")->status, "active");  // now from memory
  ASSERT_TRUE(store.set_user_status("u-1", "inactive", 2));
  EXPECT_EQ(store.find_user_by_username("ns-1", "carol")->status, "inactive");
  EXPECT_EQ(store.find_user_by_username("ns-1", "carol")->updated_at, 2);
  // A write in a transaction (a user with a secret) and a refused one (the username is taken).
  const Credential password{"c-1", "u-2", "password", "active", "Password", std::nullopt, 1, 1};
  const SecretHash hash{"c-1", "argon2id", 19456, 2, 1, "c2FsdA", "aGFzaA"};
  ASSERT_TRUE(store.insert_user_with_secret({"u-2", "ns-1", "Dave", "active", 1, 1, "web-1"}, "dave", password, hash));
  EXPECT_EQ(store.find_user_by_username("ns-1", "dave")->id, "u-2");
  EXPECT_FALSE(store.insert_user({"u-3", "ns-1", "CAROL", "active", 1, 1, "web-1"}, "carol"));
  EXPECT_EQ(store.find_user_by_username("ns-1", "carol")->id, "u-1");
  ASSERT_TRUE(store.delete_user("u-1"));
  EXPECT_FALSE(store.find_user_by_username("ns-1", "carol").has_value());
  EXPECT_EQ(store.find_user_by_username("ns-1", "dave")->username, "Dave");
  // Another store on the same file (a restart) reads what this one wrote.
  Store other(db_path());
  EXPECT_FALSE(other.find_user_by_username("ns-1", "carol").has_value());
  EXPECT_EQ(other.find_user_by_username("ns-1", "dave")->id, "u-2");
}

TEST_F(StoreTest, UsernamesAreUniquePerNamespace) {
  Store store(":memory:");
  seed(store);
  store.insert_namespace({"ns-2", "other", 2});
  EXPECT_TRUE(store.insert_user({"u-1", "ns-1", "Alice", "active", 1, 1, "web-1"}, "alice"));
  EXPECT_FALSE(store.insert_user({"u-2", "ns-1", "ALICE", "active", 1, 1, "web-1"}, "alice"));
  EXPECT_TRUE(store.insert_user({"u-3", "ns-2", "alice", "active", 1, 1, "web-1"}, "alice"));
  EXPECT_FALSE(store.find_user("ns-2", "u-1").has_value());  // lookups are namespace-scoped
}

TEST_F(StoreTest, DeletingAUserRemovesItsCredentialsCodesAndChallenges) {
  Store store(":memory:");
  seed(store);
  store.insert_user({"u-1", "ns-1", "bob", "active", 1, 1, "web-1"}, "bob");
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
  store.insert_user({"u-1", "ns-1", "bob", "active", 1, 1, "web-1"}, "bob");
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
  store.insert_active_signing_key({"kid-2", "priv2", "pub2", true, 2}, 10);
  auto keys = store.list_signing_keys();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_FALSE(keys[0].active);
  EXPECT_TRUE(keys[1].active);
  EXPECT_EQ(keys[1].kid, "kid-2");
}

TEST_F(StoreTest, KeyRotationKeepsOnlyTheNewestKeys) {
  // Issue 15: the JWKS serves every kept key, so rotating in a loop must not grow it without end.
  Store store(":memory:");
  seed(store);
  for (int i = 2; i <= 25; ++i) {
    const std::string n = std::to_string(i);
    store.insert_active_signing_key({"kid-" + n, "priv" + n, "pub" + n, true, i}, 3);
  }
  auto keys = store.list_signing_keys();
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0].kid, "kid-23");
  EXPECT_EQ(keys[1].kid, "kid-24");
  EXPECT_EQ(keys[2].kid, "kid-25");
  EXPECT_TRUE(keys[2].active);
  EXPECT_FALSE(keys[0].active || keys[1].active);
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

// More nonces than one batch row holds, with characters JSON must escape: all come back.
TEST_F(StoreTest, NonceBatchesKeepEveryNonceExactly) {
  std::vector<SeenNonce> nonces;
  for (int i = 0; i < 10000; ++i) nonces.push_back({"app", "n" + std::to_string(i), 1000 + i % 2});
  nonces.push_back({"app\"x", "quote\" back\\slash \n tab\t \xc3\xa9", 5000});
  {
    Store store(db_path());
    store.save_nonces(nonces, 0);
    store.save_nonces({{"app", "expired", 10}}, 0);
  }
  Store reopened(db_path());
  auto live = reopened.load_nonces(500);
  ASSERT_EQ(live.size(), nonces.size());  // "expired" is not
  for (std::size_t i = 0; i < nonces.size(); ++i) {
    EXPECT_EQ(live[i].client_id, nonces[i].client_id) << i;
    EXPECT_EQ(live[i].nonce, nonces[i].nonce) << i;
    EXPECT_EQ(live[i].expires_at, nonces[i].expires_at) << i;
  }
  // A flush prunes the batches whose every nonce has expired, and only those.
  // Rows of 4096: the first two hold only nonces expiring by 1001; the third, nonces 8192.. and the
  // one of 5000.
  reopened.save_nonces({}, 1002);
  EXPECT_EQ(reopened.load_nonces(0).size(), 10000u - 8192u + 1u);
}

// Seen nonces of a schema-4 database (one row each) move into the batches of schema 5.
TEST_F(StoreTest, UpgradesSchema4NoncesIntoBatches) {
  {
    Store old(db_path(), 4);
    EXPECT_EQ(old.schema_version(), 4);
  }
  {
    Database db(db_path());
    db.exec(R"sql(
INSERT INTO seen_nonces (client_id, nonce, expires_at) VALUES ('app', 'old', 100), ('app', 'live', 1000),
  ('other', 'live "2"', 2000);
)sql");
  }
  Store store(db_path());
  EXPECT_EQ(store.schema_version(), Store::latest_schema_version());
  auto live = store.load_nonces(500);
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[0].client_id, "app");
  EXPECT_EQ(live[0].nonce, "live");
  EXPECT_EQ(live[0].expires_at, 1000);
  EXPECT_EQ(live[1].client_id, "other");
  EXPECT_EQ(live[1].nonce, "live \"2\"");
}

// A database left by an emulator of schema version 1 (before web settings): its rows, written with
// that version's columns, upgrade in place; the default web application may start browser flows.
TEST_F(StoreTest, UpgradesAVersion1DatabaseWithTheWebSettingsDefaults) {
  {
    Store old(db_path(), 1);
    EXPECT_EQ(old.schema_version(), 1);
  }
  {
    Database db(db_path());
    db.exec(R"sql(
INSERT INTO namespaces (id, name, created_at) VALUES ('ns-1', 'default', 1);
INSERT INTO applications (client_id, namespace_id, type, name, public_key_pem, private_key_pem, created_at) VALUES
  ('web-1', 'ns-1', 'web', 'Default web application', 'pem', 'private', 1),
  ('mgmt-1', 'ns-1', 'management', 'Default management application', 'pem', 'private', 1),
  ('web-2', 'ns-1', 'web', 'second', 'pem', NULL, 2);
INSERT INTO settings (key, value) VALUES ('default_namespace', 'ns-1'), ('default_web_client', 'web-1'),
  ('default_management_client', 'mgmt-1');
)sql");
  }
  Store store(db_path());
  EXPECT_EQ(store.schema_version(), Store::latest_schema_version());
  const std::vector<std::string> laptop = {"http://localhost:*"};
  for (const char* id : {"web-1", "mgmt-1", "web-2"}) {
    auto app = store.find_application(id);
    ASSERT_TRUE(app.has_value()) << id;
    EXPECT_EQ(app->web_settings.rp_id, "localhost") << id;
    EXPECT_EQ(app->web_settings.allowed_origins, laptop) << id;
    EXPECT_FALSE(app->web_settings.rp_name.empty()) << id;
    EXPECT_EQ(app->web_settings.public_init, std::string(id) == "web-1") << id;
  }
  EXPECT_EQ(store.find_application("mgmt-1")->private_key_pem, "private");
}

TEST_F(StoreTest, WebSettingsRoundTrip) {
  Store store(":memory:");
  seed(store);
  WebSettings settings{"example.com", "Example", {"https://example.com", "http://localhost:*"}, true};
  ASSERT_TRUE(store.update_web_settings("web-1", settings));
  EXPECT_FALSE(store.update_web_settings("nope", settings));
  auto app = store.find_application("web-1");
  ASSERT_TRUE(app.has_value());
  EXPECT_EQ(app->web_settings.rp_id, "example.com");
  EXPECT_EQ(app->web_settings.rp_name, "Example");
  EXPECT_EQ(app->web_settings.allowed_origins, settings.allowed_origins);
  EXPECT_TRUE(app->web_settings.public_init);
  settings.allowed_origins.clear();
  ASSERT_TRUE(store.update_web_settings("web-1", settings));
  EXPECT_TRUE(store.find_application("web-1")->web_settings.allowed_origins.empty());
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
