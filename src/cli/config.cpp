#include "cli/config.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include <nlohmann/json.hpp>

#include "cli/cli_error.hpp"
#include "cli/io.hpp"
#include "jose/json_strict.hpp"

namespace loginid::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDefaultCredentialsFile = "./loginid-emulator.credentials.json";

/// The first set value wins; each candidate knows its source.
struct Candidate {
  std::optional<std::string> value;
  std::string source;
};

std::optional<Setting> first_set(std::initializer_list<Candidate> candidates) {
  for (const auto& c : candidates) {
    if (c.value && !c.value->empty()) return Setting{*c.value, c.source};
  }
  return std::nullopt;
}

/// "~/x" -> "$HOME/x"; a relative path in a config file is relative to that file's folder, so the
/// file means the same thing whatever the current directory is.
std::string expand_path(const std::string& path, const fs::path& base_dir, const EnvLookup& env) {
  if (path.rfind("~/", 0) == 0) {
    if (auto home = env("HOME")) return (fs::path(*home) / path.substr(2)).string();
  }
  const fs::path p(path);
  if (p.is_relative() && !base_dir.empty()) return (base_dir / p).string();
  return path;
}

/// LOGINID_PRIVATE_KEY often arrives with literal "\n" (a PEM squeezed into one line of a .env file).
std::string unescape_newlines(std::string pem) {
  if (pem.find('\n') != std::string::npos) return pem;
  std::string out;
  out.reserve(pem.size());
  for (std::size_t i = 0; i < pem.size(); ++i) {
    if (pem[i] == '\\' && i + 1 < pem.size() && pem[i + 1] == 'n') {
      out.push_back('\n');
      ++i;
    } else {
      out.push_back(pem[i]);
    }
  }
  cleanse(pem);
  return out;
}

struct ConfigFile {
  std::string path;
  ConfigFileValues values;
};

/// $LOGINID_CONFIG (must exist) or ~/.loginid/config (optional).
std::optional<ConfigFile> load_config_file(const std::string& profile, bool profile_explicit, const EnvLookup& env,
                                           std::vector<std::string>& warnings) {
  std::string path;
  bool must_exist = false;
  if (auto explicit_path = env("LOGINID_CONFIG")) {
    path = *explicit_path;
    must_exist = true;
  } else if (auto home = env("HOME")) {
    path = (fs::path(*home) / ".loginid" / "config").string();
  } else {
    if (profile_explicit) fail_usage("profile '" + profile + "' requested but no config file (HOME is not set)");
    return std::nullopt;
  }
  std::error_code ec;
  if (!must_exist && !fs::exists(path, ec)) {
    if (profile_explicit) fail_usage("profile '" + profile + "' requested but " + path + " does not exist");
    return std::nullopt;
  }
  const std::string text = read_file(path, "config file");
  if (auto w = permission_warning(path, "config file")) warnings.push_back(*w);
  ConfigFile file{path, parse_config_file(text, profile, path)};
  if (profile_explicit && !file.values.found_profile) fail_usage("profile [" + profile + "] not found in " + path);
  return file;
}

struct Credentials {
  std::string path;
  std::optional<std::string> base_url;
  std::optional<std::string> ca_bundle;  ///< the emulator's own CA when it serves https
  std::optional<std::string> client_id;
  SecretString private_key;
};

std::string string_member(const nlohmann::json& obj, const char* key, const std::string& where) {
  if (!obj.contains(key)) return {};
  const auto& v = obj.at(key);
  if (!v.is_string()) fail_usage(where + ": \"" + key + "\" must be a string");
  return v.get<std::string>();
}

/// --emulator found no credentials file: say which file was looked for, why that one, what writes
/// it, and how to point at another.
[[noreturn]] void fail_no_credentials(const std::string& path, const std::string& chosen_by) {
  fail_usage("--emulator: no emulator credentials file " + path + " (" + chosen_by +
             "). A running loginid-emulator writes it: started in this folder with its default --db it writes " +
             kDefaultCredentialsFile + "; with --db X.db, X.credentials.json; with --credentials-out FILE, FILE. "
             "Point at another file with --emulator-credentials FILE or LOGINID_EMULATOR_CREDENTIALS=FILE.");
}

