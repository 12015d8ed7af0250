#include "cli/app.hpp"

#include <exception>
#include <ostream>

#include "cli/cli_error.hpp"
#include "loginid/error.hpp"
#include "command_docs/command_docs.hpp"
#include "loginid/options.hpp"

#ifndef LOGINID_CLI_VERSION
#define LOGINID_CLI_VERSION "0.0.0"
#endif

namespace loginid::cli {
namespace {

void add_global_options(CLI::App& app, Context& ctx) {
  auto& flags = ctx.config_flags;
  app.add_option("--format", ctx.format_name, "Output format: json (default, one document) or text (aligned table)")
      ->check(CLI::IsMember({"json", "text"}));
  app.add_option("--client-id", flags.client_id, "Application client id (beats LOGINID_CLIENT_ID and the config file)");
  app.add_option("--private-key-file", flags.private_key_file, "PEM file of the application's private key");
  app.add_option("--base-url", flags.base_url, "Service base URL (beats LOGINID_BASE_URL and LOGINID_EMULATOR_HOST)");
  app.add_option("--ca-bundle", flags.ca_bundle,
                 "CAs to trust for https instead of the system's: a PEM file, or a directory of hashed certificates "
                 "(beats LOGINID_CA_BUNDLE and the config file's ca_bundle)");
  app.add_option("--profile", flags.profile, "Section of the config file to use (default: [default])");
  app.add_flag("--emulator", flags.emulator, "Fall back to the local emulator's credentials file");
  app.add_option("--emulator-credentials", flags.emulator_credentials,
                 "Emulator credentials file (default ./loginid-emulator.credentials.json, or LOGINID_EMULATOR_CREDENTIALS)");
  app.add_option("--emulator-app", flags.emulator_app, "Which emulator application to act as: management (default) or web")
      ->check(CLI::IsMember({"management", "web"}));
  app.add_flag("--allow-insecure-http", flags.allow_insecure_http,
               "Allow plain http:// to a host other than this machine (an emulator on a trusted network only)");
}

/// Where an unreachable service was looked for, so the user can tell a stopped emulator from a typo.
std::string where_it_was_looked_for(const Context& ctx) {
  if (!ctx.base_url_used) return "";
  if (!*ctx.base_url_used) return "\n(the service was looked for at the default " + std::string(kDefaultBaseUrl) + ")";
  const Setting& url = **ctx.base_url_used;
  std::string hint = "\n(the service was looked for at " + url.value + ", from " + url.source;
  if (url.source.rfind("emulator credentials ", 0) == 0) hint += ": is that loginid-emulator still running?";
  return hint + ")";
}

/// One line on stderr for a failed call: "error: <code>: <message> (request id ...)".
std::string describe(const std::string& code_and_message, const Error& e) {
  std::string line = "error: " + code_and_message;
  if (!e.request_id().empty()) line += " (request id " + e.request_id() + ")";
  return line;
}

int report(std::ostream& err, Exit code, const std::string& line) {
  err << line << "\n";
  err.flush();
  return static_cast<int>(code);
}

int run_command(const Commands::Action& action, Context& ctx, std::ostream& err) {
  try {
    action(ctx);
    return static_cast<int>(Exit::ok);
  } catch (const CliError& e) {
    return report(err, e.exit(), e.what());
  } catch (const TokenError& e) {
    return report(err, Exit::refused, "invalid token: " + e.code().message());
  } catch (const ServiceError& e) {
    // code_timeout with status 0 is wait_code's own deadline: the user did not confirm in time.
    return report(err, Exit::refused, describe(e.code().to_string() + ": " + e.message(), e));
  } catch (const BadResponse& e) {
    return report(err, Exit::refused, describe(e.what(), e));
  } catch (const TransportError& e) {
    return report(err, Exit::unreachable,
                  describe(transport_error_code(e.reason()) + ": " + e.what(), e) + where_it_was_looked_for(ctx));
  } catch (const Error& e) {  // InvalidArgument, KeyError, ...
    return report(err, Exit::usage, std::string("error: ") + e.what());
  } catch (const std::exception& e) {
    return report(err, Exit::usage, std::string("error: ") + e.what());
  } catch (...) {
    return report(err, Exit::usage, "error: unexpected failure");
  }
}

}  // namespace

std::string transport_error_code(TransportError::Reason reason) {
  // No default: a new Reason must get its own line here (and in docs/cli.md) before this compiles.
  switch (reason) {
    case TransportError::Reason::connect_failed:
    case TransportError::Reason::io_failed: return "connection_failed";
    case TransportError::Reason::timeout: return "timeout";
    case TransportError::Reason::tls_failed: return "tls_failed";
    case TransportError::Reason::response_too_large: return "response_too_large";
    case TransportError::Reason::refused_locally: return "not_sent";
  }
  return "connection_failed";
}

void Context::warn(const std::vector<std::string>& warnings) const {
  for (const auto& w : warnings) *err << w << "\n";
}

ResolvedConfig Context::resolve() const {
  ResolvedConfig config = resolve_config(config_flags, env);
  warn(config.warnings);
  config.warnings.clear();
  base_url_used = config.base_url;
  return config;
}

const Commands::Action* Commands::selected(const CLI::App& root) const {
  const CLI::App* node = &root;
  for (;;) {
    auto parsed = node->get_subcommands();
    if (parsed.empty()) break;
    node = parsed.front();
  }
  auto it = actions_.find(node);
  return it == actions_.end() ? nullptr : &it->second;
}

std::string examples(std::initializer_list<const char*> lines) {
  std::string text = lines.size() == 1 ? "Example:\n" : "Examples:\n";
  for (const char* line : lines) text += std::string("  ") + line + "\n";
  return text;
}

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  try {
    Context ctx;
    ctx.out = &out;
    ctx.err = &err;
    CLI::App app{"loginid: the LoginID service from the shell (users, codes, credentials, transactions, tokens, keys).",
                 "loginid"};
    app.set_version_flag("--version", std::string("loginid ") + LOGINID_CLI_VERSION);
    app.require_subcommand(1);
    app.fallthrough();  // global options may also follow the subcommand
    app.footer(
        "Exit codes: 0 ok, 1 refused by the service, invalid token, or a code not authorized in time (codes wait), "
        "2 usage or configuration error, 3 no usable answer from the service (unreachable, timed out, TLS, "
        "too large, not sent).\n" +
        examples({"loginid --emulator users create --username alice@example.com",
                  "loginid jwt verify --public-key key.pub.pem TOKEN"}));
    add_global_options(app, ctx);

    Commands commands;
    add_keygen_command(app, commands);
    add_jwt_commands(app, commands);
    add_config_commands(app, commands);
    add_service_commands(app, commands);
    add_completion_command(app, commands);

    // The build writes the man page and completion files with these (packaging/CMakeLists.txt).
    if (auto document = command_docs::requested_document(
            app, {.program = "loginid", .version = LOGINID_CLI_VERSION, .see_also = {"loginid-emulator(1)"}}, argc,
            argv)) {
      out << *document;
      return static_cast<int>(Exit::ok);
    }

    try {
      app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
      return app.exit(e, out, err);
    } catch (const CLI::CallForAllHelp& e) {
      return app.exit(e, out, err);
    } catch (const CLI::CallForVersion& e) {
      return app.exit(e, out, err);
    } catch (const CLI::ParseError& e) {
      return report(err, Exit::usage, std::string("error: ") + e.what() + "\nRun with --help for usage.");
    }
    const auto* action = commands.selected(app);
    if (action == nullptr) return report(err, Exit::usage, "error: missing subcommand\nRun with --help for usage.");
    return run_command(*action, ctx, err);
  } catch (const std::exception& e) {
    return report(err, Exit::usage, std::string("error: ") + e.what());
  }
}

}  // namespace loginid::cli
