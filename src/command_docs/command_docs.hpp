#pragma once
// Documents rendered from a CLI11 command tree: the man page (man(7) roff) and shell completion
// scripts. `loginid` and `loginid-emulator` render theirs from the very CLI::App their --help is
// printed from, and the build writes the installed files by running the built programs
// (packaging/CMakeLists.txt), so neither can drift from --help. Depends on CLI11 only: both
// programs link it, and it knows neither the SDK nor the emulator.

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace loginid::command_docs {

/// What the documents need beyond the command tree.
struct ProgramInfo {
  std::string program;                ///< the command name, e.g. "loginid"
  std::string version;                ///< printed in the man page's footer, e.g. "1.0.0"
  std::vector<std::string> see_also;  ///< other pages, e.g. "loginid-emulator(1)"
};

/// The man page of `app` (section 1): NAME and DESCRIPTION from the app's description, SYNOPSIS,
/// OPTIONS, one COMMANDS subsection per subcommand (recursively, with its options and footer) and
/// the root footer under NOTES. Hidden options (empty group) are left out, as --help leaves them out.
std::string man_page(const CLI::App& app, const ProgramInfo& info);

/// A bash completion script (completes subcommands and options along the path typed so far; root
/// options everywhere, since the programs accept them after a subcommand too).
std::string bash_completion(const CLI::App& app, const std::string& program);

/// The same for zsh, through zsh's bash completion layer (a `#compdef` file for $fpath).
std::string zsh_completion(const CLI::App& app, const std::string& program);

/// The build's requests, `PROGRAM --man-page`, `PROGRAM --bash-completion` and
/// `PROGRAM --zsh-completion` (alone on the command line): the document, or nullopt for any other
/// command line. Checked before parsing, so they appear neither in --help nor in completions.
std::optional<std::string> requested_document(const CLI::App& app, const ProgramInfo& info, int argc,
                                              const char* const* argv);

}  // namespace loginid::command_docs
