// Configuration resolution (issue 5, "Configuration"): flags > environment > config file >
// emulator credentials, with sources reported and the key never held where it can leak.

#include "cli/config.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "cli/cli_error.hpp"

namespace loginid::cli {
namespace {

namespace fs = std::filesystem;

class ConfigResolution : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "loginid-cli-config-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    vars_["HOME"] = dir_.string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& text, unsigned mode = 0600) {
    const fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    ::chmod(p.c_str(), mode);
    return p;
  }
  [[nodiscard]] EnvLookup env() const {
    auto copy = vars_;
    return [copy](const std::string& name) -> std::optional<std::string> {
      auto it = copy.find(name);
      return it == copy.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
  }
  fs::path write_credentials() {
    return write("creds.json",
                 R"({"base_url":"http://127.0.0.1:7000","web":{"client_id":"web-id","private_key":"WEB-PEM"},)"
                 R"("management":{"client_id":"mgmt-id","private_key":"MGMT-PEM"}})");
  }

  fs::path dir_;
  std::map<std::string, std::string> vars_;
};

TEST_F(ConfigResolution, NothingConfiguredMeansUnset) {
  const auto c = resolve_config({}, env());
  EXPECT_FALSE(c.client_id);
  EXPECT_FALSE(c.base_url);
  EXPECT_FALSE(c.private_key);
  EXPECT_FALSE(c.config_file);
  std::vector<std::string> warnings;
  EXPECT_THROW(load_private_key(c, warnings), CliError);
}

TEST_F(ConfigResolution, EachLevelBeatsTheOnesBelow) {
  write(".loginid/config", "client_id = file-id\nbase_url = https://file.example\nprivate_key_file = key.pem\n");
  const auto creds = write_credentials();
  ConfigFlags flags;
  flags.emulator = true;
  flags.emulator_credentials = creds.string();

  // Level 4 alone: emulator credentials (management app by default).
  {
    vars_["HOME"] = (dir_ / "nowhere").string();
    const auto c = resolve_config(flags, env());
    EXPECT_EQ(c.client_id->value, "mgmt-id");
    EXPECT_EQ(c.client_id->source, "emulator credentials " + creds.string());
    EXPECT_EQ(c.base_url->value, "http://127.0.0.1:7000");
    std::vector<std::string> warnings;
    EXPECT_EQ(load_private_key(c, warnings).view(), "MGMT-PEM");
    vars_["HOME"] = dir_.string();
  }
  // Level 3: the config file beats the credentials.
  auto c = resolve_config(flags, env());
  EXPECT_EQ(c.client_id->value, "file-id");
  EXPECT_EQ(c.base_url->value, "https://file.example");
  EXPECT_EQ(*c.private_key->file, (dir_ / ".loginid" / "key.pem").string()) << "relative to the config file";
  EXPECT_EQ(c.client_id->source, "config " + (dir_ / ".loginid" / "config").string() + " [default]");
  // Level 2: the environment beats the file.
  vars_["LOGINID_CLIENT_ID"] = "env-id";
  vars_["LOGINID_BASE_URL"] = "https://env.example";
  vars_["LOGINID_PRIVATE_KEY_FILE"] = "/env/key.pem";
  c = resolve_config(flags, env());
  EXPECT_EQ(c.client_id->value, "env-id");
  EXPECT_EQ(c.client_id->source, "env LOGINID_CLIENT_ID");
  EXPECT_EQ(c.base_url->value, "https://env.example");
  EXPECT_EQ(*c.private_key->file, "/env/key.pem");
  // Level 1: flags beat everything.
  flags.client_id = "flag-id";
  flags.base_url = "https://flag.example";
  flags.private_key_file = "/flag/key.pem";
  c = resolve_config(flags, env());
  EXPECT_EQ(c.client_id->value, "flag-id");
  EXPECT_EQ(c.client_id->source, "flag --client-id");
  EXPECT_EQ(c.base_url->value, "https://flag.example");
  EXPECT_EQ(*c.private_key->file, "/flag/key.pem");
  EXPECT_EQ(c.private_key->redacted(), "<set from FILE>");
}

TEST_F(ConfigResolution, InlineKeyFromEnvironmentIsReportedAsEnv) {
  vars_["LOGINID_PRIVATE_KEY"] = "-----BEGIN PRIVATE KEY-----\\nABC\\n-----END PRIVATE KEY-----\\n";
  vars_["LOGINID_PRIVATE_KEY_FILE"] = "/ignored.pem";
  const auto c = resolve_config({}, env());
  ASSERT_TRUE(c.private_key);
  EXPECT_EQ(c.private_key->redacted(), "<set from ENV>");
  EXPECT_EQ(c.private_key->source, "env LOGINID_PRIVATE_KEY");
  EXPECT_EQ(c.private_key->source.find("ABC"), std::string::npos);
  std::vector<std::string> warnings;
  EXPECT_EQ(load_private_key(c, warnings).view(), "-----BEGIN PRIVATE KEY-----\nABC\n-----END PRIVATE KEY-----\n")
      << "escaped newlines of a one-line .env value become real ones";
  ASSERT_EQ(c.warnings.size(), 1u) << "both key variables set";
  EXPECT_NE(c.warnings[0].find("LOGINID_PRIVATE_KEY_FILE"), std::string::npos);
}

TEST_F(ConfigResolution, EmulatorHostIsAnEnvironmentLevelBaseUrl) {
  write(".loginid/config", "base_url = https://file.example\n");
  vars_["LOGINID_EMULATOR_HOST"] = "127.0.0.1:8080";
  auto c = resolve_config({}, env());
  EXPECT_EQ(c.base_url->value, "http://127.0.0.1:8080");
  EXPECT_EQ(c.base_url->source, "env LOGINID_EMULATOR_HOST");
  vars_["LOGINID_BASE_URL"] = "https://env.example";
  c = resolve_config({}, env());
  EXPECT_EQ(c.base_url->value, "https://env.example") << "an explicit base URL beats the emulator switch";
}

/// The message of the CliError that `call` throws ("" when it throws none).
template <typename Call>
std::string usage_error(Call&& call) {
  try {
    call();
  } catch (const CliError& e) {
    EXPECT_EQ(e.exit(), Exit::usage);
    return e.what();
  }
  ADD_FAILURE() << "no CliError";
  return {};
}

TEST_F(ConfigResolution, EmulatorHostWithASchemeNamesTheVariableAndTheScheme) {
  vars_["LOGINID_EMULATOR_HOST"] = "ftp://127.0.0.1:1234";
  const std::string scheme = usage_error([&] { (void)resolve_config({}, env()); });
  EXPECT_NE(scheme.find("LOGINID_EMULATOR_HOST='ftp://127.0.0.1:1234'"), std::string::npos) << scheme;
  EXPECT_NE(scheme.find("want host:port, or https://host:port"), std::string::npos) << scheme;
  EXPECT_NE(scheme.find("LOGINID_EMULATOR_HOST=127.0.0.1:1234"), std::string::npos) << "the fix, spelled out: " << scheme;
  EXPECT_EQ(scheme.find("port must be a number"), std::string::npos) << scheme;

  vars_["LOGINID_EMULATOR_HOST"] = "127.0.0.1";
  const std::string no_port = usage_error([&] { (void)resolve_config({}, env()); });
  EXPECT_NE(no_port.find("LOGINID_EMULATOR_HOST='127.0.0.1': want host:port (the port is missing)"), std::string::npos)
      << no_port;

  // Beaten by an explicit base URL, the variable is not used, so it is not judged.
  vars_["LOGINID_BASE_URL"] = "https://env.example";
  EXPECT_EQ(resolve_config({}, env()).base_url->value, "https://env.example");
}

TEST_F(ConfigResolution, AMissingEmulatorCredentialsFileIsNamedWithTheWaysToPointAtAnother) {
  ConfigFlags flags;
  flags.emulator = true;
  const std::string by_default = usage_error([&] { (void)resolve_config(flags, env()); });
  EXPECT_NE(by_default.find("no emulator credentials file ./loginid-emulator.credentials.json (the default)"),
            std::string::npos)
      << by_default;
  EXPECT_NE(by_default.find("--emulator-credentials FILE"), std::string::npos) << by_default;
  EXPECT_NE(by_default.find("LOGINID_EMULATOR_CREDENTIALS"), std::string::npos) << by_default;

  vars_["LOGINID_EMULATOR_CREDENTIALS"] = (dir_ / "gone.json").string();
  const std::string from_env = usage_error([&] { (void)resolve_config(flags, env()); });
  EXPECT_NE(from_env.find((dir_ / "gone.json").string() + " (from LOGINID_EMULATOR_CREDENTIALS)"), std::string::npos)
      << from_env;
}

TEST_F(ConfigResolution, SaysWhenSomethingBeatsTheEmulatorsCredentials) {
  ConfigFlags flags;
  flags.emulator = true;
  flags.emulator_credentials = write_credentials().string();
  EXPECT_TRUE(resolve_config(flags, env()).warnings.empty()) << "nothing beats them: nothing to say";

  vars_["LOGINID_CLIENT_ID"] = "stray-id";
  const auto c = resolve_config(flags, env());
  EXPECT_EQ(c.client_id->value, "stray-id") << "the documented order stands";
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("client id from env LOGINID_CLIENT_ID, not the one in " + *flags.emulator_credentials),
            std::string::npos)
      << c.warnings[0];

