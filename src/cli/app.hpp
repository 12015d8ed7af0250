#pragma once
// The command tree: global options, the registry that maps each leaf command to its action, and
// run(), which parses, runs the chosen command and turns every failure into an exit code.

#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/config.hpp"
#include "cli/output.hpp"
#include "loginid/error.hpp"

namespace loginid::cli {

/// What every command can use: the global flags and the output streams.
struct Context {
  ConfigFlags config_flags;
  std::string format_name = "json";
  EnvLookup env = process_env();
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;

  /// The base URL of the last resolve() (inner nullopt: the SDK's default), for the message of an
  /// unreachable service.
  mutable std::optional<std::optional<Setting>> base_url_used;

  [[nodiscard]] Format format() const { return format_name == "text" ? Format::text : Format::json; }
  /// Prints each warning on its own stderr line.
  void warn(const std::vector<std::string>& warnings) const;
  /// Resolves the configuration from the flags and environment, printing its warnings.
  [[nodiscard]] ResolvedConfig resolve() const;
};

/// Leaf commands and what they do; the action runs after parsing succeeds.
class Commands {
 public:
  using Action = std::function<void(Context&)>;
  void on(CLI::App* command, Action action) { actions_[command] = std::move(action); }
  /// The action of the deepest parsed subcommand, or nullptr.
  [[nodiscard]] const Action* selected(const CLI::App& root) const;

 private:
  std::map<const CLI::App*, Action> actions_;
};

/// "Example:\n  <line>\n..." for a command's help footer.
std::string examples(std::initializer_list<const char*> lines);

void add_keygen_command(CLI::App& root, Commands& commands);
void add_jwt_commands(CLI::App& root, Commands& commands);
void add_config_commands(CLI::App& root, Commands& commands);
void add_service_commands(CLI::App& root, Commands& commands);
void add_completion_command(CLI::App& root, Commands& commands);

/// The code a script sees after "error: " for a call that got no usable answer (exit 3; docs/cli.md):
/// connection_failed, timeout, tls_failed, response_too_large (the answer was over the SDK's bounds) or
/// not_sent (the SDK refused to send it, e.g. this process is out of open files).
std::string transport_error_code(TransportError::Reason reason);

/// The CLI's main(): returns the process exit code (cli_error.hpp). Never throws.
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace loginid::cli
