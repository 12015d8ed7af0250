// The man page and completion scripts `loginid` renders from its own command tree
// (src/command_docs): every command and option of --help is in them, and the roff is well formed.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "cli/app.hpp"

namespace {

struct Run {
  int exit = 0;
  std::string out;
  std::string err;
};

Run run_cli(std::vector<const char*> args) {
  args.insert(args.begin(), "loginid");
  std::ostringstream out, err;
  Run r;
  r.exit = loginid::cli::run(static_cast<int>(args.size()), args.data(), out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

/// The names listed under "Subcommands:" in a --help text.
std::vector<std::string> subcommands_in_help(const std::string& help) {
  std::vector<std::string> names;
  std::istringstream lines(help);
  std::string line;
  bool in_list = false;
  while (std::getline(lines, line)) {
    if (line == "Subcommands:") {
      in_list = true;
    } else if (in_list && line.starts_with("  ")) {
      names.push_back(line.substr(2, line.find(' ', 2) - 2));
    } else if (in_list) {
      break;
    }
  }
  return names;
}

/// A name as roff shows it: hyphens as \- (minus signs).
std::string roff(std::string name) {
  for (auto pos = name.find('-'); pos != std::string::npos; pos = name.find('-', pos + 2)) name.replace(pos, 1, "\\-");
  return name;
}

TEST(CommandDocs, ManPageHasEveryCommandOfHelpDownTheTree) {
  const auto page = run_cli({"--man-page"});
  ASSERT_EQ(page.exit, 0) << page.err;
  EXPECT_TRUE(page.out.find(".TH LOGINID 1 ") != std::string::npos) << page.out.substr(0, 200);
  EXPECT_TRUE(page.out.find(".SH NAME\nloginid \\- ") != std::string::npos);
  const auto top = subcommands_in_help(run_cli({"--help"}).out);
  ASSERT_GT(top.size(), 5u);
  for (const auto& group : top) {
    EXPECT_TRUE(page.out.find(".SS \"loginid " + roff(group) + "\"") != std::string::npos) << group;
    for (const auto& sub : subcommands_in_help(run_cli({group.c_str(), "--help"}).out)) {
      EXPECT_TRUE(page.out.find(".SS \"loginid " + roff(group) + " " + roff(sub) + "\"") != std::string::npos)
          << group << " " << sub;
    }
  }
}

TEST(CommandDocs, ManPageEscapesOptionsAndKeepsExamplesVerbatim) {
  const auto page = run_cli({"--man-page"}).out;
  EXPECT_TRUE(page.find("\\fB\\-\\-username\\fR") != std::string::npos);  // "--" as \-\- (copyable minus signs)
  EXPECT_TRUE(page.find(".nf\nloginid users get \\-\\-username alice@example.com\n") != std::string::npos);
  // No line may start with a plain '.' or '\'' unless it is a request the renderer wrote.
  std::istringstream lines(page);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || (line[0] != '.' && line[0] != '\'')) continue;
    EXPECT_TRUE(line.starts_with(".TH ") || line.starts_with(".SH ") || line.starts_with(".SS ") ||
                line == ".TP" || line == ".PP" || line == ".RS" || line == ".RE" || line == ".nf" ||
                line == ".fi" || line.starts_with(".BR ") || line.starts_with(".\\\""))
        << line;
  }
}

TEST(CommandDocs, CompletionOffersSubcommandsAndOptionsButNotTheHiddenRequests) {
  for (const char* shell : {"bash", "zsh"}) {
    const auto script = run_cli({"completion", shell});
    ASSERT_EQ(script.exit, 0) << script.err;
    EXPECT_TRUE(script.out.find("\"users\") echo \"get id create") != std::string::npos) << shell;
    EXPECT_TRUE(script.out.find("--emulator-credentials") != std::string::npos) << shell;
    EXPECT_EQ(script.out.find("--man-page"), std::string::npos) << shell;
  }
  EXPECT_EQ(run_cli({"--bash-completion"}).out, run_cli({"completion", "bash"}).out);
}

TEST(CommandDocs, TheBuildRequestsAreNotOptions) {
  // Only alone on the command line: anywhere else they are unknown options, as any typo would be.
  const auto mixed = run_cli({"users", "--man-page"});
  EXPECT_EQ(mixed.exit, 2);
  EXPECT_EQ(run_cli({"--help"}).out.find("man-page"), std::string::npos);
}

}  // namespace