  vars_.erase("LOGINID_CLIENT_ID");
  vars_["LOGINID_PRIVATE_KEY_FILE"] = (dir_ / "other.pem").string();
  const auto k = resolve_config(flags, env());
  ASSERT_EQ(k.warnings.size(), 1u);
  EXPECT_NE(k.warnings[0].find("private key from env LOGINID_PRIVATE_KEY_FILE"), std::string::npos) << k.warnings[0];

  // A flag on the same command line was meant: no warning for it.
  vars_.erase("LOGINID_PRIVATE_KEY_FILE");
  flags.client_id = "flag-id";
  flags.base_url = "http://127.0.0.1:9";
  EXPECT_TRUE(resolve_config(flags, env()).warnings.empty());
}

TEST_F(ConfigResolution, EmulatorHostWithHttpOrHttpsKeepsItsScheme) {
  vars_["LOGINID_EMULATOR_HOST"] = "https://localhost:8443";
  EXPECT_EQ(resolve_config({}, env()).base_url->value, "https://localhost:8443");
  vars_["LOGINID_EMULATOR_HOST"] = "http://127.0.0.1:1234";
  EXPECT_EQ(resolve_config({}, env()).base_url->value, "http://127.0.0.1:1234");
}

// ca_bundle: --ca-bundle > LOGINID_CA_BUNDLE > LOGINID_EMULATOR_CA (with the emulator switch) >
// the config file (relative to its folder) > the emulator's credentials file (with --emulator).
TEST_F(ConfigResolution, CaBundleFollowsTheUsualPrecedence) {
  EXPECT_FALSE(resolve_config({}, env()).ca_bundle) << "unset: the system's CA store";
  write("creds.json",
        R"({"base_url":"https://127.0.0.1:7443","ca_bundle":"emulator-ca.pem",)"
        R"("management":{"client_id":"mgmt-id","private_key":"MGMT-PEM"}})");
  ConfigFlags flags;
  flags.emulator = true;
  flags.emulator_credentials = (dir_ / "creds.json").string();
  auto c = resolve_config(flags, env());
  EXPECT_EQ(c.ca_bundle->value, (dir_ / "emulator-ca.pem").string()) << "relative to the credentials file";
  EXPECT_EQ(c.ca_bundle->source, "emulator credentials " + (dir_ / "creds.json").string());
  EXPECT_EQ(c.base_url->value, "https://127.0.0.1:7443");

  // The emulator's CA is never trusted for another service's URL.
  flags.base_url = "https://directweb.example";
  EXPECT_FALSE(resolve_config(flags, env()).ca_bundle) << "--base-url beats the credentials' URL: not its CA";
  flags.base_url.reset();

  write(".loginid/config", "ca_bundle = corp/ca.pem\n[prod]\nca_bundle = /etc/prod-ca.pem\n");
  c = resolve_config(flags, env());
  EXPECT_EQ(c.ca_bundle->value, (dir_ / ".loginid" / "corp" / "ca.pem").string()) << "relative to the config file";
  flags.profile = "prod";
  EXPECT_EQ(resolve_config(flags, env()).ca_bundle->value, "/etc/prod-ca.pem");
  flags.profile.reset();

  vars_["LOGINID_EMULATOR_CA"] = "/tmp/emulator-ca.pem";
  EXPECT_NE(resolve_config(flags, env()).ca_bundle->source, "env LOGINID_EMULATOR_CA") << "only with the switch";
  vars_["LOGINID_EMULATOR_HOST"] = "https://127.0.0.1:7443";
  c = resolve_config(flags, env());
  EXPECT_EQ(c.ca_bundle->value, "/tmp/emulator-ca.pem");
  EXPECT_EQ(c.ca_bundle->source, "env LOGINID_EMULATOR_CA");

  vars_["LOGINID_CA_BUNDLE"] = "/etc/env-ca.pem";
  c = resolve_config(flags, env());
  EXPECT_EQ(c.ca_bundle->value, "/etc/env-ca.pem");
  EXPECT_EQ(c.ca_bundle->source, "env LOGINID_CA_BUNDLE");

  flags.ca_bundle = "/etc/flag-ca.pem";
  c = resolve_config(flags, env());
  EXPECT_EQ(c.ca_bundle->value, "/etc/flag-ca.pem");
  EXPECT_EQ(c.ca_bundle->source, "flag --ca-bundle");
}