Credentials load_credentials(const ConfigFlags& flags, const EnvLookup& env, std::vector<std::string>& warnings) {
  std::string path = kDefaultCredentialsFile;
  std::string chosen_by = "the default";
  if (flags.emulator_credentials) {
    path = *flags.emulator_credentials;
    chosen_by = "from --emulator-credentials";
  } else if (auto from_env = env("LOGINID_EMULATOR_CREDENTIALS")) {
    path = *from_env;
    chosen_by = "from LOGINID_EMULATOR_CREDENTIALS";
  }
  const std::string app = flags.emulator_app.value_or("management");
  if (app != "management" && app != "web") fail_usage("--emulator-app must be 'management' or 'web', not '" + app + "'");

  std::error_code ec;
  if (!fs::exists(path, ec)) fail_no_credentials(path, chosen_by);
  std::string text = read_file(path, "emulator credentials file");
  if (auto w = permission_warning(path, "emulator credentials file")) warnings.push_back(*w);
  detail::JsonProblem problem{};
  auto parsed = detail::parse_json_object_strict(text, problem);
  cleanse(text);
  if (!parsed) fail_usage("emulator credentials file " + path + ": " + detail::describe(problem));
  auto& doc = *parsed;
  if (!doc.contains(app) || !doc.at(app).is_object())
    fail_usage("emulator credentials file " + path + " has no \"" + app + "\" object");

  Credentials creds;
  creds.path = path;
  if (auto url = string_member(doc, "base_url", "emulator credentials file " + path); !url.empty()) creds.base_url = url;
  if (auto ca = string_member(doc, "ca_bundle", "emulator credentials file " + path); !ca.empty())
    creds.ca_bundle = expand_path(ca, fs::path(path).parent_path(), env);
  const auto& section = doc.at(app);
  const std::string where = "emulator credentials file " + path + " (" + app + ")";
  if (auto id = string_member(section, "client_id", where); !id.empty()) creds.client_id = id;
  if (section.contains("private_key")) {
    auto& key = section.at("private_key");
    if (!key.is_string()) fail_usage(where + ": \"private_key\" must be a string");
    creds.private_key = SecretString(key.get_ref<const std::string&>());
  }
  // The document still holds the key; wipe it before it is freed.
  if (auto& key = doc[app]["private_key"]; key.is_string()) cleanse(key.get_ref<std::string&>());
  return creds;
}

std::optional<KeySetting> resolve_key(const ConfigFlags& flags, const EnvLookup& env, const std::optional<ConfigFile>& file,
                                      std::optional<Credentials>& creds, std::vector<std::string>& warnings) {
  KeySetting key;
  if (flags.private_key_file) {
    key.file = *flags.private_key_file;
    key.source = "flag --private-key-file " + *flags.private_key_file;
    return key;
  }
  auto inline_env = env("LOGINID_PRIVATE_KEY");
  auto file_env = env("LOGINID_PRIVATE_KEY_FILE");
  if (inline_env) {
    if (file_env) warnings.push_back("warning: both LOGINID_PRIVATE_KEY and LOGINID_PRIVATE_KEY_FILE are set; using LOGINID_PRIVATE_KEY");
    key.origin = KeySetting::Origin::env;
    key.inline_pem = SecretString(unescape_newlines(std::move(*inline_env)));
    key.source = "env LOGINID_PRIVATE_KEY";
    return key;
  }
  if (file_env) {
    key.file = *file_env;
    key.source = "env LOGINID_PRIVATE_KEY_FILE " + *file_env;
    return key;
  }
  if (file && file->values.private_key_file) {
    key.file = expand_path(*file->values.private_key_file, fs::path(file->path).parent_path(), env);
    key.source = "config " + file->path + " (private_key_file " + *key.file + ")";
    return key;
  }
  if (creds && !creds->private_key.empty()) {
    key.inline_pem = std::move(creds->private_key);
    key.source = "emulator credentials " + creds->path;
    return key;
  }
  return std::nullopt;
}

