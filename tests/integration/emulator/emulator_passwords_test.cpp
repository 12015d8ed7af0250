// Passwords and recovery codes (issue 11): register_password / authenticate_password with the
// policy, Argon2id storage with OWASP's parameters, the same answer for "no such user" and "wrong
// password", lockout, and recovery codes stored hashed. Against a real emulator process.
#include <argon2.h>
#include <sqlite3.h>

#include <fstream>
#include <iterator>
#include <regex>
#include <thread>

#include "integration/emulator/test_support.hpp"
#include "jose/base64url.hpp"

namespace loginid::testing {
namespace {

constexpr const char* kPassword = "correct horse battery staple";

class EmulatorPasswords : public ::testing::Test {
 protected:
  EmulatorProcess emulator;
  EmulatorClient client{emulator};

  Reply register_password(const std::string& username, const std::string& password = kPassword,
                          const std::optional<std::string>& confirmation = std::nullopt) {
    return client.scoped("POST", "/register/password",
                         {{"username", username}, {"password", password},
                          {"password_confirmation", confirmation.value_or(password)}},
                         client.web(), "auth.register");
  }
  Reply login(const std::string& username, const std::string& password = kPassword) {
    return client.scoped("POST", "/authenticate/password", {{"username", username}, {"password", password}},
                         client.web(), "auth.login");
  }
  nlohmann::json credentials_of(const std::string& user_id) {
    return client.admin("GET", "/emulator/credentials?user_id=" + user_id).json.at("credentials");
  }
};

/// Rows of a query on the emulator's database, each column as text (blobs too).
std::vector<std::vector<std::string>> query(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::vector<std::vector<std::string>> rows;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    ADD_FAILURE() << "cannot open " << db_path;
    return rows;
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
        row.emplace_back(text == nullptr ? "" : text);
      }
      rows.push_back(std::move(row));
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_F(EmulatorPasswords, RegisterThenLoginEndInVerifiableTokens) {
  auto registered = register_password("Ada@Example.com");
  ASSERT_EQ(registered.status, 200) << registered.body;
  EXPECT_EQ(registered.json["is_authenticated"], true);
  EXPECT_EQ(registered.json["credential"]["type"], "password");
  EXPECT_EQ(registered.json["client"]["id"], client.web().client_id);
  auto claims = verify_with_certs(client, registered.json.at("jwt").get<std::string>(), client.web().client_id);
  EXPECT_EQ(claims["action"], "register");
  EXPECT_EQ(claims["udata"], "Ada@Example.com");
  const auto user_id = registered.json["user"]["id"].get<std::string>();

  // The user is an ordinary user of the namespace, created through the web application.
  auto user = client.scoped("POST", "/manage/users/retrieve", {{"username", "ada@example.com"}}, client.management(),
                            "users.retrieve");
  ASSERT_EQ(user.status, 200) << user.body;
  EXPECT_EQ(user.json["id"], user_id);
  EXPECT_EQ(user.json["client_id"], client.web().client_id);
  EXPECT_EQ(user.json["type"], "user");

  auto logged_in = login("ada@EXAMPLE.com");  // usernames are case-insensitive
  ASSERT_EQ(logged_in.status, 200) << logged_in.body;
  claims = verify_with_certs(client, logged_in.json.at("jwt").get<std::string>(), client.web().client_id);
  EXPECT_EQ(claims["action"], "login");
  EXPECT_EQ(claims["sub"], user_id);
  EXPECT_EQ(logged_in.json["credential"]["uuid"], registered.json["credential"]["uuid"]);

  // The password credential is listed like any other; a second registration of the name is refused.
  auto listed = credentials_of(user_id);
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0]["type"], "password");
  expect_error(register_password("ADA@example.com"), 409, "user_already_exists");
}

