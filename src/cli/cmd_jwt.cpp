// `loginid jwt decode|sign|verify`: offline JWT tools over the JOSE core (no network).

#include <chrono>
#include <memory>
#include <optional>
#include <ostream>

#include "cli/app.hpp"
#include "cli/cli_error.hpp"
#include "cli/io.hpp"
#include "jose/json_strict.hpp"
#include "loginid/jwt.hpp"
#include "loginid/keys.hpp"

namespace loginid::cli {
namespace {

[[noreturn]] void fail_token(std::error_code reason) { throw CliError(Exit::refused, "invalid token: " + reason.message()); }

void run_decode(const std::string& token_arg, Context& ctx) {
  const std::string token = read_arg_or_stdin(token_arg, "token");
  std::error_code ec;
  auto decoded = decode_jwt(token, ec);
  if (!decoded) fail_token(ec);
  // The SDK's Claims as JSON again (their text comes from the strict, depth-bounded reader).
  const nlohmann::json header = nlohmann::json::parse(decoded->header.to_json());
  const nlohmann::json raw_payload = nlohmann::json::parse(decoded->payload.to_json());
  // A human reads the table: the NumericDate claims get their UTC time beside the number.
  const nlohmann::json payload = ctx.format() == Format::text ? with_utc_times(raw_payload) : raw_payload;
  print_document(*ctx.out, {{"header", header}, {"payload", payload}}, ctx.format());
  *ctx.err << "note: decoded only; nothing was verified (not the signature, not exp, not the audience)\n";
}

struct SignOptions {
  std::string private_key_file;
  std::string claims;
  std::string kid;
};

Claims parse_claims(const std::string& arg) {
  const std::string text = arg == "-" ? read_arg_or_stdin(arg, "claims") : arg;
  detail::JsonProblem problem{};
  auto claims = detail::parse_json_object_strict(text, problem);
  if (problem == detail::JsonProblem::not_object) {
    fail_usage("--claims must be a JSON object, e.g. '{\"sub\":\"alice\"}'");
  }
  if (problem == detail::JsonProblem::syntax) fail_usage("--claims is not valid JSON: " + json_syntax_error(text));
  if (!claims) fail_usage("--claims: " + detail::describe(problem));
  return Claims::from_json(text);  // parsed strictly above: this cannot fail
}

void run_sign(const SignOptions& opts, Context& ctx) {
  const Claims claims = parse_claims(opts.claims);
  SecretString pem = read_secret_file(opts.private_key_file, "private key file");
  const PrivateKey key = [&] {
    try {
      return PrivateKey::from_pem(pem.view());
    } catch (const KeyError& e) {
      constexpr std::string_view kPrefix = "private key: ";
      const std::string_view reason = e.what();
      fail_usage("--private-key " + opts.private_key_file + ": " +
                 std::string(reason.starts_with(kPrefix) ? reason.substr(kPrefix.size()) : reason));
    }
  }();
  pem.clear();
  // Only now: a chmod hint for a file that holds no private key would mislead.
  if (auto w = permission_warning(opts.private_key_file, "private key file")) *ctx.err << *w << "\n";
  const auto kid = opts.kid.empty() ? std::nullopt : std::optional<std::string_view>(opts.kid);
  *ctx.out << sign_jwt(claims, key, kid) << "\n";
  ctx.out->flush();
}

struct VerifyOptions {
  std::string public_key_file;
  std::string audience;
  std::string username;
  std::optional<long long> leeway;
  std::optional<long long> max_age;
  std::string token;
};

VerifyPolicy policy_from(const VerifyOptions& opts) {
  VerifyPolicy policy;
  if (!opts.audience.empty()) policy.audience = opts.audience;
  if (opts.leeway) {
    if (*opts.leeway < 0) fail_usage("--leeway must be 0 or more seconds");
    policy.leeway = std::chrono::seconds(*opts.leeway);
  }
  if (opts.max_age) {
    if (*opts.max_age < 0) fail_usage("--max-age must be 0 or more seconds");
    policy.max_age = std::chrono::seconds(*opts.max_age);
  }
  return policy;
}

void run_verify(const VerifyOptions& opts, Context& ctx) {
  const VerifyPolicy policy = policy_from(opts);
  const PublicKey key = PublicKey::from_pem_or_jwk(read_file(opts.public_key_file, "public key file"));
  const std::string token = read_arg_or_stdin(opts.token, "token");
  std::error_code ec;
  auto payload = verify_jwt(token, key, policy, ec);
  if (!payload) fail_token(ec);
  if (!opts.username.empty() && payload->username() != opts.username) {
    fail_token(make_error_code(TokenErrc::username_mismatch));
  }
  const nlohmann::json claims = nlohmann::json::parse(payload->to_json());
  print_document(*ctx.out, ctx.format() == Format::text ? with_utc_times(claims) : claims, ctx.format());
}

}  // namespace

void add_jwt_commands(CLI::App& root, Commands& commands) {
  auto* jwt = root.add_subcommand("jwt", "Decode, sign and verify ES256 JWTs offline (no service call)");
  jwt->require_subcommand(1);
  jwt->footer(examples({"loginid jwt decode \"$TOKEN\"", "loginid jwt verify --public-key key.pub.pem \"$TOKEN\""}));

  auto token = std::make_shared<std::string>();
  auto* decode = jwt->add_subcommand("decode", "Print a token's header and payload as JSON. Nothing is verified.");
  decode->add_option("token", *token, "The token, or - to read it from stdin")->required();
  decode->footer(examples({"loginid jwt decode eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln", "echo \"$TOKEN\" | loginid jwt decode -"}));
  commands.on(decode, [token](Context& ctx) { run_decode(*token, ctx); });

  auto sign_opts = std::make_shared<SignOptions>();
  auto* sign = jwt->add_subcommand("sign", "Sign claims as a compact ES256 JWT and print it");
  sign->add_option("--private-key", sign_opts->private_key_file, "PEM file of the P-256 private key")->required();
  sign->add_option("--claims", sign_opts->claims, "The payload: a JSON object, or - to read it from stdin")->required();
  sign->add_option("--kid", sign_opts->kid, "Key id to put in the header");
  sign->footer(examples({R"(loginid jwt sign --private-key app.key.pem --claims '{"sub":"alice","exp":1900000000}' --kid k1)"}));
  commands.on(sign, [sign_opts](Context& ctx) { run_sign(*sign_opts, ctx); });

  auto verify_opts = std::make_shared<VerifyOptions>();
  auto* verify = jwt->add_subcommand(
      "verify",
      "Verify an ES256 token with a public key file; print the payload (exit 0) or 'invalid token: <reason>' (exit 1)");
  verify->add_option("--public-key", verify_opts->public_key_file, "The public key: SPKI PEM or a JWK file")->required();
  verify->add_option("--audience", verify_opts->audience, "Require this audience in 'aud'");
  verify->add_option("--username", verify_opts->username, "Require this username in 'udata'");
  verify->add_option("--leeway", verify_opts->leeway, "Clock tolerance for exp/nbf/iat in seconds (default 60)");
  verify->add_option("--max-age", verify_opts->max_age, "Reject tokens issued more than this many seconds ago");
  verify->add_option("token", verify_opts->token, "The token, or - to read it from stdin")->required();
  verify->footer(examples({"loginid jwt verify --public-key loginid.pub.pem --audience $CLIENT_ID --max-age 300 \"$TOKEN\""}));
  commands.on(verify, [verify_opts](Context& ctx) { run_verify(*verify_opts, ctx); });
}

}  // namespace loginid::cli
