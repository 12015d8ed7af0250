#include "command_docs/command_docs.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <string_view>

namespace loginid::command_docs {
namespace {

/// Text made safe for roff: backslashes escaped, hyphens as \- (they are options and commands here,
/// and a plain '-' may render as a typographic hyphen that cannot be pasted into a shell), and a
/// leading '.' or '\'' guarded so it is not read as a request.
std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \n\t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \n\t");
  return std::string(text.substr(first, last - first + 1));
}

/// The app's description without a leading "<program>: " (the NAME line names the program already).
std::string summary_of(const CLI::App& app, const std::string& program) {
  std::string text = trim(app.get_description());
  const std::string prefix = program + ": ";
  if (text.starts_with(prefix)) text.erase(0, prefix.size());
  return text;
}

bool hidden(const CLI::Option* opt) { return opt->get_group().empty(); }

/// "\fB\-\-port\fR \fIINT:INT in [0 \- 65535]\fR" and, for a positional, "\fItoken\fR".
std::string option_term(const CLI::Option* opt) {
  if (opt->get_positional() && opt->get_lnames().empty() && opt->get_snames().empty()) {
    return "\\fI" + escape(opt->get_name(true)) + "\\fR";
  }
  std::string names;
  for (const auto& s : opt->get_snames()) names += (names.empty() ? "" : ", ") + ("\\fB" + escape("-" + s) + "\\fR");
  for (const auto& l : opt->get_lnames()) names += (names.empty() ? "" : ", ") + ("\\fB" + escape("--" + l) + "\\fR");
  if (opt->get_expected_max() != 0 && opt->get_type_size_max() != 0) {
    names += " \\fI" + escape(opt->get_type_name()) + "\\fR";
  }
  return names;
}

std::string option_text(const CLI::Option* opt) {
  std::string text = trim(opt->get_description());
  std::vector<std::string> notes;
  if (opt->get_required()) notes.emplace_back("required");
  if (!opt->get_default_str().empty()) notes.push_back("default: " + opt->get_default_str());
  if (opt->get_expected_max() > 1) notes.emplace_back("may be repeated");
  if (!notes.empty()) {
    text += " (";
    for (std::size_t i = 0; i < notes.size(); ++i) text += (i ? "; " : "") + notes[i];
    text += ")";
  }
  return escape(text);
}

void render_options(const CLI::App& app, std::ostringstream& out) {
  // Positionals first, as --help lists them first.
  for (bool positional : {true, false}) {
    for (const CLI::Option* opt : app.get_options()) {
      if (hidden(opt) || opt->nonpositional() == positional) continue;
      out << ".TP\n" << option_term(opt) << "\n" << option_text(opt) << "\n";
    }
  }
}

/// "loginid users get [OPTIONS] USERNAME" in bold/italic.
std::string usage_of(const CLI::App& app, const std::string& path) {
  std::string usage = "\\fB" + escape(path) + "\\fR";
  bool any_option = false;
  for (const CLI::Option* opt : app.get_options()) any_option = any_option || (!hidden(opt) && opt->nonpositional());
  if (any_option) usage += " [\\fIOPTIONS\\fR]";
  for (const CLI::Option* opt : app.get_options()) {
    if (hidden(opt) || opt->nonpositional()) continue;
    const auto name = "\\fI" + escape(opt->get_name(true)) + "\\fR";
    usage += opt->get_required() ? " " + name : " [" + name + "]";
  }
  if (!app.get_subcommands({}).empty()) usage += " \\fICOMMAND\\fR";
  return usage;
}

/// A footer ("Examples:" followed by indented lines, or plain sentences): headings bold, indented
/// lines kept verbatim (no filling, so a command can be copied), everything else as paragraphs.
void render_footer(const std::string& footer, std::ostringstream& out) {
  std::istringstream lines(footer);
  std::string line;
  bool literal = false;
  while (std::getline(lines, line)) {
    const bool indented = line.starts_with("  ");
    if (indented && !literal) {
      out << ".RS\n.nf\n";
      literal = true;
    } else if (!indented && literal) {
      out << ".fi\n.RE\n";
      literal = false;
    }
    if (indented) {
      out << escape(trim(line)) << "\n";
    } else if (!trim(line).empty()) {
      const auto text = trim(line);
      out << ".PP\n" << (text.ends_with(':') ? "\\fB" + escape(text) + "\\fR" : escape(text)) << "\n";
    }
  }
  if (literal) out << ".fi\n.RE\n";
}

void render_command(const CLI::App& app, const std::string& path, std::ostringstream& out) {
  out << ".SS \"" << escape(path) << "\"\n";
  out << usage_of(app, path) << "\n.PP\n" << escape(trim(app.get_description())) << "\n";
  render_options(app, out);
  if (!trim(app.get_footer()).empty()) render_footer(app.get_footer(), out);
  for (const CLI::App* sub : app.get_subcommands({})) render_command(*sub, path + " " + sub->get_name(), out);
}

}  // namespace

std::string man_page(const CLI::App& app, const ProgramInfo& info) {
  std::ostringstream out;
  out << ".\\\" Generated from the program's own command definitions (" << info.program
      << " --man-page); do not edit.\n";
  out << ".TH " << upper(escape(info.program)) << " 1 \"\" \"" << escape(info.program + " " + info.version)
      << "\" \"User Commands\"\n";
  out << ".SH NAME\n" << escape(info.program) << " \\- " << escape(summary_of(app, info.program)) << "\n";
  out << ".SH SYNOPSIS\n" << usage_of(app, info.program) << "\n";
  out << ".SH DESCRIPTION\n" << escape(summary_of(app, info.program)) << "\n";
  out << ".SH OPTIONS\n";
  render_options(app, out);
  const auto subcommands = app.get_subcommands({});
  if (!subcommands.empty()) {
    out << ".SH COMMANDS\n";
    for (const CLI::App* sub : subcommands) render_command(*sub, info.program + " " + sub->get_name(), out);
  }
  if (!trim(app.get_footer()).empty()) {
    out << ".SH NOTES\n";
    render_footer(app.get_footer(), out);
  }
  if (!info.see_also.empty()) {
    out << ".SH SEE ALSO\n";
    // ".BR name (1)," : the name bold, the section and the separating comma roman.
    for (std::size_t i = 0; i < info.see_also.size(); ++i) {
      const auto& ref = info.see_also[i];
      const auto paren = ref.find('(');
      out << ".BR " << escape(ref.substr(0, paren)) << " " << escape(ref.substr(paren))
          << (i + 1 < info.see_also.size() ? ",\n" : "\n");
    }
  }
  return out.str();
}

std::optional<std::string> requested_document(const CLI::App& app, const ProgramInfo& info, int argc,
                                              const char* const* argv) {
  if (argc != 2) return std::nullopt;
  const std::string_view request = argv[1];
  if (request == "--man-page") return man_page(app, info);
  if (request == "--bash-completion") return bash_completion(app, info.program);
  if (request == "--zsh-completion") return zsh_completion(app, info.program);
  return std::nullopt;
}

}  // namespace loginid::command_docs
