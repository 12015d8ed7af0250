// One emulator per port and per database (issue 14): a second emulator on a port in use, on a
// database in use or on a credentials file in use refuses to start with an error naming the port or
// the holder, and leaves the first one's credentials file as it was.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "integration/emulator/emulator_client.hpp"
#include "integration/emulator/emulator_process.hpp"

namespace loginid::testing {
namespace {

namespace fs = std::filesystem;

struct Exit {
  int code = -1;
  std::string err;
};

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A temp directory removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "loginid-emu-instance-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

/// Runs the emulator to its exit (a hang guard of 20 s: an emulator that starts anyway is killed
/// and reported as exit 124) and returns its exit code and stderr.
Exit run_emulator(const std::vector<std::string>& args, const fs::path& dir) {
  const char* bin = std::getenv("LOGINID_EMULATOR_BIN");
  if (bin == nullptr) throw std::runtime_error("LOGINID_EMULATOR_BIN is not set");
  std::string command = "timeout 20 '" + std::string(bin) + "' --log-level error";
  for (const auto& a : args) command += " '" + a + "'";
  const fs::path err = dir / "second.stderr";
  command += " >/dev/null 2>'" + err.string() + "'";
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text(err)};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(EmulatorInstanceTest, APortInUseIsAStartUpErrorNamingThePort) {
  EmulatorProcess first;
  const TempDir dir;
  const std::string port = std::to_string(first.port());
  const Exit second = run_emulator({"--port", port, "--db", (dir.path / "other.db").string()}, dir.path);
  EXPECT_EQ(second.code, 1) << second.err;
  EXPECT_TRUE(contains(second.err, "port " + port + " on 127.0.0.1 is already in use")) << second.err;
  EXPECT_TRUE(contains(second.err, "--port")) << "it says how to pick another: " << second.err;
  EXPECT_FALSE(fs::exists(dir.path / "other.db")) << "refused before the database is created";
  EXPECT_FALSE(fs::exists(dir.path / "other.credentials.json")) << "no credentials file for a server that never ran";
  EXPECT_FALSE(fs::exists(dir.path / "other.db.lock")) << "its lock files are gone with it";
  // The first one still serves every request (with SO_REUSEPORT the kernel would have split them).
  EmulatorClient client(first);
  EXPECT_EQ(client.send("GET", "/emulator/health").status, 200);
}

TEST(EmulatorInstanceTest, OneDatabaseOneEmulator) {
  const TempDir dir;
  const std::string db = (dir.path / "shared.db").string();
  const fs::path credentials = dir.path / "shared.credentials.json";
  {
    EmulatorProcess first({{}, db, dir.path.string()});
    const std::string before = read_text(credentials);
    ASSERT_FALSE(before.empty());
    const Exit second = run_emulator({"--port", "0", "--db", db}, dir.path);
    EXPECT_EQ(second.code, 1) << second.err;
    EXPECT_TRUE(contains(second.err, "database " + db + " is in use by another loginid-emulator (pid " +
                                         std::to_string(first.pid()) + ", listening on " + first.base_url() + ")"))
        << second.err;
    EXPECT_TRUE(contains(second.err, "--db")) << second.err;
    EXPECT_EQ(read_text(credentials), before) << "the first emulator's credentials file must stay as it was";
    // The CLI and SDK still reach the first one through that file.
    EXPECT_EQ(nlohmann::json::parse(read_text(credentials)).at("base_url"), first.base_url());
    EXPECT_EQ(first.stop(SIGTERM), 0);
  }
  EXPECT_FALSE(fs::exists(db + ".lock")) << "a clean exit removes its lock file";
  // Once the first is gone, the database is free again.
  EmulatorProcess again({{}, db, dir.path.string()});
  EXPECT_EQ(again.credentials().at("base_url"), again.base_url());
}

TEST(EmulatorInstanceTest, ALockLeftByAKilledEmulatorDoesNotBlockTheNextOne) {
  const TempDir dir;
  const std::string db = (dir.path / "crash.db").string();
  {
    EmulatorProcess first({{}, db, dir.path.string()});
    first.stop(SIGKILL);
  }
  EXPECT_TRUE(fs::exists(db + ".lock")) << "SIGKILL leaves the file behind; the kernel released the lock itself";
  EmulatorProcess again({{}, db, dir.path.string()});
  EmulatorClient client(again);
  EXPECT_EQ(client.send("GET", "/emulator/health").status, 200);
}

TEST(EmulatorInstanceTest, OneCredentialsFileOneEmulator) {
  const TempDir dir;
  EmulatorProcess first({{}, (dir.path / "first.db").string(), dir.path.string()});
  const std::string before = read_text(first.credentials_path());
  // Another database (here a throwaway one) but the first one's credentials file.
  const Exit second = run_emulator({"--port", "0", "--db", ":memory:", "--credentials-out", first.credentials_path()},
                                   dir.path);
  EXPECT_EQ(second.code, 1) << second.err;
  EXPECT_TRUE(contains(second.err, "credentials file " + first.credentials_path() +
                                       " is in use by another loginid-emulator (pid " + std::to_string(first.pid())))
      << second.err;
  EXPECT_TRUE(contains(second.err, "--credentials-out")) << second.err;
  EXPECT_EQ(read_text(first.credentials_path()), before);
}

}  // namespace
}  // namespace loginid::testing
