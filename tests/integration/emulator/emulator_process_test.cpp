// The emulator as a process: credentials file, restart on the same database, code lifetimes,
// the long poll (wake-up, waiter limit, timeout), SIGTERM, and the loopback rule.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <future>
#include <thread>

#include "integration/emulator/test_support.hpp"

namespace loginid::testing {
namespace {

nlohmann::json wait_body(const EmulatorClient& client, const std::string& username, const std::string& code) {
  return {{"client_id", client.web().client_id},
          {"username", username},
          {"authentication_code", {{"code", code}, {"type", "short"}}}};
}

/// A wait_code on its own connection (each parked waiter needs one).
std::future<Reply> wait_async(const EmulatorProcess& emulator, const std::string& username, const std::string& code) {
  return std::async(std::launch::async, [&emulator, username, code] {
    EmulatorClient own(emulator);
    return own.send("POST", "/authenticate/code/wait", wait_body(own, username, code));
  });
}

/// Polls /emulator/health (bounded, 20 s) until `count` wait_code calls are parked.
void settle(EmulatorClient& client, std::size_t count) {
  for (int i = 0; i < 2000; ++i) {
    if (client.send("GET", "/emulator/health").json.value("waiters", std::size_t{0}) == count) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL() << "waiters did not park";
}

TEST(EmulatorProcessTest, CredentialsFileIsPrivateAndRestartKeepsEverything) {
  std::string dir;
  nlohmann::json first_credentials;
  std::string user_id;
  std::string kid;
  {
    EmulatorProcess emulator;
    dir = emulator.work_dir();
    first_credentials = emulator.credentials();
    EXPECT_EQ(first_credentials.at("base_url"), emulator.base_url());
    struct stat info {};
    ASSERT_EQ(::stat(emulator.credentials_path().c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    EmulatorClient client(emulator);
    user_id = client.create_user("persisted")["id"].get<std::string>();
    client.admin("POST", "/emulator/users/" + user_id + "/credentials", nlohmann::json::object());
    kid = client.admin("POST", "/emulator/keys/rotate").json.at("kid").get<std::string>();
    EXPECT_EQ(emulator.stop(SIGTERM), 0);
    // Keep the directory for the second run.
    std::filesystem::copy(dir, dir + "-copy", std::filesystem::copy_options::recursive);
  }
  const auto copy = dir + "-copy";
  {
    EmulatorProcess again({{}, copy + "/emulator.db", copy});
    auto credentials = again.credentials();
    EXPECT_EQ(credentials.at("base_url"), again.base_url());  // rewritten with the new port
    EXPECT_EQ(credentials.at("web"), first_credentials.at("web"));
    EXPECT_EQ(credentials.at("management"), first_credentials.at("management"));
    EmulatorClient client(again);
    auto user = client.scoped("POST", "/manage/users/retrieve", {{"username", "PERSISTED"}}, client.management(),
                              "users.retrieve");
    ASSERT_EQ(user.status, 200) << user.body;
    EXPECT_EQ(user.json["id"], user_id);
    EXPECT_EQ(client.admin("GET", "/emulator/credentials").json.at("credentials").size(), 1u);
    EXPECT_EQ(client.send("GET", "/certs?kid=" + kid).status, 200);
    EXPECT_EQ(client.admin("GET", "/emulator/keys").json.at("keys").size(), 2u);
    EXPECT_EQ(again.stop(SIGTERM), 0);
  }
  std::filesystem::remove_all(copy);
}

TEST(EmulatorProcessTest, ReplayIsRefusedAcrossARestart) {
  auto dir = std::filesystem::temp_directory_path() / ("loginid-emu-replay-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto db = (dir / "e.db").string();
  std::string token;
  App mgmt{"", PrivateKey::generate()};
  {
    EmulatorProcess emulator({{}, db, dir.string()});
    EmulatorClient client(emulator);
    mgmt = client.management();
    token = EmulatorClient::token(mgmt, "users.create");
    auto reply = client.with_token("POST", "/manage/users", {{"username", "first"}}, mgmt, token);
    ASSERT_EQ(reply.status, 200) << reply.body;
    std::this_thread::sleep_for(std::chrono::milliseconds(400));  // past a periodic nonce flush
    EXPECT_EQ(emulator.stop(SIGTERM), 0);
  }
  {
    EmulatorProcess emulator({{}, db, dir.string()});
    EmulatorClient client(emulator);
    expect_error(client.with_token("POST", "/manage/users", {{"username", "second"}}, mgmt, token), 401,
                 "unauthorized");
  }
  std::filesystem::remove_all(dir);
}

TEST(EmulatorProcessTest, CodesExpire) {
  EmulatorProcess emulator({{"--code-ttl", "1"}, {}, {}});
  EmulatorClient client(emulator);
  client.create_user("kim");
  auto code = client.generate_code("kim")["code"].get<std::string>();
  auto pre = client.generate_code("kim", "short", true)["code"].get<std::string>();
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  expect_error(client.authorize_code("kim", code), 410, "code_expired");
  expect_error(client.send("POST", "/authenticate/code/wait", wait_body(client, "kim", pre)), 410, "code_expired");
}

TEST(EmulatorProcessTest, AParkedWaiterAnswersWithCodeExpiredWhenItsCodeRunsOut) {
  EmulatorProcess emulator({{"--code-ttl", "1", "--wait-timeout", "20"}, {}, {}});
  EmulatorClient client(emulator);
  client.create_user("lee");
  auto code = client.generate_code("lee")["code"].get<std::string>();
  auto reply = client.send("POST", "/authenticate/code/wait", wait_body(client, "lee", code));
  expect_error(reply, 410, "code_expired");
}

TEST(EmulatorProcessTest, WaitGivesUpWithCodeTimeout) {
  EmulatorProcess emulator({{"--wait-timeout", "0.3"}, {}, {}});
  EmulatorClient client(emulator);
  client.create_user("max");
  auto code = client.generate_code("max")["code"].get<std::string>();
  expect_error(client.send("POST", "/authenticate/code/wait", wait_body(client, "max", code)), 408, "code_timeout");
  // The code is still usable afterwards.
  EXPECT_EQ(client.authorize_code("max", code).status, 200);
}

TEST(EmulatorProcessTest, AuthorizeWakesAParkedWaiter) {
  // The wait timeout is long, so only the authorize can end the wait with a 200.
  EmulatorProcess emulator({{"--wait-timeout", "60"}, {}, {}});
  EmulatorClient client(emulator);
  client.create_user("nina");
  auto code = client.generate_code("nina")["code"].get<std::string>();
  auto waiter = wait_async(emulator, "nina", code);
  settle(client, 1);
  ASSERT_EQ(waiter.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout) << "wait returned early";
  ASSERT_EQ(client.authorize_code("nina", code).status, 200);
  ASSERT_EQ(waiter.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  auto reply = waiter.get();
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto claims = verify_with_certs(client, reply.json.at("jwt").get<std::string>(), client.web().client_id);
  EXPECT_EQ(claims["udata"], "nina");
}

TEST(EmulatorProcessTest, WaitersBeyondTheLimitGet429WhileOtherEndpointsAnswer) {
  EmulatorProcess emulator({{"--max-waiters", "2", "--wait-timeout", "60"}, {}, {}});
  EmulatorClient client(emulator);
  client.create_user("olga");
  std::vector<std::string> codes;
  for (int i = 0; i < 3; ++i) codes.push_back(client.generate_code("olga")["code"].get<std::string>());
  auto first = wait_async(emulator, "olga", codes[0]);
  auto second = wait_async(emulator, "olga", codes[1]);
  settle(client, 2);

  auto third = client.send("POST", "/authenticate/code/wait", wait_body(client, "olga", codes[2]));
  expect_error(third, 429, "too_many_requests");
  EXPECT_FALSE(third.header("Retry-After").empty());

  // Everything else still answers while two waiters are parked.
  auto kid = client.admin("GET", "/emulator/keys").json.at("keys")[0].at("kid").get<std::string>();
  for (int i = 0; i < 20; ++i) ASSERT_EQ(client.send("GET", "/certs?kid=" + kid).status, 200);
  EXPECT_EQ(client.scoped("POST", "/manage/users/retrieve", {{"username", "olga"}}, client.management(),
                          "users.retrieve")
                .status,
            200);

  ASSERT_EQ(client.authorize_code("olga", codes[0]).status, 200);
  ASSERT_EQ(client.authorize_code("olga", codes[1]).status, 200);
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(second.get().status, 200);
  // Seats are given back: a new waiter is accepted (pre-authorized, so it answers at once).
  auto ready = client.generate_code("olga", "short", true)["code"].get<std::string>();
  settle(client, 0);
  EXPECT_EQ(client.send("POST", "/authenticate/code/wait", wait_body(client, "olga", ready)).status, 200);
}

TEST(EmulatorProcessTest, SigtermReleasesWaitersAndExitsZero) {
  EmulatorProcess emulator({{"--wait-timeout", "60"}, {}, {}});
  EmulatorClient client(emulator);
  client.create_user("pat");
  auto code = client.generate_code("pat")["code"].get<std::string>();
  auto waiter = wait_async(emulator, "pat", code);
  settle(client, 1);
  EXPECT_EQ(emulator.stop(SIGTERM), 0);
  ASSERT_EQ(waiter.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto reply = waiter.get();
  EXPECT_EQ(reply.status, 503) << reply.body;
  EXPECT_EQ(reply.json.value("code", ""), "shutting_down");
}

TEST(EmulatorProcessTest, SigintExitsZero) {
  EmulatorProcess emulator;
  EXPECT_EQ(emulator.stop(SIGINT), 0);
}

TEST(EmulatorProcessTest, RefusesANonLoopbackAddressWithoutAnAdminToken) {
  const char* bin = std::getenv("LOGINID_EMULATOR_BIN");
  ASSERT_NE(bin, nullptr);
  auto dir = std::filesystem::temp_directory_path() / ("loginid-emu-bind-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto command = std::string(bin) + " --host 0.0.0.0 --port 0 --db " + (dir / "x.db").string() +
                       " >/dev/null 2>&1";
  int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_FALSE(std::filesystem::exists(dir / "x.db")) << "it must refuse before touching the database";
  std::filesystem::remove_all(dir);
}

// A bad command line is a usage error, exit 2 as docs/emulator.md says (CLI11 alone exits 105, 107, ...),
// and the message names the flag; nothing is created.
TEST(EmulatorProcessTest, ABadCommandLineExitsTwoNamingTheFlag) {
  const char* bin = std::getenv("LOGINID_EMULATOR_BIN");
  ASSERT_NE(bin, nullptr);
  auto dir = std::filesystem::temp_directory_path() / ("loginid-emu-usage-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto db = (dir / "x.db").string();
  std::ofstream(dir / "c.pem") << "not checked: --tls-key is missing\n";
  const std::pair<std::string, std::string> cases[] = {
      {"--port notanumber", "--port"},
      {"--tls-cert " + (dir / "c.pem").string(), "--tls-key"},
      {"--no-such-flag", "--no-such-flag"},
  };
  for (const auto& [args, named] : cases) {
    const auto err = (dir / "err.txt").string();
    const auto command = std::string(bin) + " --db " + db + " " + args + " >/dev/null 2>" + err;
    int status = std::system(command.c_str());
    ASSERT_TRUE(WIFEXITED(status)) << args;
    EXPECT_EQ(WEXITSTATUS(status), 2) << args;
    std::ifstream in(err);
    std::ostringstream text;
    text << in.rdbuf();
    EXPECT_NE(text.str().find(named), std::string::npos) << args << ": " << text.str();
    EXPECT_FALSE(std::filesystem::exists(db)) << args << ": it must refuse before touching the database";
  }
  EXPECT_EQ(std::system((std::string(bin) + " --version >/dev/null 2>&1").c_str()), 0);
  std::filesystem::remove_all(dir);
}

/// A temp directory for the emulator's stderr files, removed at the end.
struct ScratchDir {
  ScratchDir() {
    std::string name = (std::filesystem::temp_directory_path() / "loginid-emu-warn-XXXXXX").string();
    if (::mkdtemp(name.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = name;
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  [[nodiscard]] std::string path() const { return path_; }

 private:
  std::string path_;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Issue 17: plain http off loopback exposes everything sent; the emulator says so at start-up. A
// wildcard address names no host, so base_url names loopback (the SDK refuses http to 0.0.0.0).
TEST(EmulatorProcessTest, PlainHttpOnANonLoopbackAddressWarnsWhatIsExposed) {
  ScratchDir dir;
  const std::string err = dir.path() + "/stderr.log";
  EmulatorProcess::Options options;
  options.args = {"--host", "0.0.0.0", "--admin-token", "t0ken"};
  options.stderr_path = err;
  EmulatorProcess emulator(options);
  EXPECT_EQ(emulator.base_url().rfind("http://127.0.0.1:", 0), 0U) << emulator.base_url();
  EXPECT_EQ(emulator.credentials().at("base_url"), emulator.base_url());
  const std::string log = read_text(err);
  EXPECT_NE(log.find("warning: serving plain http on 0.0.0.0"), std::string::npos) << log;
  EXPECT_NE(log.find("service tokens, user tokens, codes, passwords, the admin token"), std::string::npos) << log;
  EXPECT_NE(log.find("--tls-self-signed"), std::string::npos) << "says what to do: " << log;
}

TEST(EmulatorProcessTest, NoPlainHttpWarningWithTlsOrOnLoopback) {
  ScratchDir dir;
  const std::string tls_err = dir.path() + "/tls.log";
  {
    EmulatorProcess::Options options;
    options.args = {"--host", "0.0.0.0", "--admin-token", "t0ken", "--tls-self-signed"};
    options.stderr_path = tls_err;
    EmulatorProcess emulator(options);
    EXPECT_EQ(emulator.base_url().rfind("https://127.0.0.1:", 0), 0U) << emulator.base_url();
    EXPECT_TRUE(emulator.credentials().contains("ca_bundle"));
  }
  EXPECT_EQ(read_text(tls_err).find("warning"), std::string::npos) << read_text(tls_err);
  const std::string loopback_err = dir.path() + "/loopback.log";
  {
    EmulatorProcess::Options options;
    options.stderr_path = loopback_err;
    EmulatorProcess emulator(options);
    EXPECT_EQ(emulator.base_url().rfind("http://127.0.0.1:", 0), 0U) << emulator.base_url();
  }
  EXPECT_EQ(read_text(loopback_err).find("warning"), std::string::npos) << read_text(loopback_err);
}

}  // namespace
}  // namespace loginid::testing
