#include "command_docs/command_docs.hpp"

#include <algorithm>
#include <vector>

namespace loginid::command_docs {
namespace {

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

/// Long option names, without the hidden ones (empty group), as --help shows them.
std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_group().empty()) continue;
    for (const auto& n : opt->get_lnames()) names.push_back("--" + n);
  }
  return names;
}

/// One `case` arm per command path: "jwt verify") echo "<subcommands and options>";;
/// The root's options are offered everywhere by the completion function itself, so no arm repeats them.
void emit_cases(const CLI::App& app, const std::string& path, const std::vector<std::string>& root_options,
                std::string& out) {
  std::vector<std::string> words;
  for (const CLI::App* sub : app.get_subcommands({})) words.push_back(sub->get_name());
  for (auto& o : option_names(app)) {
    if (std::find(root_options.begin(), root_options.end(), o) == root_options.end()) words.push_back(o);
  }
  out += "    \"" + path + "\") echo \"" + join(words) + "\";;\n";
  for (const CLI::App* sub : app.get_subcommands({})) {
    emit_cases(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), root_options, out);
  }
}

/// "loginid-emulator" -> "_loginid_emulator": a valid shell function name.
std::string function_name(const std::string& program) {
  std::string name = "_" + program;
  for (char& c : name) {
    if (c == '-' || c == '.') c = '_';
  }
  return name;
}

}  // namespace

std::string bash_completion(const CLI::App& root, const std::string& program) {
  const std::string fn = function_name(program);
  const auto root_options = option_names(root);
  std::string cases;
  emit_cases(root, "", root_options, cases);
  return "# bash completion for " + program + " (generated from its command definitions)\n" +
         fn + "_words() {\n"
         "  case \"$1\" in\n" +
         cases +
         "    *) echo \"\";;\n"
         "  esac\n"
         "}\n" +
         fn + "() {\n"
         "  local cur path word i children\n"
         "  cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
         "  path=\"\"\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    word=\"${COMP_WORDS[i]}\"\n"
         "    children=\" $(" + fn + "_words \"$path\") \"\n"
         "    case \"$word\" in -*) continue;; esac\n"
         "    if [[ \"$children\" == *\" $word \"* ]]; then path=\"${path:+$path }$word\"; fi\n"
         "  done\n"
         "  COMPREPLY=($(compgen -W \"$(" + fn + "_words \"$path\") " +
         join(root_options) +
         "\" -- \"$cur\"))\n"
         "}\n"
         "complete -o default -F " + fn + " " + program + "\n";
}

std::string zsh_completion(const CLI::App& root, const std::string& program) {
  return "#compdef " + program + "\n"
         "# zsh completion for " + program + " (generated from its command definitions); uses zsh's bash completion layer.\n"
         "autoload -U +X bashcompinit && bashcompinit\n" +
         bash_completion(root, program);
}

}  // namespace loginid::command_docs
