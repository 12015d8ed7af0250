// The commands that call the LoginID service through the SDK (issue 5): users, codes, credentials,
// passwords, passkeys (fido2), tx, token. No HTTP or JSON-building here: every call is one SDK function, and
// the printed JSON is the SDK result's `raw_json` document (the service's own stable keys).

#include <chrono>
#include <future>
#include <memory>
#include <ostream>

#include "cli/app.hpp"
#include "cli/cli_error.hpp"
#include "cli/io.hpp"
#include "loginid/management.hpp"

namespace loginid::cli {
namespace {

using Json = nlohmann::json;

// ---- clients --------------------------------------------------------------------------------

std::string client_id_of(const ResolvedConfig& config) {
  if (!config.client_id)
    fail_usage("no client id configured: use --client-id, LOGINID_CLIENT_ID, client_id in the config file, or --emulator");
  return config.client_id->value;
}

/// Replaces the first `from` in `text` with `to` (when there is one).
std::string replace_first(std::string text, std::string_view from, std::string_view to) {
  if (const auto at = text.find(from); at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

/// The SDK names its own members (`Options::base_url: ...`); the user set a flag, a variable or a
/// file. The same refusal, said in the CLI's terms: which value, from where, and the CLI's way out.
[[noreturn]] void fail_in_cli_terms(const std::string& sdk_message, const ResolvedConfig& config) {
  constexpr std::string_view kBaseUrl = "Options::base_url: ";
  constexpr std::string_view kClientId = "client_id: ";
  constexpr std::string_view kCaBundle = "ca_bundle: ";
  std::string message = sdk_message;
  if (message.starts_with(kBaseUrl) && config.base_url) {
    message = "base URL '" + config.base_url->value + "' (" + config.base_url->source + "): " +
              message.substr(kBaseUrl.size());
  } else if (message.starts_with(kCaBundle) && config.ca_bundle) {
    message = "CA bundle (" + config.ca_bundle->source + "): " + message.substr(kCaBundle.size());
  } else if (message.starts_with(kClientId) && config.client_id) {
    message = "client id (" + config.client_id->source + "): " + message.substr(kClientId.size());
  }
  message = replace_first(message, "set Options::allow_insecure_http", "pass --allow-insecure-http");
  fail_usage(message);
}

/// A key the SDK refused: name where it came from. What the key holds is never shown; the reason
/// (e.g. a PUBLIC KEY where the private key belongs) says what to pass instead.
[[noreturn]] void fail_key(const KeyError& e, const ResolvedConfig& config) {
  constexpr std::string_view kPrefix = "private key: ";
  std::string reason = e.what();
  if (reason.starts_with(kPrefix)) reason = reason.substr(kPrefix.size());
  const std::string from = config.private_key ? config.private_key->source : std::string("?");
  fail_usage("private key (" + from + "): " + reason);
}

/// Builds a client from the resolved configuration. Warnings about the key file (e.g. its mode)
/// are printed only once the key parsed: a chmod hint for a file that holds no private key misleads.
template <typename Client>
Client make_client(Context& ctx, const ResolvedConfig& config, bool with_key, Options options) {
  if (config.base_url) options.base_url = config.base_url->value;
  if (config.ca_bundle) options.ca_bundle = config.ca_bundle->value;
  options.allow_insecure_http = ctx.config_flags.allow_insecure_http;
  options.presign.enabled = false;  // one call per process: a token signed ahead would be wasted
  const std::string client_id = client_id_of(config);
  std::vector<std::string> warnings;
  std::string pem = with_key ? std::string(load_private_key(config, warnings).view()) : std::string();
  try {
    Client client(client_id, std::move(pem), std::move(options));  // the SDK wipes the PEM copy
    ctx.warn(warnings);
    return client;
  } catch (const KeyError& e) {
    fail_key(e, config);
  } catch (const InvalidArgument& e) {
    fail_in_cli_terms(e.what(), config);
  }
}

/// A management client: every call is signed, so the private key is required.
LoginIdManagement management_client(Context& ctx, Options extra = {}) {
  return make_client<LoginIdManagement>(ctx, ctx.resolve(), /*with_key=*/true, std::move(extra));
}

/// An application client; the key is loaded when configured (token verification needs none).
LoginID application_client(Context& ctx, bool key_required, Options extra = {}) {
  const ResolvedConfig config = ctx.resolve();
  const bool with_key = key_required || config.private_key.has_value();
  return make_client<LoginID>(ctx, config, with_key, std::move(extra));
}

// ---- the user a command is about ------------------------------------------------------------

struct UserFlags {
  std::string username;
  std::string user_id;

  [[nodiscard]] UserRef ref() const {
    if (username.empty() && user_id.empty()) fail_usage("name the user with --username or --user-id");
    if (!username.empty() && !user_id.empty()) return UserRef::by_id_and_username(UserId(user_id), Username(username));
    return username.empty() ? UserRef::by_id(user_id) : UserRef::by_username(username);
  }
};

void add_user_flags(CLI::App* cmd, UserFlags& flags) {
  cmd->add_option("--username", flags.username, "The user's username");
  cmd->add_option("--user-id", flags.user_id, "The user's id");
}

void print(Context& ctx, const Json& doc) { print_document(*ctx.out, doc, ctx.format()); }

/// Prints an SDK result's `raw_json` (the service's own stable keys; the SDK read it with the strict,
/// depth-bounded reader, so parsing it again is safe).
void print_json_text(Context& ctx, const std::string& json_text) { print(ctx, Json::parse(json_text)); }

/// Prints a token's claims; in a table the NumericDate claims get their UTC time beside the number.
void print_claims(Context& ctx, const Claims& claims) {
  const Json doc = Json::parse(claims.to_json());
  print(ctx, ctx.format() == Format::text ? with_utc_times(doc) : doc);
}

void print_line(Context& ctx, const std::string& value) {
  *ctx.out << value << "\n";
  ctx.out->flush();
}

[[noreturn]] void fail_token(std::error_code reason) {
  // key_unavailable means /certs could not be reached: that is "service unreachable", not a bad token.
  const Exit exit = reason == make_error_code(TokenErrc::key_unavailable) ? Exit::unreachable : Exit::refused;
  throw CliError(exit, "invalid token: " + reason.message());
}

// ---- users ----------------------------------------------------------------------------------

/// The user id for commands whose SDK call takes an id: given, or looked up by username.
UserId user_id_of(const LoginIdManagement& mgmt, const UserFlags& user) {
  if (!user.user_id.empty()) return UserId(user.user_id);
  if (user.username.empty()) fail_usage("name the user with --username or --user-id");
  return mgmt.get_user_id(Username(user.username));
}

void add_users(CLI::App& root, Commands& commands) {
  auto* users = root.add_subcommand("users", "Look up, create, activate, deactivate and delete users");
  users->require_subcommand(1);
  users->footer(examples({"loginid --emulator users create --username alice@example.com", "loginid users id alice@example.com"}));

  auto get_flags = std::make_shared<UserFlags>();
  auto* get = users->add_subcommand("get", "Print a user's profile (looked up by username)");
  get->add_option("--username", get_flags->username, "The user's username")->required();
  get->footer(examples({"loginid users get --username alice@example.com"}));
  commands.on(get, [get_flags](Context& ctx) { print_json_text(ctx, management_client(ctx).get_user(Username(get_flags->username)).raw_json); });

  auto id_name = std::make_shared<std::string>();
  auto* id = users->add_subcommand("id", "Print just the user id of USERNAME");
  id->add_option("username", *id_name, "The username")->required();
  id->footer(examples({"USER_ID=$(loginid users id alice@example.com)"}));
  commands.on(id, [id_name](Context& ctx) { print_line(ctx, management_client(ctx).get_user_id(Username(*id_name)).str()); });

  auto create_name = std::make_shared<std::string>();
  auto* create = users->add_subcommand("create", "Create a user without credentials; prints the new user");
  create->add_option("--username", *create_name, "The new user's username")->required();
  create->footer(examples({"loginid users create --username alice@example.com"}));
  commands.on(create, [create_name](Context& ctx) {
    print_json_text(ctx, management_client(ctx).add_user_without_credentials(Username(*create_name)).raw_json);
  });

  for (const bool activate : {true, false}) {
    auto flags = std::make_shared<UserFlags>();
    auto* cmd = users->add_subcommand(activate ? "activate" : "deactivate",
                                      activate ? "Re-activate a user; prints the updated user"
                                               : "Deactivate a user (it can no longer authenticate); prints the updated user");
    add_user_flags(cmd, *flags);
    cmd->footer(examples({activate ? "loginid users activate --username alice@example.com"
                                   : "loginid users deactivate --user-id 2f1c0c3e-8b4e-4a53-9d3e-2f43d8a1c001"}));
    commands.on(cmd, [flags, activate](Context& ctx) {
      const auto mgmt = management_client(ctx);
      const UserId uid = user_id_of(mgmt, *flags);
      print_json_text(ctx, (activate ? mgmt.activate_user(uid) : mgmt.deactivate_user(uid)).raw_json);
    });
  }

  auto del_flags = std::make_shared<UserFlags>();
  auto* del = users->add_subcommand("delete", "Delete a user with its credentials and codes");
  add_user_flags(del, *del_flags);
  del->footer(examples({"loginid users delete --username alice@example.com"}));
  commands.on(del, [del_flags](Context& ctx) {
    const auto mgmt = management_client(ctx);
    Json doc = {{"deleted", true}};
    if (!del_flags->user_id.empty()) {
      mgmt.delete_by_user_id(UserId(del_flags->user_id));
      doc["user_id"] = del_flags->user_id;
    } else if (!del_flags->username.empty()) {
      mgmt.delete_by_username(Username(del_flags->username));
      doc["username"] = del_flags->username;
    } else {
      fail_usage("name the user with --username or --user-id");
    }
    print(ctx, doc);
  });
}

// ---- codes ----------------------------------------------------------------------------------

struct CodeFlags {
  std::string type;
  std::string purpose = "temporary_authentication";
  std::string code;
  bool authorized = false;
  UserFlags user;
};

void add_type_purpose(CLI::App* cmd, CodeFlags& flags) {
  cmd->add_option("--type", flags.type, "Code type: short (6 digits), long (16 characters) or phrase")->required();
  cmd->add_option("--purpose", flags.purpose, "temporary_authentication (default) or add_credential");
}

/// Shows a spinner with the seconds left on a terminal while `pending` runs; nothing otherwise.
template <typename T>
T with_progress(std::future<T>& pending, std::chrono::milliseconds budget, std::ostream& err) {
  if (!stderr_is_tty()) return pending.get();
  static constexpr const char* kFrames = "|/-\\";
  const auto deadline = std::chrono::steady_clock::now() + budget;
  for (unsigned frame = 0; pending.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready; ++frame) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - std::chrono::steady_clock::now());
    err << "\r" << kFrames[frame % 4] << " waiting for the code to be authorized ... " << std::max<long long>(0, left.count())
        << "s left " << std::flush;
  }
  err << "\r\033[K" << std::flush;  // clear the progress line
  return pending.get();
}

struct WaitFlags {
  std::string username;
  std::string code;
  std::string type;
  bool no_jwt = false;
  std::optional<long long> timeout;
};

void run_wait(const WaitFlags& flags, Context& ctx) {
  Options options;
  if (flags.timeout) {
    if (*flags.timeout <= 0) fail_usage("--timeout must be a positive number of seconds");
    options.wait_timeout = std::chrono::seconds(*flags.timeout);
  }
  const auto budget = options.wait_timeout;
  const LoginID client = application_client(ctx, /*key_required=*/false, std::move(options));
  const CodeType type = parse_code_type(flags.type);
  auto pending = std::async(std::launch::async, [&] { return client.wait_code(Username(flags.username), flags.code, type, {.no_jwt = flags.no_jwt}); });
  try {
    print_json_text(ctx, with_progress(pending, budget, *ctx.err).raw_json);
  } catch (const ServiceError& e) {
    // The SDK asks again whenever the service ends one long poll; code_timeout means the whole
    // --timeout went by. That is the user not confirming in time, not an unreachable service.
    if (e.code() != ServiceCode::code_timeout) throw;
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(budget).count();
    throw CliError(Exit::refused, "error: code_timeout: the code was not authorized within " + std::to_string(seconds) +
                                      " s (--timeout " + std::to_string(seconds) + "; pass a larger --timeout to wait longer)");
  }
}

void add_codes(CLI::App& root, Commands& commands) {
  auto* codes = root.add_subcommand("codes", "Generate, authorize, invalidate and wait for authentication codes");
  codes->require_subcommand(1);
  codes->footer(examples({"loginid codes generate --type short --username alice@example.com",
                          "loginid codes wait --type short --code 123456 --username alice@example.com"}));

  auto gen = std::make_shared<CodeFlags>();
  auto* generate = codes->add_subcommand("generate", "Generate a code for a user; prints {code, expires_at, is_authorized}");
  add_type_purpose(generate, *gen);
  generate->add_flag("--authorized", gen->authorized, "Make the code pre-authorized");
  add_user_flags(generate, gen->user);
  generate->footer(examples({"loginid codes generate --type short --username alice@example.com"}));
  commands.on(generate, [gen](Context& ctx) {
    const auto mgmt = management_client(ctx);
    print_json_text(ctx, mgmt.generate_code(gen->user.ref(), parse_code_type(gen->type), parse_code_purpose(gen->purpose), {.authorized = gen->authorized}).raw_json);
  });

  auto auth = std::make_shared<CodeFlags>();
  auto* authorize = codes->add_subcommand("authorize", "Authorize a code, waking whoever waits for it");
  authorize->add_option("--code", auth->code, "The code")->required();
  add_type_purpose(authorize, *auth);
  add_user_flags(authorize, auth->user);
  authorize->footer(examples({"loginid codes authorize --code 123456 --type short --username alice@example.com"}));
  commands.on(authorize, [auth](Context& ctx) {
    const auto mgmt = management_client(ctx);
    print_json_text(ctx, mgmt.authorize_code(auth->user.ref(), auth->code, parse_code_type(auth->type), parse_code_purpose(auth->purpose)).raw_json);
  });

  auto inv = std::make_shared<CodeFlags>();
  auto* invalidate = codes->add_subcommand("invalidate", "Invalidate every live code of a type and purpose for a user");
  add_type_purpose(invalidate, *inv);
  add_user_flags(invalidate, inv->user);
  invalidate->footer(examples({"loginid codes invalidate --type short --username alice@example.com"}));
  commands.on(invalidate, [inv](Context& ctx) {
    const auto mgmt = management_client(ctx);
    print_json_text(ctx, mgmt.invalidate_all_codes(inv->user.ref(), parse_code_type(inv->type), parse_code_purpose(inv->purpose)).raw_json);
  });

  auto wait_flags = std::make_shared<WaitFlags>();
  auto* wait = codes->add_subcommand(
      "wait",
      "Wait until a code is authorized and print the authentication response (with the user token unless --no-jwt). "
      "On a terminal, a countdown is shown on stderr.");
  wait->add_option("--username", wait_flags->username, "The user's username")->required();
  wait->add_option("--code", wait_flags->code, "The code")->required();
  wait->add_option("--type", wait_flags->type, "Code type: short, long or phrase")->required();
  wait->add_flag("--no-jwt", wait_flags->no_jwt, "Do not ask for a user token");
  wait->add_option("--timeout", wait_flags->timeout,
                   "Give up after this many seconds (default 120); then exit 1 with code_timeout. The service ends "
                   "each long poll sooner (the emulator after --wait-timeout, 30 s) and the wait asks again");
  wait->footer(examples({"loginid codes wait --username alice@example.com --code 123456 --type short"}));
  commands.on(wait, [wait_flags](Context& ctx) { run_wait(*wait_flags, ctx); });
}

// ---- credentials ----------------------------------------------------------------------------

struct CredentialFlags {
  std::string status;
  std::string id;
  std::string name;
  std::string public_key_file;
  UserFlags user;
};

void add_credentials(CLI::App& root, Commands& commands) {
  auto* creds = root.add_subcommand("credentials", "List, rename, revoke and add a user's credentials");
  creds->require_subcommand(1);
  creds->footer(examples({"loginid credentials list --username alice@example.com --format text"}));

  auto list_flags = std::make_shared<CredentialFlags>();
  auto* list = creds->add_subcommand("list", "List a user's credentials; prints {user_id, credentials}");
  list->add_option("--status", list_flags->status, "Only credentials with this status: active, inactive or revoked");
  add_user_flags(list, list_flags->user);
  list->footer(examples({"loginid credentials list --username alice@example.com --format text"}));
  commands.on(list, [list_flags](Context& ctx) {
    const auto mgmt = management_client(ctx);
    const auto status = list_flags->status.empty() ? std::nullopt : std::optional(CredentialStatus(list_flags->status));
    print_json_text(ctx, mgmt.get_credentials(list_flags->user.ref(), status).raw_json);
  });

  auto rename_flags = std::make_shared<CredentialFlags>();
  auto* rename = creds->add_subcommand("rename", "Rename a credential");
  rename->add_option("--id", rename_flags->id, "The credential's uuid")->required();
  rename->add_option("--name", rename_flags->name, "The new name")->required();
  add_user_flags(rename, rename_flags->user);
  rename->footer(examples({"loginid credentials rename --id $CRED --name 'Work laptop' --username alice@example.com"}));
  commands.on(rename, [rename_flags](Context& ctx) {
    const auto mgmt = management_client(ctx);
    print_json_text(ctx, mgmt.rename_credential(rename_flags->user.ref(), CredentialId(rename_flags->id), rename_flags->name).raw_json);
  });

  auto revoke_flags = std::make_shared<CredentialFlags>();
  auto* revoke = creds->add_subcommand("revoke", "Revoke a credential (e.g. a stolen device)");
  revoke->add_option("--id", revoke_flags->id, "The credential's uuid")->required();
  add_user_flags(revoke, revoke_flags->user);
  revoke->footer(examples({"loginid credentials revoke --id $CRED --username alice@example.com"}));
  commands.on(revoke, [revoke_flags](Context& ctx) {
    print_json_text(ctx, management_client(ctx).revoke_credential(revoke_flags->user.ref(), CredentialId(revoke_flags->id)).raw_json);
  });

  auto add_flags = std::make_shared<CredentialFlags>();
  auto* add = creds->add_subcommand("add-publickey", "Register a P-256 public key (SPKI PEM file) as a credential of a user");
  add->add_option("--public-key", add_flags->public_key_file, "PEM file of the public key")->required();
  add->add_option("--name", add_flags->name, "Credential name");
  add_user_flags(add, add_flags->user);
  add->footer(examples({"loginid credentials add-publickey --public-key user.pub.pem --name laptop --username alice@example.com"}));
  commands.on(add, [add_flags](Context& ctx) {
    const auto mgmt = management_client(ctx);
    const std::string pem = read_file(add_flags->public_key_file, "public key file");
    const auto name = add_flags->name.empty() ? std::nullopt : std::optional<std::string_view>(add_flags->name);
    // Only the credential is this command's business: the session token the service also returns
    // is not printed (tokens appear only where a command exists to output one).
    Json doc = Json::parse(mgmt.add_publickey_credential(add_flags->user.ref(), pem, name).raw_json);
    doc.erase("jwt");
    print(ctx, doc);
  });

  auto recovery_flags = std::make_shared<UserFlags>();
  auto* recovery = creds->add_subcommand(
      "add-recovery",
      "Generate a recovery code for a user; prints {code, created_at}. The code is shown only this once: the service "
      "keeps a hash of it");
  add_user_flags(recovery, *recovery_flags);
  recovery->footer(examples({"loginid credentials add-recovery --username alice@example.com"}));
  commands.on(recovery, [recovery_flags](Context& ctx) {
    print_json_text(ctx, management_client(ctx).generate_recovery_code(recovery_flags->ref()).raw_json);
  });
}

// ---- passwords ------------------------------------------------------------------------------

struct PasswordFlags {
  std::string username;
  std::string password_file;
  std::string refused_password;  // --password VALUE is refused: see add_password_source
};

/// The password never comes from argv (ps and shell history show it): --password-file FILE, else a
/// prompt with echo off on a terminal, else stdin. A `--password` option exists only to refuse it
/// with a message that does not repeat the value.
void add_password_source(CLI::App* cmd, PasswordFlags& flags) {
  cmd->add_option("--password-file", flags.password_file,
                  "Read the password from FILE ('-' = stdin); without it: a prompt with echo off on a terminal, "
                  "else stdin. One trailing newline is dropped");
  cmd->add_option("--password", flags.refused_password)->group("");  // hidden
}

PasswordInput password_of(const PasswordFlags& flags, bool confirm) {
  if (!flags.refused_password.empty()) {
    fail_usage("--password is not accepted: a password on the command line is visible to other users (ps) and kept "
               "in shell history; type it at the prompt, pipe it on stdin, or use --password-file FILE");
  }
  return read_password(flags.password_file, confirm);
}

void add_passwords(CLI::App& root, Commands& commands) {
  auto* password = root.add_subcommand("password", "Register and log in users with a password");
  password->require_subcommand(1);
  password->footer(examples({"loginid password register --username alice@example.com",
                             "loginid password login --username alice@example.com --password-file pw.txt"}));

  auto reg = std::make_shared<PasswordFlags>();
  auto* register_cmd = password->add_subcommand(
      "register",
      "Register a new user with a password; prints the authentication response (with the user token). On a "
      "terminal the password is asked twice, with echo off");
  register_cmd->add_option("--username", reg->username, "The new user's username")->required();
  add_password_source(register_cmd, *reg);
  register_cmd->footer(examples({"loginid password register --username alice@example.com",
                                 "printf '%s' \"$PW\" | loginid password register --username alice@example.com"}));
  commands.on(register_cmd, [reg](Context& ctx) {
    const PasswordInput input = password_of(*reg, /*confirm=*/true);
    const LoginID client = application_client(ctx, /*key_required=*/true);
    const auto confirmation =
        input.confirmation.empty() ? std::nullopt : std::optional<std::string_view>(input.confirmation.view());
    print_json_text(ctx, client.register_password(Username(reg->username), input.password.view(), confirmation).raw_json);
  });

  auto login = std::make_shared<PasswordFlags>();
  auto* login_cmd = password->add_subcommand(
      "login", "Log a user in with a password; prints the authentication response (with the user token)");
  login_cmd->add_option("--username", login->username, "The user's username")->required();
  add_password_source(login_cmd, *login);
  login_cmd->footer(examples({"loginid password login --username alice@example.com",
                              "loginid password login --username alice@example.com --password-file pw.txt"}));
  commands.on(login_cmd, [login](Context& ctx) {
    const PasswordInput input = password_of(*login, /*confirm=*/false);
    const LoginID client = application_client(ctx, /*key_required=*/true);
    print_json_text(ctx, client.authenticate_password(Username(login->username), input.password.view()).raw_json);
  });
}

// ---- passkeys (FIDO2 / WebAuthn) ---------------------------------------------------------------

// The shell plays the backend of a passkey page: an init prints the payload the page hands to
// navigator.credentials.create / .get, and a complete relays the browser's answer (a file or stdin).

struct Fido2Flags {
  std::string username;
  std::string user_id;
  std::string display_name;
  std::string override_name;
  std::string register_session;
  bool roaming = false;
  std::string code;
  std::string type;
  std::string answer = "-";
  std::string name;
  bool no_jwt = false;
};

void add_display_flags(CLI::App* cmd, Fido2Flags& flags) {
  cmd->add_option("--display-name", flags.display_name, "The name the authenticator shows for the account");
  cmd->add_flag("--roaming", flags.roaming, "Ask for a security key instead of the device's own authenticator");
}

void add_answer_flag(CLI::App* cmd, Fido2Flags& flags) {
  cmd->add_option("--answer", flags.answer,
                  "The browser's answer (JSON) from FILE, or '-' for stdin (the default)");
}

std::optional<std::string> given(const std::string& value) {
  return value.empty() ? std::nullopt : std::optional<std::string>(value);
}

Fido2CredentialOptions credential_options(const Fido2Flags& flags) {
  return {.display_name = given(flags.display_name), .roaming_authenticator = flags.roaming};
}

Fido2CompleteOptions complete_options(const Fido2Flags& flags) {
  return {.credential_name = given(flags.name), .no_jwt = flags.no_jwt};
}

std::string browser_answer(const Fido2Flags& flags) {
  if (flags.answer == "-") return read_arg_or_stdin("-", "browser answer");
  return read_file(flags.answer, "answer file");
}

void add_fido2(CLI::App& root, Commands& commands) {
  auto* fido2 = root.add_subcommand(
      "fido2",
      "Passkeys (FIDO2 / WebAuthn) relayed for a web page: each init prints the payload the page hands to "
      "navigator.credentials.create/get; each complete sends back the browser's answer");
  fido2->require_subcommand(1);
  fido2->footer(examples({"loginid fido2 register-init --username alice@example.com > create-options.json",
                          "loginid fido2 register-complete --username alice@example.com --answer answer.json"}));

  auto reg = std::make_shared<Fido2Flags>();
  auto* reg_init = fido2->add_subcommand(
      "register-init", "Start registering a new user with a passkey; prints the attestation_payload (JSON)");
  reg_init->add_option("--username", reg->username, "The new user's username")->required();
  add_display_flags(reg_init, *reg);
  reg_init->add_option("--override-name", reg->override_name, "Show this account name instead of the username");
  reg_init->add_option("--register-session", reg->register_session, "The register_session of a previous init");
  reg_init->footer(examples({"loginid fido2 register-init --username alice@example.com > create-options.json"}));
  commands.on(reg_init, [reg](Context& ctx) {
    const Fido2RegisterOptions options{.display_name = given(reg->display_name),
                                       .override_name = given(reg->override_name),
                                       .roaming_authenticator = reg->roaming,
                                       .register_session = given(reg->register_session)};
    print_json_text(ctx, application_client(ctx, /*key_required=*/true).register_fido2_init(Username(reg->username), options)
                             .attestation_payload);
  });

  auto reg_done = std::make_shared<Fido2Flags>();
  auto* reg_complete = fido2->add_subcommand(
      "register-complete",
      "Complete a passkey registration with the browser's answer; prints the authentication response (with the user "
      "token, verified)");
  reg_complete->add_option("--username", reg_done->username, "The new user's username")->required();
  add_answer_flag(reg_complete, *reg_done);
  reg_complete->add_option("--name", reg_done->name, "Name of the new credential");
  reg_complete->add_flag("--no-jwt", reg_done->no_jwt, "Do not ask for a user token");
  reg_complete->footer(examples({"loginid fido2 register-complete --username alice@example.com --answer answer.json"}));
  commands.on(reg_complete, [reg_done](Context& ctx) {
    const std::string answer = browser_answer(*reg_done);
    const LoginID client = application_client(ctx, /*key_required=*/false);
    print_json_text(ctx, client.register_fido2_complete(Username(reg_done->username), answer, complete_options(*reg_done)).raw_json);
  });

  auto login = std::make_shared<Fido2Flags>();
  auto* login_init = fido2->add_subcommand(
      "login-init", "Start a passkey login; prints the assertion_payload (JSON) for navigator.credentials.get");
  login_init->add_option("--username", login->username, "The user's username")->required();
  login_init->footer(examples({"loginid fido2 login-init --username alice@example.com > get-options.json"}));
  commands.on(login_init, [login](Context& ctx) {
    print_json_text(ctx,
                    application_client(ctx, /*key_required=*/true).authenticate_fido2_init(Username(login->username)).assertion_payload);
  });

  auto login_done = std::make_shared<Fido2Flags>();
  auto* login_complete = fido2->add_subcommand(
      "login-complete",
      "Complete a passkey login with the browser's answer; prints the authentication response (with the user token, "
      "verified)");
  login_complete->add_option("--username", login_done->username, "The user's username")->required();
  add_answer_flag(login_complete, *login_done);
  login_complete->add_flag("--no-jwt", login_done->no_jwt, "Do not ask for a user token");
  login_complete->footer(examples({"loginid fido2 login-complete --username alice@example.com < answer.json"}));
  commands.on(login_complete, [login_done](Context& ctx) {
    const std::string answer = browser_answer(*login_done);
    const LoginID client = application_client(ctx, /*key_required=*/false);
    print_json_text(ctx, client.authenticate_fido2_complete(Username(login_done->username), answer, {.no_jwt = login_done->no_jwt}).raw_json);
  });

  auto add = std::make_shared<Fido2Flags>();
  auto* add_init = fido2->add_subcommand(
      "add-init",
      "Start adding a passkey to a user with an authorized code of purpose add_credential (the code is used up); "
      "prints the attestation_payload (JSON)");
  add_init->add_option("--username", add->username, "The user's username")->required();
  add_init->add_option("--code", add->code, "The authorized code")->required();
  add_init->add_option("--type", add->type, "Code type: short, long or phrase")->required();
  add_display_flags(add_init, *add);
  add_init->footer(examples({"loginid fido2 add-init --username alice@example.com --code 123456 --type short"}));
  commands.on(add_init, [add](Context& ctx) {
    const LoginID client = application_client(ctx, /*key_required=*/true);
    print_json_text(ctx, client.init_add_fido2_credential_with_code(Username(add->username), add->code, parse_code_type(add->type),
                                                                    credential_options(*add))
                             .attestation_payload);
  });

  auto force = std::make_shared<Fido2Flags>();
  auto* force_init = fido2->add_subcommand(
      "force-add-init",
      "Start adding a passkey to a user without a code (management application); prints the attestation_payload (JSON)");
  force_init->add_option("--username", force->username, "The user's username (looked up for its id)");
  force_init->add_option("--user-id", force->user_id, "The user's id");
  add_display_flags(force_init, *force);
  force_init->footer(examples({"loginid fido2 force-add-init --username alice@example.com > create-options.json"}));
  commands.on(force_init, [force](Context& ctx) {
    const auto mgmt = management_client(ctx);
    const UserId uid = user_id_of(mgmt, UserFlags{force->username, force->user_id});
    print_json_text(ctx, mgmt.force_fido2_credential_init(uid, credential_options(*force)).attestation_payload);
  });

  auto add_done = std::make_shared<Fido2Flags>();
  auto* add_complete = fido2->add_subcommand(
      "add-complete",
      "Complete adding a passkey (after add-init or force-add-init) with the browser's answer; prints the "
      "authentication response without the user token (its signature is verified)");
  add_complete->add_option("--username", add_done->username, "The user's username")->required();
  add_answer_flag(add_complete, *add_done);
  add_complete->add_option("--name", add_done->name, "Name of the new credential");
  add_complete->footer(examples({"loginid fido2 add-complete --username alice@example.com --name Phone --answer answer.json"}));
  commands.on(add_complete, [add_done](Context& ctx) {
    const std::string answer = browser_answer(*add_done);
    const LoginID client = application_client(ctx, /*key_required=*/false);
    // Like credentials add-publickey: the command is about the credential, so the session token the
    // service also returns is checked but not printed.
    Json doc = Json::parse(client.complete_add_fido2_credential(Username(add_done->username), answer, complete_options(*add_done)).raw_json);
    doc.erase("jwt");
    print(ctx, doc);
  });
}

// ---- transactions ---------------------------------------------------------------------------

struct TxFlags {
  std::string payload;
  std::string token;
  std::string username;
  std::string tx_type;
};

void add_tx(CLI::App& root, Commands& commands) {
  auto* tx = root.add_subcommand("tx", "Create and verify transactions (a payload the user confirms)");
  tx->require_subcommand(1);
  tx->footer(examples({"TX_ID=$(loginid tx create 'Pay 10 EUR to Bob')", "loginid tx verify --payload 'Pay 10 EUR to Bob' \"$TX_TOKEN\""}));

  auto create_flags = std::make_shared<TxFlags>();
  auto* create = tx->add_subcommand("create", "Create a transaction for PAYLOAD and print its id");
  create->add_option("payload", create_flags->payload, "The text the user confirms, or - to read it from stdin")->required();
  create->add_option("--username", create_flags->username, "The user who should confirm it");
  create->add_option("--tx-type", create_flags->tx_type, "Transaction type (sent as tx_type)");
  create->footer(examples({"TX_ID=$(loginid tx create 'Pay 10 EUR to Bob')"}));
  commands.on(create, [create_flags](Context& ctx) {
    const std::string payload = read_arg_or_stdin(create_flags->payload, "payload");
    TxOptions options;
    if (!create_flags->username.empty()) options.username = Username(create_flags->username);
    if (!create_flags->tx_type.empty()) options.tx_type = create_flags->tx_type;
    print_line(ctx, application_client(ctx, /*key_required=*/true).create_transaction(payload, options).id);
  });

  auto verify_flags = std::make_shared<TxFlags>();
  auto* verify = tx->add_subcommand(
      "verify", "Verify a transaction token against the original payload; prints its claims (exit 0) or the reason (exit 1)");
  verify->add_option("--payload", verify_flags->payload, "The original payload")->required();
  verify->add_option("token", verify_flags->token, "The transaction token, or - to read it from stdin")->required();
  verify->footer(examples({"loginid tx verify --payload 'Pay 10 EUR to Bob' \"$TX_TOKEN\""}));
  commands.on(verify, [verify_flags](Context& ctx) {
    const std::string token = read_arg_or_stdin(verify_flags->token, "token");
    std::error_code ec;
    auto claims = application_client(ctx, false).verify_transaction_claims(token, verify_flags->payload, ec);
    if (!claims) fail_token(ec);
    print_claims(ctx, *claims);
  });
}

// ---- tokens ---------------------------------------------------------------------------------

void add_token(CLI::App& root, Commands& commands) {
  auto* token = root.add_subcommand("token", "Make service tokens and verify user tokens online");
  token->require_subcommand(1);
  token->footer(examples({"loginid token verify --username alice@example.com \"$USER_TOKEN\""}));

  auto scope = std::make_shared<std::string>();
  auto service_user = std::make_shared<UserFlags>();
  auto* service = token->add_subcommand("service", "Print a service token for SCOPE, signed with the application's key");
  service->add_option("--scope", *scope, "The scope (the token's type claim), e.g. users.retrieve")->required();
  add_user_flags(service, *service_user);
  service->footer(examples({"loginid token service --scope users.retrieve --username alice@example.com"}));
  commands.on(service, [scope, service_user](Context& ctx) {
    ServiceTokenOptions options;
    if (!service_user->username.empty()) options.username = Username(service_user->username);
    if (!service_user->user_id.empty()) options.user_id = UserId(service_user->user_id);
    print_line(ctx, application_client(ctx, /*key_required=*/true).generate_service_token(*scope, options));
  });

  auto verify_flags = std::make_shared<TxFlags>();
  auto* verify = token->add_subcommand(
      "verify",
      "Verify a user token online (LoginID's key from /certs, audience = this client id); prints the claims (exit 0) "
      "or 'invalid token: <reason>' (exit 1)");
  verify->add_option("--username", verify_flags->username, "Require this username (udata)");
  verify->add_option("token", verify_flags->token, "The token, or - to read it from stdin")->required();
  verify->footer(examples({"loginid token verify --username alice@example.com \"$USER_TOKEN\""}));
  commands.on(verify, [verify_flags](Context& ctx) {
    const std::string tok = read_arg_or_stdin(verify_flags->token, "token");
    const auto username = verify_flags->username.empty() ? std::nullopt : std::optional<Username>(verify_flags->username);
    std::error_code ec;
    auto claims = application_client(ctx, false).verify_token_claims(tok, username, ec);
    if (!claims) fail_token(ec);
    print_claims(ctx, *claims);
  });
}

}  // namespace

void add_service_commands(CLI::App& root, Commands& commands) {
  add_users(root, commands);
  add_codes(root, commands);
  add_credentials(root, commands);
  add_passwords(root, commands);
  add_fido2(root, commands);
  add_tx(root, commands);
  add_token(root, commands);
}

}  // namespace loginid::cli