TEST_F(ConfigResolution, ProfilesSelectASectionOverTheGlobalKeys) {
  write(".loginid/config",
        "# comment\nclient_id = global-id\nbase_url = https://global.example\n\n[default]\nclient_id = default-id\n"
        "[prod]\n; another comment\nclient_id = prod-id\n");
  auto c = resolve_config({}, env());
  EXPECT_EQ(c.client_id->value, "default-id");
  EXPECT_EQ(c.profile, "default");
  ConfigFlags flags;
  flags.profile = "prod";
  c = resolve_config(flags, env());
  EXPECT_EQ(c.client_id->value, "prod-id");
  EXPECT_EQ(c.base_url->value, "https://global.example") << "keys before any section apply to every profile";
  EXPECT_NE(c.client_id->source.find("[prod]"), std::string::npos);
  flags.profile = "staging";
  EXPECT_THROW(resolve_config(flags, env()), CliError);
}

TEST_F(ConfigResolution, LoginidConfigNamesTheFileAndMustExist) {
  const auto other = write("elsewhere.conf", "client_id = other-id\n");
  vars_["LOGINID_CONFIG"] = other.string();
  EXPECT_EQ(resolve_config({}, env()).client_id->value, "other-id");
  vars_["LOGINID_CONFIG"] = (dir_ / "absent.conf").string();
  try {
    (void)resolve_config({}, env());
    FAIL() << "a missing $LOGINID_CONFIG must be an error";
  } catch (const CliError& e) {
    EXPECT_EQ(e.exit(), Exit::usage);
    EXPECT_NE(std::string(e.what()).find("absent.conf"), std::string::npos);
  }
}

