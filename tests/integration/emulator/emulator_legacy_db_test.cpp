// Issue 11 changed the formats of new ids (namespace ids of 16 hex digits, client ids of 88
// base64url characters) and the schema. A database written by the emulator before that
// (tests/integration/emulator/data, a dump of one made by main at e0058a6) must keep working:
// migrated in place, its UUID namespace and 32-character client ids still accepted everywhere.
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include "integration/emulator/test_support.hpp"
#include "jose/tokens.hpp"
#include "claims_json.hpp"

namespace loginid::testing {
namespace {

constexpr const char* kLegacyNamespace = "9b1e76b9-6936-4910-a189-f61b55c68287";
constexpr const char* kLegacyWeb = "uLDG0eVMVjr3dLR1hi06WgTcpPlnEccI";
constexpr const char* kLegacyManagement = "2OyqB7OFAnULGxbn2m3ihLws0iOXg6ie";
constexpr const char* kLegacyUser = "20de009f-746f-4238-8608-905958c5d0e4";
constexpr const char* kLegacyCredential = "39dccfa2-2f75-46f4-bf8c-a23f3e5895f7";

std::string read_data(const std::string& name) {
  std::ifstream in(std::string(LOGINID_EMULATOR_TEST_DATA) + "/" + name, std::ios::binary);
  if (!in) throw std::runtime_error("missing test data " + name);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A temp directory holding the legacy database, built from the dump.
struct LegacyDatabase {
  std::filesystem::path dir;
  std::string db;
  LegacyDatabase() {
    dir = std::filesystem::temp_directory_path() /
          ("loginid-legacy-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
    std::filesystem::create_directories(dir);
    db = (dir / "emulator.db").string();
    sqlite3* handle = nullptr;
    sqlite3_open(db.c_str(), &handle);
    char* error = nullptr;
    const int rc = sqlite3_exec(handle, read_data("schema1_main_e0058a6.sql").c_str(), nullptr, nullptr, &error);
    const std::string message = error == nullptr ? "" : error;
    sqlite3_free(error);
    sqlite3_close(handle);
    if (rc != SQLITE_OK) throw std::runtime_error("cannot load the dump: " + message);
  }
  ~LegacyDatabase() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

TEST(EmulatorLegacyDatabase, OldIdsKeepWorkingAfterTheUpgrade) {
  LegacyDatabase legacy;
  EmulatorProcess emulator({{}, legacy.db, legacy.dir.string()});
  EmulatorClient client(emulator);
  // The default applications keep their ids (and keys): the credentials file is written from the database.
  ASSERT_EQ(client.web().client_id, kLegacyWeb);
  ASSERT_EQ(client.management().client_id, kLegacyManagement);

  // The old user, under its old namespace id, now with the user shape of API.md.
  auto user = client.scoped("POST", "/manage/users/retrieve", {{"username", "legacy@example.com"}}, client.management(),
                            "users.retrieve");
  ASSERT_EQ(user.status, 200) << user.body;
  EXPECT_EQ(user.json["id"], kLegacyUser);
  EXPECT_EQ(user.json["namespace_id"], kLegacyNamespace);
  EXPECT_EQ(user.json["client_id"], kLegacyWeb);  // the migration's choice: the namespace's web application
  EXPECT_EQ(user.json["type"], "user");
  EXPECT_EQ(user.json["contacts"], nlohmann::json::array());

  // Its public-key credential still logs in, with a token the old signing key signs.
  const auto key = PrivateKey::from_pem(read_data("legacy_user.key.pem"));
  auto init = client.scoped("POST", "/authenticate/publickey/init",
                            {{"username", "legacy@example.com"},
                             {"publickey", key.public_key().to_pem()},
                             {"publickey_alg", "ES256"}},
                            client.web(), "auth.login");
  ASSERT_EQ(init.status, 200) << init.body;
  auto done = client.send("POST", "/authenticate/publickey/complete",
                          nlohmann::json{{"client_id", kLegacyWeb},
                                         {"username", "legacy@example.com"},
                                         {"challenge_id", init.json["challenge_id"]},
                                         {"assertion", detail::sign_jwt_json({{"server_nonce", init.json["server_nonce"]}}, key)}});
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.json["credential"]["uuid"], kLegacyCredential);
  auto claims = verify_with_certs(client, done.json.at("jwt").get<std::string>(), kLegacyWeb);
  EXPECT_EQ(claims["nid"], kLegacyNamespace);

  // New features work on the old database; new things get new-format ids beside the old ones.
  auto registered = client.scoped("POST", "/register/password",
                                  {{"username", "newcomer"},
                                   {"password", "a long enough passphrase"},
                                   {"password_confirmation", "a long enough passphrase"}},
                                  client.web(), "auth.register");
  ASSERT_EQ(registered.status, 200) << registered.body;
  EXPECT_EQ(registered.json["user"]["namespace_id"], kLegacyNamespace);
  auto app = client.admin("POST", "/emulator/applications",
                          nlohmann::json{{"type", "management"}, {"namespace_id", kLegacyNamespace}});
  ASSERT_EQ(app.status, 200) << app.body;
  EXPECT_TRUE(is_client_id_text(app.json["client_id"])) << app.json["client_id"];
  EXPECT_EQ(app.json["namespace_id"], kLegacyNamespace);
  auto ns = client.admin("POST", "/emulator/namespaces", nlohmann::json{{"name", "new tenant"}});
  EXPECT_TRUE(is_namespace_id_text(ns.json["id"])) << ns.json["id"];

  // And it all survives a restart on the upgraded file.
  emulator.stop();
  EmulatorProcess again({{}, legacy.db, legacy.dir.string()});
  EmulatorClient after(again);
  EXPECT_EQ(after.web().client_id, kLegacyWeb);
  auto login = after.scoped("POST", "/authenticate/password",
                            {{"username", "newcomer"}, {"password", "a long enough passphrase"}}, after.web(),
                            "auth.login");
  EXPECT_EQ(login.status, 200) << login.body;
}

TEST(EmulatorTokenLifetime, TokensCarryExpOnlyWithATokenTtl) {
  for (const int ttl : {0, 90}) {
    SCOPED_TRACE(ttl);
    EmulatorProcess emulator(ttl == 0 ? EmulatorProcess::Options{} : EmulatorProcess::Options{{"--token-ttl", "90"}, {}, {}});
    EmulatorClient client(emulator);
    client.create_user("tess");
    const auto code = client.generate_code("tess", "short", true)["code"].get<std::string>();
    auto waited = client.send("POST", "/authenticate/code/wait",
                              nlohmann::json{{"client_id", client.web().client_id},
                                             {"username", "tess"},
                                             {"authentication_code", {{"code", code}, {"type", "short"}}}});
    ASSERT_EQ(waited.status, 200) << waited.body;
    auto tx = client.with_token("POST", "/tx",
                                {{"tx_payload", "pay 1"}, {"nonce", "n-1"}, {"username", "tess"}}, client.web(),
                                detail::make_tx_auth_token(client.web().key, "pay 1", std::nullopt,
                                                           std::chrono::system_clock::now()));
    ASSERT_EQ(tx.status, 200) << tx.body;
    auto confirmed = client.admin("POST", "/emulator/tx/" + tx.json["id"].get<std::string>() + "/confirm");
    ASSERT_EQ(confirmed.status, 200) << confirmed.body;
    for (const auto& token : {waited.json["jwt"].get<std::string>(), confirmed.json["token"].get<std::string>()}) {
      const auto claims = decode_jwt_as_json(token).payload;
      if (ttl == 0) {
        EXPECT_FALSE(claims.contains("exp")) << claims.dump();
      } else {
        EXPECT_EQ(claims.at("exp").get<std::int64_t>(), claims.at("iat").get<std::int64_t>() + ttl);
      }
    }
  }
}

}  // namespace
}  // namespace loginid::testing
