// Emulator durability (issue 6, "Emulator under faults and load"): a write load (users, codes,
// credentials) from several clients, SIGKILL in the middle of it, a restart on the same database.
// Then: PRAGMA integrity_check is ok, no dangling rows (foreign_key_check), every write that was
// acknowledged (2xx received) is present, and every user that exists is whole (retrievable with the
// full shape), so nothing half-written is visible. Runs several times; prints acknowledged/found.

#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "integration/emulator/emulator_client.hpp"
#include "integration/emulator/emulator_process.hpp"

namespace loginid::security_test {
namespace {

using loginid::testing::App;
using loginid::testing::EmulatorClient;
using loginid::testing::EmulatorProcess;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kRuns = 3;
constexpr int kWriters = 4;
constexpr int kAcksBeforeKill = 120;

struct AckedUser {
  std::string username;
  std::string id;
};
struct AckedCode {
  std::string user_id;
  std::string code;
};
struct AckedCredential {
  std::string user_id;
  std::string uuid;
};

struct Acks {
  std::mutex mutex;
  std::vector<AckedUser> users;
  std::vector<AckedCode> codes;
  std::vector<AckedCredential> credentials;
  std::atomic<int> total{0};
  std::atomic<int> server_errors{0};
};

std::string make_temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "loginid-durability.XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

// One writer: user -> code -> credential, again and again, recording what was acknowledged.
void write_load(const EmulatorProcess& emulator, int writer, Acks& acks, const std::atomic<bool>& stop) {
  EmulatorClient client(emulator);
  const App app = client.management();
  const std::string user_key_pem = PrivateKey::generate().public_key().to_pem();
  for (int i = 0; !stop && i < 100'000; ++i) {
    const std::string username = "w" + std::to_string(writer) + "-u" + std::to_string(i);
    auto created = client.scoped("POST", "/manage/users", {{"username", username}}, app, "users.create");
    if (created.status >= 500) ++acks.server_errors;
    if (created.status != 200) {
      if (created.status == 0) return;  // the emulator is gone
      continue;
    }
    const std::string user_id = created.json.at("id").get<std::string>();
    {
      const std::lock_guard lock(acks.mutex);
      acks.users.push_back({username, user_id});
    }
    ++acks.total;
    auto code = client.scoped("POST", "/codes/short/generate",
                              {{"purpose", "temporary_authentication"}, {"authorize", false}, {"user_id", user_id}},
                              app, "codes.generate");
    if (code.status >= 500) ++acks.server_errors;
    if (code.status == 200) {
      const std::lock_guard lock(acks.mutex);
      acks.codes.push_back({user_id, code.json.at("code").get<std::string>()});
      ++acks.total;
    }
    auto credential = client.scoped("POST", "/credentials/publickey",
                                    {{"user_id", user_id},
                                     {"publickey_alg", "ES256"},
                                     {"publickey", user_key_pem},
                                     {"options", {{"credential_name", "key-" + std::to_string(i)}}}},
                                    app, "credentials.force_add");
    if (credential.status >= 500) ++acks.server_errors;
    if (credential.status == 200) {
      const std::lock_guard lock(acks.mutex);
      acks.credentials.push_back({user_id, credential.json.at("credential").at("uuid").get<std::string>()});
      ++acks.total;
    }
  }
}

// A read-only view of the database file, opened while no emulator runs.
class Db {
 public:
  explicit Db(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      throw std::runtime_error("cannot open " + path);
    }
  }
  ~Db() { sqlite3_close(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  /// Every row of `sql` as text columns joined by '|'.
  std::vector<std::string> rows(const std::string& sql, const std::vector<std::string>& params = {}) const {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      throw std::runtime_error("bad SQL: " + sql + ": " + sqlite3_errmsg(db_));
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      sqlite3_bind_text(stmt, static_cast<int>(i + 1), params[i].c_str(), -1, SQLITE_TRANSIENT);
    }
    std::vector<std::string> out;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::string row;
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        if (c > 0) row += '|';
        const auto* text = sqlite3_column_text(stmt, c);
        row += text ? reinterpret_cast<const char*>(text) : "<null>";
      }
      out.push_back(std::move(row));
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

TEST(DurabilityEmulator, AcknowledgedWritesSurviveSigkillMidLoad) {
  for (int run = 1; run <= kRuns; ++run) {
    const std::string dir = make_temp_dir();
    const std::string db_path = dir + "/emulator.db";
    Acks acks;
    {
      EmulatorProcess emulator({.args = {}, .db = db_path, .work_dir = dir});
      std::atomic<bool> stop{false};
      std::vector<std::thread> writers;
      for (int w = 0; w < kWriters; ++w) {
        writers.emplace_back([&, w] { write_load(emulator, w, acks, stop); });
      }
      const auto give_up = std::chrono::steady_clock::now() + seconds(120);
      while (acks.total < kAcksBeforeKill && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(milliseconds(5));
      }
      ASSERT_GE(acks.total.load(), kAcksBeforeKill) << "run " << run << ": the load never got going";
      emulator.stop(SIGKILL);  // mid-load: the writers are still sending
      stop = true;
      for (auto& t : writers) t.join();
    }
    EXPECT_EQ(acks.server_errors.load(), 0) << "run " << run << ": 5xx during the load";

    std::size_t users_found = 0, codes_found = 0, credentials_found = 0;
    std::vector<std::string> all_user_rows;
    {
      Db db(db_path);
      EXPECT_EQ(db.rows("PRAGMA integrity_check"), std::vector<std::string>{"ok"}) << "run " << run;
      EXPECT_TRUE(db.rows("PRAGMA foreign_key_check").empty()) << "run " << run << ": dangling rows";
      for (const auto& u : acks.users) {
        users_found += db.rows("SELECT id FROM users WHERE id = ?1 AND username = ?2", {u.id, u.username}).size();
      }
      for (const auto& c : acks.codes) {
        codes_found += db.rows("SELECT id FROM codes WHERE user_id = ?1 AND code = ?2", {c.user_id, c.code}).empty() ? 0 : 1;
      }
      for (const auto& c : acks.credentials) {
        credentials_found += db.rows("SELECT uuid FROM credentials WHERE uuid = ?1 AND user_id = ?2", {c.uuid, c.user_id}).size();
      }
      all_user_rows = db.rows("SELECT username FROM users WHERE username LIKE 'w%-u%'");
    }
    EXPECT_EQ(users_found, acks.users.size()) << "run " << run << ": acknowledged users lost";
    EXPECT_EQ(codes_found, acks.codes.size()) << "run " << run << ": acknowledged codes lost";
    EXPECT_EQ(credentials_found, acks.credentials.size()) << "run " << run << ": acknowledged credentials lost";

    // Restart on the same database: it opens, and every user it holds (acknowledged or caught
    // mid-request) is whole through the API.
    {
      EmulatorProcess again({.args = {}, .db = db_path, .work_dir = dir});
      EmulatorClient client(again);
      for (const auto& username : all_user_rows) {
        auto reply = client.scoped("POST", "/manage/users/retrieve", {{"username", username}}, client.management(),
                                   "users.retrieve");
        ASSERT_EQ(reply.status, 200) << "run " << run << ": user row '" << username << "' is not retrievable: " << reply.body;
        for (const char* member : {"id", "username", "status", "namespace_id", "created_at", "updated_at"}) {
          EXPECT_TRUE(reply.json.contains(member)) << username << " lacks " << member;
        }
      }
      // And the acknowledged credentials are listed for their users.
      std::size_t listed = 0;
      for (const auto& c : acks.credentials) {
        auto reply = client.scoped("POST", "/credentials/list", {{"user_id", c.user_id}}, client.management(),
                                   "credentials.list");
        ASSERT_EQ(reply.status, 200) << reply.body;
        for (const auto& item : reply.json.at("credentials")) {
          listed += item.at("uuid") == c.uuid ? 1 : 0;
        }
      }
      EXPECT_EQ(listed, acks.credentials.size()) << "run " << run;
      again.stop(SIGTERM);
    }
    std::printf("[durability] run %d: acknowledged users %zu / found %zu, codes %zu / %zu, credentials %zu / %zu; "
                "%zu user rows after the kill, integrity ok\n",
                run, acks.users.size(), users_found, acks.codes.size(), codes_found, acks.credentials.size(),
                credentials_found, all_user_rows.size());
    std::filesystem::remove_all(dir);
  }
}


// A service token's nonce is single use (API.md). The emulator keeps seen nonces in memory and
// writes them in batches (every 250 ms), so a crash right after a call forgets the nonce: the same
// token, replayed after the restart within its iat window, must still be refused.
TEST(DurabilityEmulator, ReplayedServiceTokenIsRefusedAfterSigkill) {
  constexpr int kTries = 5;
  int accepted_again = 0;
  for (int attempt = 0; attempt < kTries; ++attempt) {
    const std::string dir = make_temp_dir();
    const std::string db_path = dir + "/emulator.db";
    std::string token;
    std::optional<App> app;
    {
      EmulatorProcess emulator({.args = {}, .db = db_path, .work_dir = dir});
      EmulatorClient client(emulator);
      app = client.management();
      client.create_user("replayed");
      // While running, a replay is refused (so the check below is about the crash only).
      const auto warm = EmulatorClient::token(*app, "users.retrieve");
      ASSERT_EQ(client.with_token("POST", "/manage/users/retrieve", {{"username", "replayed"}}, *app, warm).status, 200);
      ASSERT_EQ(client.with_token("POST", "/manage/users/retrieve", {{"username", "replayed"}}, *app, warm).status, 401);
      token = EmulatorClient::token(*app, "users.retrieve");
      const auto used = client.with_token("POST", "/manage/users/retrieve", {{"username", "replayed"}}, *app, token);
      emulator.stop(SIGKILL);  // right after the answer: the nonce may be only in memory
      ASSERT_EQ(used.status, 200) << used.body;
    }
    EmulatorProcess again({.args = {}, .db = db_path, .work_dir = dir});
    EmulatorClient client(again);
    const auto replay = client.with_token("POST", "/manage/users/retrieve", {{"username", "replayed"}}, *app, token);
    if (replay.status != 401) {
      ++accepted_again;
    }
    again.stop(SIGTERM);
    std::filesystem::remove_all(dir);
  }
  EXPECT_EQ(accepted_again, 0) << "a service token used just before a SIGKILL was accepted again after the restart in "
                               << accepted_again << " of " << kTries << " tries (its nonce was lost with the process)";
  std::printf("[durability] replay after SIGKILL: %d of %d replays accepted\n", accepted_again, kTries);
}

}  // namespace
}  // namespace loginid::security_test
