// The CLI over https against an emulator serving TLS (issue 17): `--emulator` finds the emulator's
// CA in its credentials file by itself (and `config show` says so); a CA bundle that does not hold
// the emulator's CA fails at once, exit 3, with tls_failed naming the problem and what to do.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/cli/process.hpp"
#include "support/test_pki.hpp"

namespace loginid::test {
namespace {

using Json = nlohmann::json;

class HttpsCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { emulator_ = new Emulator({"--tls-self-signed"}); }
  static void TearDownTestSuite() {
    delete emulator_;
    emulator_ = nullptr;
  }

  RunResult run(const std::vector<std::string>& args) {
    std::vector<std::string> all{"--emulator", "--emulator-credentials", emulator_->credentials_file().string()};
    all.insert(all.end(), args.begin(), args.end());
    return cli.run(all);
  }

  Cli cli;
  static inline Emulator* emulator_ = nullptr;
};

TEST_F(HttpsCli, EmulatorPicksUpTheEmulatorsCaByItself) {
  ASSERT_EQ(emulator_->base_url().rfind("https://127.0.0.1:", 0), 0U) << emulator_->base_url();
  const Json credentials = Json::parse(read_text(emulator_->credentials_file()));
  ASSERT_TRUE(credentials.contains("ca_bundle")) << credentials.dump();

  const auto created = run({"users", "create", "--username", "https-cli@example.com"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(Json::parse(created.out).at("username"), "https-cli@example.com");

  const auto shown = run({"config", "show"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  const Json config = Json::parse(shown.out);
  EXPECT_EQ(config.at("ca_bundle").at("value"), credentials.at("ca_bundle"));
  EXPECT_EQ(config.at("ca_bundle").at("source"), "emulator credentials " + emulator_->credentials_file().string());
  EXPECT_EQ(config.at("base_url").at("value"), emulator_->base_url());
}

TEST_F(HttpsCli, AnotherCaFailsAtOnceWithTlsFailedAndWhatToDo) {
  TempDir dir;
  const TestCa other("a CA the emulator never used");
  write_text(dir / "other-ca.pem", other.cert_pem(), 0644);
  cli.env["LOGINID_CA_BUNDLE"] = (dir / "other-ca.pem").string();
  const auto r = run({"users", "get", "--username", "nobody@example.com"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.err.rfind("error: tls_failed: ", 0), 0U) << r.err;
  EXPECT_NE(r.err.find("signed by an unknown CA"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--ca-bundle"), std::string::npos) << "says what to do: " << r.err;
  EXPECT_NE(r.err.find("(after 1 attempt(s))"), std::string::npos) << "never retried: " << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

}  // namespace
}  // namespace loginid::test