TEST_F(EmulatorPasswords, StoredAsArgon2idWithOwaspParametersNeverInClear) {
  ASSERT_EQ(register_password("grace").status, 200);
  const auto rows = query(emulator.db_path(),
                          "SELECT algorithm, memory_kib, iterations, parallelism, salt, hash FROM credential_secrets");
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0][0], "argon2id");
  EXPECT_EQ(rows[0][1], "19456");  // 19 MiB
  EXPECT_EQ(rows[0][2], "2");
  EXPECT_EQ(rows[0][3], "1");
  const auto salt = detail::base64url_decode(rows[0][4]);
  const auto hash = detail::base64url_decode(rows[0][5]);
  ASSERT_TRUE(salt && hash);
  EXPECT_EQ(salt->size(), 16U);
  ASSERT_EQ(hash->size(), 32U);
  // The reference implementation, run here on the stored salt, gives the stored hash.
  std::string expected(32, '\0');
  ASSERT_EQ(argon2id_hash_raw(2, 19456, 1, kPassword, std::strlen(kPassword), salt->data(), salt->size(),
                              expected.data(), expected.size()),
            ARGON2_OK);
  EXPECT_EQ(*hash, expected);
  // Each registration draws its own salt.
  ASSERT_EQ(register_password("hopper").status, 200);
  const auto salts = query(emulator.db_path(), "SELECT DISTINCT salt FROM credential_secrets");
  EXPECT_EQ(salts.size(), 2U);
  // Nowhere in the database file (nor its WAL) in clear.
  EXPECT_EQ(file_bytes(emulator.db_path()).find(kPassword), std::string::npos);
  EXPECT_EQ(file_bytes(emulator.db_path() + "-wal").find(kPassword), std::string::npos);
}

TEST_F(EmulatorPasswords, NoSuchUserAndWrongPasswordGetTheSameAnswer) {
  ASSERT_EQ(register_password("linus").status, 200);
  client.create_user("passwordless");  // a user without a password
  const auto wrong = login("linus", "not the password at all");
  const auto unknown = login("nobody-by-this-name", "not the password at all");
  const auto no_password = login("passwordless", "not the password at all");
  for (const auto* reply : {&wrong, &unknown, &no_password}) {
    expect_error(*reply, 401, "credential_invalid");
    EXPECT_EQ(reply->json.at("message"), wrong.json.at("message"));
    EXPECT_EQ(keys_of(reply->json), keys_of(wrong.json));
    EXPECT_EQ(reply->body.find("not the password"), std::string::npos) << "the password was echoed";
  }
  // Another namespace's application does not see the user either.
  auto ns = client.admin("POST", "/emulator/namespaces", nlohmann::json{{"name", "other"}}).json;
  auto other = client.create_app("web", ns["id"].get<std::string>());
  auto foreign = client.scoped("POST", "/authenticate/password", {{"username", "linus"}, {"password", kPassword}},
                               other, "auth.login");
  expect_error(foreign, 401, "credential_invalid");
  EXPECT_EQ(foreign.json.at("message"), wrong.json.at("message"));
}

TEST_F(EmulatorPasswords, DeactivatedRevokedAndDeletedUsers) {
  auto registered = register_password("mary");
  ASSERT_EQ(registered.status, 200);
  const auto user_id = registered.json["user"]["id"].get<std::string>();
  const auto mgmt = client.management();
  ASSERT_EQ(client.scoped("PUT", "/manage/users/" + user_id + "/deactivate", nlohmann::json::object(), mgmt,
                          "users.deactivate")
                .status,
            200);
  // Only someone who knows the password learns that the account is deactivated.
  expect_error(login("mary", "guessing wrongly"), 401, "credential_invalid");
  expect_error(login("mary"), 403, "user_inactive");
  ASSERT_EQ(client.scoped("PUT", "/manage/users/" + user_id + "/activate", nlohmann::json::object(), mgmt,
                          "users.activate")
                .status,
            200);
  EXPECT_EQ(login("mary").status, 200);

  // A revoked password no longer logs in, with the answer a wrong one gets.
  auto revoked = client.scoped("POST", "/credentials/revoke",
                               {{"user_id", user_id}, {"credential", {{"uuid", registered.json["credential"]["uuid"]}}}},
                               mgmt, "credentials.revoke");
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  expect_error(login("mary"), 401, "credential_invalid");

  // Deleting the user removes the hash with the credential; the name can be registered afresh.
  ASSERT_EQ(client.scoped("DELETE", "/manage/users/" + user_id, nlohmann::json::object(), mgmt, "users.delete").status,
            204);
  EXPECT_TRUE(query(emulator.db_path(), "SELECT credential_uuid FROM credential_secrets").empty());
  EXPECT_EQ(register_password("mary", "a different long passphrase").status, 200);
}

