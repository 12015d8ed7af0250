#pragma once
// The CLI's exit codes and the one exception type that carries them up to main().

#include <stdexcept>
#include <string>

namespace loginid::cli {

/// Exit codes (docs/cli.md): scripts branch on these, so they never change meaning.
enum class Exit : int {
  ok = 0,
  refused = 1,      ///< the service refused, or a token is invalid
  usage = 2,        ///< bad arguments, unreadable file, bad key, configuration problem
  unreachable = 3,  ///< the service could not be reached
};

/// A failure that ends the command: main() prints what() on stderr (one line) and exits with exit().
/// The message never holds key material or a full token.
class CliError : public std::runtime_error {
 public:
  CliError(Exit exit, const std::string& message) : std::runtime_error(message), exit_(exit) {}
  [[nodiscard]] Exit exit() const noexcept { return exit_; }

 private:
  Exit exit_;
};

[[noreturn]] inline void fail_usage(const std::string& message) { throw CliError(Exit::usage, "error: " + message); }

}  // namespace loginid::cli
