#pragma once
// Where the CLI's client id, private key, base URL and CA bundle come from (docs/cli.md, "Configuration"),
// highest first: flags > environment > config file (a [profile] of it) > the emulator's
// credentials file (only with --emulator). Each resolved value remembers its source so
// `loginid config show` can say where it came from.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "loginid/secret.hpp"

namespace loginid::cli {

/// The configuration flags as given on the command line (unset = not given).
struct ConfigFlags {
  std::optional<std::string> client_id;
  std::optional<std::string> private_key_file;
  std::optional<std::string> base_url;
  std::optional<std::string> ca_bundle;  ///< --ca-bundle: the CAs to trust for https (file or directory)
  std::optional<std::string> profile;
  bool emulator = false;
  std::optional<std::string> emulator_credentials;  ///< path; default ./loginid-emulator.credentials.json
  std::optional<std::string> emulator_app;           ///< "management" (default) or "web"
  bool allow_insecure_http = false;                  ///< --allow-insecure-http (Options::allow_insecure_http)
};

/// Reads an environment variable; injectable so tests need not touch the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
/// The real environment (std::getenv); empty values count as unset.
EnvLookup process_env();

/// A resolved value and where it came from ("flag --client-id", "env LOGINID_CLIENT_ID",
/// "config /home/u/.loginid/config [prod]", "emulator credentials ./loginid-emulator.credentials.json").
struct Setting {
  std::string value;
  std::string source;
};

/// The private key's origin. The PEM is read from `file` when set, else it is `inline_pem`
/// (LOGINID_PRIVATE_KEY, or the key embedded in the emulator's credentials file).
struct KeySetting {
  enum class Origin { file, env };
  Origin origin = Origin::file;
  std::optional<std::string> file;
  SecretString inline_pem;
  std::string source;
  /// "<set from FILE>" or "<set from ENV>": what `config show` prints instead of the key.
  [[nodiscard]] std::string redacted() const { return origin == Origin::file ? "<set from FILE>" : "<set from ENV>"; }
};

struct ResolvedConfig {
  std::optional<Setting> client_id;
  std::optional<Setting> base_url;
  /// The CAs to trust for https (Options::ca_bundle); unset: the system's store.
  std::optional<Setting> ca_bundle;
  std::optional<KeySetting> private_key;
  std::string profile = "default";
  std::optional<std::string> config_file;           ///< the config file that was read, if any
  std::optional<std::string> emulator_credentials;  ///< the credentials file that was read, if any
  std::vector<std::string> warnings;                ///< permission warnings etc., for stderr
};

/// Resolves the configuration. Throws CliError(usage) for a configuration problem: a file named
/// explicitly (flag or env) that cannot be read, a malformed config line, an unknown profile, a
/// malformed emulator credentials file. The key file itself is only read by load_private_key.
ResolvedConfig resolve_config(const ConfigFlags& flags, const EnvLookup& env);

/// The private key PEM. Throws CliError(usage) when none is configured or the file cannot be read.
/// A key file readable by group/others adds a warning to `warnings`.
SecretString load_private_key(const ResolvedConfig& config, std::vector<std::string>& warnings);

/// Parses `key = value` lines with `[profile]` sections; '#' and ';' start comments. Returns the
/// values that apply to `profile`: keys before any section, overridden by the [profile] section.
/// `found_profile` says whether that section exists. Throws CliError(usage) naming the line.
struct ConfigFileValues {
  std::optional<std::string> client_id;
  std::optional<std::string> private_key_file;
  std::optional<std::string> base_url;
  std::optional<std::string> ca_bundle;
  bool found_profile = false;
};
ConfigFileValues parse_config_file(const std::string& text, const std::string& profile, const std::string& path_for_errors);

}  // namespace loginid::cli
