// `loginid config show`: the resolved configuration and where each value came from.
// The private key is never shown, only where it was set.

#include <ostream>

#include "cli/app.hpp"
#include "loginid/options.hpp"

namespace loginid::cli {
namespace {

using Json = nlohmann::json;

Json setting_json(const std::optional<Setting>& s) {
  if (!s) return {{"value", nullptr}, {"source", "unset"}};
  return {{"value", s->value}, {"source", s->source}};
}

Json optional_string(const std::optional<std::string>& s) { return s ? Json(*s) : Json(nullptr); }

/// The document `config show` prints; exposed to the unit tests through the binary only.
Json config_document(const ResolvedConfig& config) {
  Json base_url = setting_json(config.base_url);
  if (!config.base_url) base_url = {{"value", std::string(kDefaultBaseUrl)}, {"source", "default"}};
  Json ca_bundle = setting_json(config.ca_bundle);
  if (!config.ca_bundle) ca_bundle = {{"value", nullptr}, {"source", "default (the system's CA store)"}};
  Json key = {{"value", nullptr}, {"source", "unset"}};
  if (config.private_key) key = {{"value", config.private_key->redacted()}, {"source", config.private_key->source}};
  return {{"profile", config.profile},
          {"config_file", optional_string(config.config_file)},
          {"emulator_credentials", optional_string(config.emulator_credentials)},
          {"client_id", setting_json(config.client_id)},
          {"base_url", base_url},
          {"ca_bundle", ca_bundle},
          {"private_key", key}};
}

/// For --format text: one row per setting, so the table reads "setting  value  source".
Json config_rows(const Json& doc) {
  Json rows = Json::array();
  for (const char* name : {"client_id", "base_url", "ca_bundle", "private_key"}) {
    const auto& s = doc.at(name);
    rows.push_back({{"setting", name}, {"value", s.at("value")}, {"source", s.at("source")}});
  }
  rows.push_back({{"setting", "profile"}, {"value", doc.at("profile")}, {"source", "-"}});
  return rows;
}

void run_show(Context& ctx) {
  const ResolvedConfig config = ctx.resolve();
  const Json doc = config_document(config);
  print_document(*ctx.out, ctx.format() == Format::text ? config_rows(doc) : doc, ctx.format());
}

}  // namespace

void add_config_commands(CLI::App& root, Commands& commands) {
  auto* config = root.add_subcommand("config", "Inspect the CLI's configuration");
  config->require_subcommand(1);
  config->footer(examples({"loginid config show"}));
  auto* show = config->add_subcommand(
      "show",
      "Print the resolved client id, base URL, CA bundle and private key source, and where each came from (flags > "
      "environment > config file > emulator credentials). The key itself is never printed.");
  show->footer(examples({"loginid --profile prod config show", "loginid --emulator config show --format text"}));
  commands.on(show, [](Context& ctx) { run_show(ctx); });
}

}  // namespace loginid::cli