/// LOGINID_EMULATOR_HOST=host:port as a base URL, as the SDK reads it: host:port means http (the
/// Firebase-style switches it copies prepend http:// themselves); https://host:port means https,
/// for an emulator serving TLS. Any other scheme is refused.
std::optional<std::string> emulator_host_url(const std::optional<std::string>& host) {
  if (!host) return std::nullopt;
  const std::string what = "LOGINID_EMULATOR_HOST='" + *host + "'";
  std::string scheme = "http://";
  std::string host_port = *host;
  if (const auto at = host->find("://"); at != std::string::npos) {
    std::string given = host->substr(0, at + 3);
    std::transform(given.begin(), given.end(), given.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    host_port = host->substr(at + 3);
    if (given != "http://" && given != "https://") {
      fail_usage(what + ": want host:port, or https://host:port for an emulator serving TLS, e.g. " +
                 "LOGINID_EMULATOR_HOST=" + host_port + " (or give the whole URL as LOGINID_BASE_URL=" + *host + ")");
    }
    scheme = given;
  }
  if (host_port.find('/') != std::string::npos) fail_usage(what + ": want host:port without a path, e.g. 127.0.0.1:8080");
  if (host_port.find(':') == std::string::npos) fail_usage(what + ": want host:port (the port is missing), e.g. 127.0.0.1:8080");
  return scheme + host_port;
}

std::string beaten_warning(const std::string& what, const std::string& winner, const std::string& creds_path) {
  return "warning: --emulator: using the " + what + " from " + winner + ", not the one in " + creds_path +
         " (it comes first; see `loginid config show`)";
}

/// True when `source` beat --emulator's credentials without being on the same command line: an
/// environment variable or a config file, which the user may not have in mind. A flag was meant.
bool beats_unseen(const std::string& source) {
  return source.rfind("emulator credentials ", 0) != 0 && source.rfind("flag ", 0) != 0;
}

void warn_if_beaten(const std::optional<Setting>& chosen, bool creds_had_one, const std::string& what,
                    const std::string& creds_path, std::vector<std::string>& warnings) {
  if (creds_had_one && chosen && beats_unseen(chosen->source))
    warnings.push_back(beaten_warning(what, chosen->source, creds_path));
}

}  // namespace

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
}

ConfigFileValues parse_config_file(const std::string& text, const std::string& profile, const std::string& path_for_errors) {
  ConfigFileValues global;
  ConfigFileValues section;
  bool in_profile = false;
  bool in_section = false;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    const std::string line = trim(std::string_view(text).substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    const std::string where = path_for_errors + ":" + std::to_string(line_no);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') fail_usage(where + ": section header must look like [profile]");
      const std::string name = trim(std::string_view(line).substr(1, line.size() - 2));
      if (name.empty()) fail_usage(where + ": empty profile name");
      in_section = true;
      in_profile = (name == profile);
      if (in_profile) section.found_profile = true;
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos) fail_usage(where + ": expected 'key = value'");
    const std::string key = trim(std::string_view(line).substr(0, eq));
    const std::string value = trim(std::string_view(line).substr(eq + 1));
    if (in_section && !in_profile) continue;
    ConfigFileValues& target = in_section ? section : global;
    if (key == "client_id") {
      target.client_id = value;
    } else if (key == "private_key_file") {
      target.private_key_file = value;
    } else if (key == "base_url") {
      target.base_url = value;
    } else if (key == "ca_bundle") {
      target.ca_bundle = value;
    } else {
      fail_usage(where + ": unknown key '" + key + "' (known: client_id, private_key_file, base_url, ca_bundle)");
    }
  }
  if (section.client_id) global.client_id = section.client_id;
  if (section.private_key_file) global.private_key_file = section.private_key_file;
  if (section.base_url) global.base_url = section.base_url;
  if (section.ca_bundle) global.ca_bundle = section.ca_bundle;
  global.found_profile = section.found_profile;
  return global;
}

