#pragma once
// The fixture of the CLI tests that talk to a service: one real loginid-emulator per test suite (a
// binary's fixtures run one after another, so they take turns with it), and the CLI run against it
// with `--emulator --emulator-credentials FILE`.

#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/cli/process.hpp"

namespace loginid::test {

class EmulatorCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { emulator_ = new Emulator(); }
  static void TearDownTestSuite() {
    delete emulator_;
    emulator_ = nullptr;
  }

  Cli cli;

  /// `loginid --emulator --emulator-credentials FILE [--emulator-app APP] args...`
  RunResult run(const std::vector<std::string>& args, const std::string& input = {}, const std::string& app = {}) {
    std::vector<std::string> all{"--emulator", "--emulator-credentials", emulator_->credentials_file().string()};
    if (!app.empty()) all.insert(all.end(), {"--emulator-app", app});
    all.insert(all.end(), args.begin(), args.end());
    return cli.run(all, input);
  }
  /// Runs, expects exit 0 and one JSON document on stdout.
  nlohmann::json run_json(const std::vector<std::string>& args, const std::string& input = {},
                          const std::string& app = {}) {
    const auto r = run(args, input, app);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const nlohmann::json doc = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << "not JSON: " << r.out;
    return doc;
  }

  /// Exit 1 with one stderr line `error: <code>: <message> (request id ...)` and nothing on stdout.
  static void expect_service_error(const RunResult& r, const std::string& code) {
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(r.err.rfind("error: " + code + ": ", 0), 0u) << r.err;
    EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(\(request id [^)]+\)\n$)"))) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }

  static inline Emulator* emulator_ = nullptr;
};

}  // namespace loginid::test