TEST_F(ConfigResolution, MalformedLinesNameFileAndLine) {
  EXPECT_THROW(parse_config_file("client_id\n", "default", "f"), CliError);
  try {
    (void)parse_config_file("client_id = a\n\nunknown_key = b\n", "default", "cfg");
    FAIL();
  } catch (const CliError& e) {
    EXPECT_NE(std::string(e.what()).find("cfg:3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("unknown_key"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_config_file("[unterminated\n", "default", "f"), CliError);
  EXPECT_THROW(parse_config_file("[]\n", "default", "f"), CliError);
  const auto v = parse_config_file("  client_id   =   spaced  \r\n", "default", "f");
  EXPECT_EQ(*v.client_id, "spaced");
}

TEST_F(ConfigResolution, GroupReadableConfigAndKeyFilesDrawWarnings) {
  write(".loginid/config", "client_id = a\nprivate_key_file = key.pem\n", 0644);
  write(".loginid/key.pem", "SECRETCONTENT", 0640);
  const auto c = resolve_config({}, env());
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("config file"), std::string::npos);
  EXPECT_NE(c.warnings[0].find("0644"), std::string::npos);
  std::vector<std::string> warnings;
  EXPECT_EQ(load_private_key(c, warnings).view(), "SECRETCONTENT");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("private key file"), std::string::npos);
  EXPECT_EQ(warnings[0].find("SECRETCONTENT"), std::string::npos) << "never the content";

  write(".loginid/config", "client_id = a\n", 0600);
  EXPECT_TRUE(resolve_config({}, env()).warnings.empty());
}

TEST_F(ConfigResolution, EmulatorCredentialsOnlyWithTheEmulatorFlag) {
  const auto creds = write_credentials();
  vars_["LOGINID_EMULATOR_CREDENTIALS"] = creds.string();
  EXPECT_FALSE(resolve_config({}, env()).client_id) << "not used without --emulator";
  ConfigFlags flags;
  flags.emulator = true;
  EXPECT_EQ(resolve_config(flags, env()).client_id->value, "mgmt-id") << "path from LOGINID_EMULATOR_CREDENTIALS";
  flags.emulator_app = "web";
  auto c = resolve_config(flags, env());
  EXPECT_EQ(c.client_id->value, "web-id");
  std::vector<std::string> warnings;
  EXPECT_EQ(load_private_key(c, warnings).view(), "WEB-PEM");
  EXPECT_EQ(c.private_key->redacted(), "<set from FILE>");
  EXPECT_EQ(c.private_key->source.find("WEB-PEM"), std::string::npos);

  flags.emulator_credentials = (dir_ / "missing.json").string();
  EXPECT_THROW(resolve_config(flags, env()), CliError);
  flags.emulator_credentials = write("bad.json", "[1,2]").string();
  EXPECT_THROW(resolve_config(flags, env()), CliError);
  flags.emulator_credentials = write("nokey.json", R"({"web":{"client_id":5}})").string();
  EXPECT_THROW(resolve_config(flags, env()), CliError);
}

}  // namespace
}  // namespace loginid::cli