ResolvedConfig resolve_config(const ConfigFlags& flags, const EnvLookup& env) {
  ResolvedConfig out;
  bool profile_explicit = false;
  if (flags.profile) {
    out.profile = *flags.profile;
    profile_explicit = true;
  } else if (auto p = env("LOGINID_PROFILE")) {
    out.profile = *p;
    profile_explicit = true;
  }

  auto file = load_config_file(out.profile, profile_explicit, env, out.warnings);
  if (file) out.config_file = file->path;
  std::optional<Credentials> creds;
  if (flags.emulator) {
    creds = load_credentials(flags, env, out.warnings);
    out.emulator_credentials = creds->path;
  }

  const std::string file_src = file ? "config " + file->path + " [" + out.profile + "]" : std::string();
  const std::string creds_src = creds ? "emulator credentials " + creds->path : std::string();
  const auto from_file = [&](const std::optional<std::string> ConfigFileValues::*member) -> std::optional<std::string> {
    return file ? (file->values.*member) : std::nullopt;
  };
  // LOGINID_EMULATOR_HOST is looked at only where it would be the base URL.
  const bool base_url_given = flags.base_url || env("LOGINID_BASE_URL");
  const auto emulator_url = base_url_given ? std::nullopt : emulator_host_url(env("LOGINID_EMULATOR_HOST"));
  const bool creds_had_key = creds && !creds->private_key.empty();

  out.client_id = first_set({
      {flags.client_id, "flag --client-id"},
      {env("LOGINID_CLIENT_ID"), "env LOGINID_CLIENT_ID"},
      {from_file(&ConfigFileValues::client_id), file_src},
      {creds ? creds->client_id : std::nullopt, creds_src},
  });
  out.base_url = first_set({
      {flags.base_url, "flag --base-url"},
      {env("LOGINID_BASE_URL"), "env LOGINID_BASE_URL"},
      {emulator_url, "env LOGINID_EMULATOR_HOST"},
      {from_file(&ConfigFileValues::base_url), file_src},
      {creds ? creds->base_url : std::nullopt, creds_src},
  });
  // A path in the config file is relative to the file's folder, like private_key_file.
  std::optional<std::string> file_ca = from_file(&ConfigFileValues::ca_bundle);
  if (file_ca) file_ca = expand_path(*file_ca, fs::path(file->path).parent_path(), env);
  out.ca_bundle = first_set({
      {flags.ca_bundle, "flag --ca-bundle"},
      {env("LOGINID_CA_BUNDLE"), "env LOGINID_CA_BUNDLE"},
      // The SDK's emulator switch trusts LOGINID_EMULATOR_CA; the CLI does the same.
      {emulator_url ? env("LOGINID_EMULATOR_CA") : std::nullopt, "env LOGINID_EMULATOR_CA"},
      {file_ca, file_src},
      // The emulator's own CA only for the emulator's own URL: never trusted for another service.
      {creds && out.base_url && out.base_url->source == creds_src ? creds->ca_bundle : std::nullopt, creds_src},
  });
  out.private_key = resolve_key(flags, env, file, creds, out.warnings);
  if (creds) {
    // --emulator's credentials come last: say when the environment or a config file won, as `config
    // show` does, since a stray LOGINID_CLIENT_ID with the emulator's key fails every call.
    warn_if_beaten(out.client_id, creds->client_id.has_value(), "client id", creds->path, out.warnings);
    warn_if_beaten(out.base_url, creds->base_url.has_value(), "base URL", creds->path, out.warnings);
    if (creds_had_key && out.private_key && beats_unseen(out.private_key->source))
      out.warnings.push_back(beaten_warning("private key", out.private_key->source, creds->path));
  }
  return out;
}

SecretString load_private_key(const ResolvedConfig& config, std::vector<std::string>& warnings) {
  if (!config.private_key)
    fail_usage(
        "no private key configured: use --private-key-file, LOGINID_PRIVATE_KEY(_FILE), private_key_file in the "
        "config file, or --emulator");
  const KeySetting& key = *config.private_key;
  if (!key.file) return SecretString(key.inline_pem.view());
  SecretString pem = read_secret_file(*key.file, "private key file");
  if (auto w = permission_warning(*key.file, "private key file")) warnings.push_back(*w);
  return pem;
}

}  // namespace loginid::cli
