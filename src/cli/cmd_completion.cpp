// `loginid completion bash|zsh`: a completion script generated from the command tree itself
// (src/command_docs), so it can never list a command that does not exist.

#include <memory>
#include <ostream>

#include "cli/app.hpp"
#include "cli/cli_error.hpp"
#include "command_docs/command_docs.hpp"

namespace loginid::cli {

void add_completion_command(CLI::App& root, Commands& commands) {
  auto shell = std::make_shared<std::string>();
  auto* cmd = root.add_subcommand("completion", "Print a shell completion script for bash or zsh");
  cmd->add_option("shell", *shell, "bash or zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));
  cmd->footer(examples({"source <(loginid completion bash)", "loginid completion zsh > \"${fpath[1]}/_loginid\""}));
  const CLI::App* root_ptr = &root;
  commands.on(cmd, [shell, root_ptr](Context& ctx) {
    *ctx.out << (*shell == "zsh" ? command_docs::zsh_completion(*root_ptr, "loginid")
                                 : command_docs::bash_completion(*root_ptr, "loginid"));
    ctx.out->flush();
  });
}

}  // namespace loginid::cli