TEST_F(EmulatorPasswords, RecoveryCodesAreWordsShownOnceAndStoredHashed) {
  auto user = client.create_user("rita");
  const auto user_id = user["id"].get<std::string>();
  auto first = client.scoped("POST", "/credentials/recovery-code", {{"username", "rita"}}, client.management(),
                             "credentials.add_recovery");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(keys_of(first.json), (std::set<std::string>{"code", "created_at"}));
  EXPECT_TRUE(is_rfc3339_ms(first.json["created_at"]));
  const auto code = first.json["code"].get<std::string>();
  EXPECT_TRUE(std::regex_match(code, std::regex("^[a-z]+(-[a-z]+){11}$"))) << code;

  auto second = client.scoped("POST", "/credentials/recovery-code", {{"user_id", user_id}}, client.management(),
                              "credentials.add_recovery");
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_NE(second.json["code"], first.json["code"]);
  // Listed as credentials: the newer active, the older revoked.
  auto listed = credentials_of(user_id);
  ASSERT_EQ(listed.size(), 2U);
  EXPECT_EQ(listed[0]["type"], "recovery_code");
  EXPECT_EQ(listed[0]["status"], "revoked");
  EXPECT_EQ(listed[1]["status"], "active");
  // Stored as Argon2id hashes only: neither code is anywhere in the database files.
  EXPECT_EQ(query(emulator.db_path(), "SELECT algorithm FROM credential_secrets").size(), 2U);
  for (const auto& shown : {code, second.json["code"].get<std::string>()}) {
    EXPECT_EQ(file_bytes(emulator.db_path()).find(shown), std::string::npos);
    EXPECT_EQ(file_bytes(emulator.db_path() + "-wal").find(shown), std::string::npos);
  }
  // A web application may not make them.
  expect_error(client.scoped("POST", "/credentials/recovery-code", {{"username", "rita"}}, client.web(),
                             "credentials.add_recovery"),
               403, "forbidden");
}

// Lockout is kept per typed username, so a name that exists and one that does not behave alike.
TEST(EmulatorPasswordLockout, RepeatedFailuresLockTheNameWhetherOrNotItExists) {
  EmulatorProcess emulator({{"--password-max-failures", "3", "--password-lockout", "600"}, {}, {}});
  EmulatorClient client(emulator);
  auto login = [&](const std::string& username, const std::string& password) {
    return client.scoped("POST", "/authenticate/password", {{"username", username}, {"password", password}},
                         client.web(), "auth.login");
  };
  ASSERT_EQ(client.scoped("POST", "/register/password",
                          {{"username", "kate"}, {"password", kPassword}, {"password_confirmation", kPassword}},
                          client.web(), "auth.register")
                .status,
            200);
  for (const std::string name : {"kate", "no-such-kate"}) {
    SCOPED_TRACE(name);
    for (int i = 0; i < 3; ++i) expect_error(login(name, "wrong guess"), 401, "credential_invalid");
    // Locked now: even the right password is refused, with when to come back.
    auto locked = login(name, kPassword);
    expect_error(locked, 429, "too_many_requests");
    EXPECT_NE(locked.json.value("message", "").find("too many failed logins"), std::string::npos);
    const int retry_after = std::stoi(locked.header("Retry-After"));
    EXPECT_GT(retry_after, 500);
    EXPECT_LE(retry_after, 600);
  }
  // Other names are not affected; a success clears a name's failures.
  ASSERT_EQ(client.scoped("POST", "/register/password",
                          {{"username", "liz"}, {"password", kPassword}, {"password_confirmation", kPassword}},
                          client.web(), "auth.register")
                .status,
            200);
  for (int i = 0; i < 2; ++i) expect_error(login("liz", "wrong guess"), 401, "credential_invalid");
  EXPECT_EQ(login("liz", kPassword).status, 200);
  for (int i = 0; i < 2; ++i) expect_error(login("liz", "wrong guess"), 401, "credential_invalid");
  EXPECT_EQ(login("liz", kPassword).status, 200) << "the count restarted after the success";
}

TEST(EmulatorPasswordLockout, ALockEnds) {
  EmulatorProcess emulator({{"--password-max-failures", "2", "--password-lockout", "1"}, {}, {}});
  EmulatorClient client(emulator);
  auto login = [&](const std::string& password) {
    return client.scoped("POST", "/authenticate/password", {{"username", "nora"}, {"password", password}},
                         client.web(), "auth.login");
  };
  ASSERT_EQ(client.scoped("POST", "/register/password",
                          {{"username", "nora"}, {"password", kPassword}, {"password_confirmation", kPassword}},
                          client.web(), "auth.register")
                .status,
            200);
  for (int i = 0; i < 2; ++i) expect_error(login("wrong guess"), 401, "credential_invalid");
  // Waiting longer than the lock is always enough, however slow the machine.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(login(kPassword).status, 200);
}

}  // namespace
}  // namespace loginid::testing
