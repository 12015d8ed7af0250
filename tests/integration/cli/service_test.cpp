// The CLI's service commands (issue 5) against a real loginid-emulator: every command's success
// output parsed as JSON, each exit code with its message, configuration precedence, no progress
// output without a TTY, and no key material from `config show`.

#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/cli/emulator_cli_test.hpp"
#include "unit/sdk/hostile_server.hpp"
#include "loginid/error.hpp"

namespace loginid::test {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

class ServiceCli : public EmulatorCliTest {
 protected:
  Json credentials() const { return Json::parse(read_text(emulator_->credentials_file())); }
  std::string create_user(const std::string& name) { return run_json({"users", "create", "--username", name}).at("id"); }
};

TEST_F(ServiceCli, UsersLifecycle) {
  const Json created = run_json({"users", "create", "--username", "life@example.com"});
  EXPECT_EQ(created.at("username"), "life@example.com");
  EXPECT_EQ(created.at("status"), "active");
  const std::string id = created.at("id");

  EXPECT_EQ(run_json({"users", "get", "--username", "life@example.com"}).at("id"), id);
  const auto plain_id = run({"users", "id", "life@example.com"});
  ASSERT_EQ(plain_id.exit_code, 0) << plain_id.err;
  EXPECT_EQ(plain_id.out, id + "\n");

  expect_service_error(run({"users", "create", "--username", "LIFE@example.com"}), "user_already_exists");

  EXPECT_EQ(run_json({"users", "deactivate", "--username", "life@example.com"}).at("status"), "inactive");
  EXPECT_EQ(run_json({"users", "activate", "--user-id", id}).at("status"), "active");

  const Json deleted = run_json({"users", "delete", "--username", "life@example.com"});
  EXPECT_EQ(deleted.at("deleted"), true);
  expect_service_error(run({"users", "get", "--username", "life@example.com"}), "not_found");

  const std::string id2 = create_user("life2@example.com");
  EXPECT_EQ(run_json({"users", "delete", "--user-id", id2}).at("user_id"), id2);
}

TEST_F(ServiceCli, UnknownUserIsRefusedWithCodeMessageAndRequestId) {
  expect_service_error(run({"users", "get", "--username", "nobody@example.com"}), "not_found");
  expect_service_error(run({"users", "deactivate", "--username", "nobody@example.com"}), "not_found");
  expect_service_error(run({"credentials", "list", "--username", "nobody@example.com"}), "not_found");
}

TEST_F(ServiceCli, TextFormatIsAnAlignedTable) {
  create_user("table@example.com");
  const auto r = run({"users", "get", "--username", "table@example.com", "--format", "text"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"((^|\n)username +table@example\.com\n)"))) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"((^|\n)status +active\n)"))) << r.out;
}

TEST_F(ServiceCli, CodesGenerateAuthorizeWaitAndVerifyTheToken) {
  const std::string user = "codes@example.com";
  create_user(user);
  const Json code = run_json({"codes", "generate", "--type", "short", "--username", user});
  ASSERT_TRUE(code.at("code").is_string());
  EXPECT_TRUE(std::regex_match(code.at("code").get<std::string>(), std::regex("[0-9]{6}")));
  EXPECT_EQ(code.at("is_authorized"), false);
  EXPECT_TRUE(code.at("expires_at").is_string());

  const Json auth = run_json({"codes", "authorize", "--code", code.at("code"), "--type", "short", "--username", user});
  EXPECT_EQ(auth.at("is_authorized"), true);

  // stderr is a pipe here, not a terminal: no spinner, no countdown, nothing.
  const auto waited = run({"codes", "wait", "--username", user, "--code", code.at("code"), "--type", "short"});
  ASSERT_EQ(waited.exit_code, 0) << waited.err;
  EXPECT_EQ(waited.err, "");
  const Json result = Json::parse(waited.out);
  EXPECT_EQ(result.at("is_authenticated"), true);
  EXPECT_EQ(result.at("user").at("username"), user);
  const std::string jwt = result.at("jwt");

  const Json claims = run_json({"token", "verify", "--username", user, jwt});
  EXPECT_EQ(claims.at("udata"), user);
  EXPECT_EQ(claims.at("aud"), credentials().at("management").at("client_id"));
  const auto piped = run({"token", "verify", "-"}, jwt + "\n");
  EXPECT_EQ(piped.exit_code, 0) << piped.err;

  auto r = run({"token", "verify", "--username", "someone-else", jwt});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "invalid token: " + make_error_code(TokenErrc::username_mismatch).message() + "\n");
  std::string tampered = jwt;
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  r = run({"token", "verify", tampered});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("invalid token: ", 0), 0u) << r.err;
  EXPECT_TRUE(r.out.empty());

  // The web application's client id is another audience: its tokens are not ours.
  r = cli.run({"--emulator", "--emulator-credentials", emulator_->credentials_file().string(), "--emulator-app", "web",
               "token", "verify", jwt});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "invalid token: " + make_error_code(TokenErrc::audience_mismatch).message() + "\n");
}

TEST_F(ServiceCli, BadAndInvalidatedCodesAreRefused) {
  const std::string user = "badcode@example.com";
  create_user(user);
  expect_service_error(run({"codes", "authorize", "--code", "000000", "--type", "short", "--username", user}), "code_invalid");

  const Json code = run_json({"codes", "generate", "--type", "long", "--username", user});
  const Json inv = run_json({"codes", "invalidate", "--type", "long", "--username", user});
  EXPECT_TRUE(inv.at("deleted_at").is_string());
  expect_service_error(run({"codes", "authorize", "--code", code.at("code"), "--type", "long", "--username", user}),
                       "code_invalid");

  // Local validation: an unknown type never reaches the service.
  const auto r = run({"codes", "generate", "--type", "medium", "--username", user});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("code_type"), std::string::npos) << r.err;
  EXPECT_EQ(run({"codes", "generate", "--type", "short"}).exit_code, 2) << "no user named";
}

TEST_F(ServiceCli, CodesWaitShowsProgressOnlyOnATerminal) {
  if (!fs::exists("/usr/bin/script")) GTEST_SKIP() << "/usr/bin/script (util-linux) is needed to give the CLI a terminal";
  const std::string user = "tty@example.com";
  create_user(user);
  // Never authorized, so the wait lasts its whole 1 s budget: long enough for the spinner to draw.
  const Json code = run_json({"codes", "generate", "--type", "short", "--username", user});
  // script(1) runs the command on a pseudo-terminal; stdout goes to a file so only stderr reaches the terminal.
  const fs::path out = cli.home() / "wait.json";
  const std::string command = "'" + cli.bin() + "' --emulator --emulator-credentials '" +
                              emulator_->credentials_file().string() + "' codes wait --timeout 1 --username " + user +
                              " --code " + code.at("code").get<std::string>() + " --type short > '" + out.string() + "'";
  const auto r = run_process({"/usr/bin/script", "-qec", command, "/dev/null"}, cli.env);
  EXPECT_NE(r.exit_code, 0) << "the code was never authorized";
  EXPECT_NE(r.out.find("waiting for the code to be authorized"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("error: "), std::string::npos) << r.out;
  EXPECT_EQ(read_text(out), "");
}

TEST_F(ServiceCli, WaitForAPreAuthorizedCodeWithoutJwt) {
  const std::string user = "nojwt@example.com";
  create_user(user);
  const Json code = run_json({"codes", "generate", "--type", "phrase", "--authorized", "--username", user});
  EXPECT_EQ(code.at("is_authorized"), true);
  const Json result = run_json({"codes", "wait", "--username", user, "--code", code.at("code"), "--type", "phrase", "--no-jwt"});
  EXPECT_EQ(result.at("is_authenticated"), true);
  EXPECT_FALSE(result.contains("jwt"));
}

TEST_F(ServiceCli, CredentialsListRenameRevokeAndAddPublicKey) {
  const std::string user = "creds@example.com";
  const std::string id = create_user(user);
  const std::string registered = emulator_->admin_post("/emulator/users/" + id + "/credentials", R"({"name":"laptop"})");
  const auto cred_id = json_string_at(registered, "/uuid");
  ASSERT_TRUE(cred_id) << registered;

  Json list = run_json({"credentials", "list", "--username", user});
  EXPECT_EQ(list.at("user_id"), id);
  ASSERT_EQ(list.at("credentials").size(), 1u);
  EXPECT_EQ(list.at("credentials")[0].at("uuid"), *cred_id);

  const Json renamed = run_json({"credentials", "rename", "--id", *cred_id, "--name", "work laptop", "--user-id", id});
  EXPECT_EQ(renamed.at("credential").at("name"), "work laptop");
  const Json revoked = run_json({"credentials", "revoke", "--id", *cred_id, "--username", user});
  EXPECT_EQ(revoked.at("credential").at("status"), "revoked");
  list = run_json({"credentials", "list", "--username", user, "--status", "revoked"});
  ASSERT_EQ(list.at("credentials").size(), 1u);
  EXPECT_EQ(list.at("credentials")[0].at("status"), "revoked");

  const fs::path pub = cli.home() / "user.pub.pem";
  ASSERT_EQ(cli.run({"keygen", "--private-key-out", (cli.home() / "user.key.pem").string(), "--public-key-out", pub.string()}).exit_code, 0);
  const Json added = run_json({"credentials", "add-publickey", "--public-key", pub.string(), "--name", "yubi", "--username", user});
  EXPECT_EQ(added.at("is_authenticated"), true);
  EXPECT_FALSE(added.contains("jwt")) << "no token from a command whose job is not to print one";
  list = run_json({"credentials", "list", "--username", user, "--status", "active"});
  ASSERT_EQ(list.at("credentials").size(), 1u);
  EXPECT_EQ(list.at("credentials")[0].at("name"), "yubi");

  const auto table = run({"credentials", "list", "--username", user, "--format", "text"});
  ASSERT_EQ(table.exit_code, 0);
  EXPECT_TRUE(std::regex_search(table.out, std::regex(R"(credentials:\nuuid +name +type +status +created_at)"))) << table.out;

  expect_service_error(run({"credentials", "revoke", "--id", "00000000-0000-4000-8000-000000000000", "--username", user}),
                       "not_found");
}

TEST_F(ServiceCli, PasswordRegisterLoginAndRecoveryCode) {
  const std::string password = "Sufficiently-Long-Passphrase-42";
  // register: the password on stdin (not a terminal), once; the service compares it with itself.
  auto r = run({"password", "register", "--username", "pw-cli@example.com"}, password + "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json doc = Json::parse(r.out);
  EXPECT_EQ(doc.at("credential").at("type"), "password");
  EXPECT_FALSE(doc.at("jwt").get<std::string>().empty());
  EXPECT_EQ(r.out.find(password), std::string::npos);

  // login: from a file, then from stdin; the token verifies for that user.
  const fs::path file = cli.home() / "pw.txt";
  write_text(file, password + "\n");
  r = run({"password", "login", "--username", "pw-cli@example.com", "--password-file", file.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string token = Json::parse(r.out).at("jwt");
  EXPECT_EQ(run({"token", "verify", "--username", "pw-cli@example.com", token}).exit_code, 0);
  r = run({"password", "login", "--username", "pw-cli@example.com"}, password);
  EXPECT_EQ(r.exit_code, 0) << r.err;

  // Refusals: wrong password and unknown user alike; a weak password names its rule.
  r = run({"password", "login", "--username", "pw-cli@example.com"}, "wrong password here");
  expect_service_error(r, "credential_invalid");
  EXPECT_EQ(r.err.find("wrong password here"), std::string::npos);
  expect_service_error(run({"password", "login", "--username", "ghost@example.com"}, password), "credential_invalid");
  r = run({"password", "register", "--username", "weak@example.com"}, "short");
  expect_service_error(r, "password_too_weak");
  EXPECT_NE(r.err.find("min_length"), std::string::npos) << r.err;

  // A recovery code, printed once.
  const Json code = run_json({"credentials", "add-recovery", "--username", "pw-cli@example.com"});
  const std::string words = code.at("code");
  EXPECT_EQ(std::count(words.begin(), words.end(), '-'), 11) << words;
  EXPECT_TRUE(code.contains("created_at"));
}

TEST_F(ServiceCli, TransactionCreateConfirmVerify) {
  const std::string payload = "Pay 10 EUR to Bob";
  const auto created = run({"tx", "create", payload});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string tx_id = created.out.substr(0, created.out.find('\n'));
  ASSERT_FALSE(tx_id.empty());
  EXPECT_EQ(created.out, tx_id + "\n") << "just the id";

  const auto token = json_string_at(emulator_->admin_post("/emulator/tx/" + tx_id + "/confirm", "{}"), "/token");
  ASSERT_TRUE(token);
  const Json claims = run_json({"tx", "verify", "--payload", payload, *token});
  EXPECT_TRUE(claims.contains("tx_hash"));

  const auto wrong = run({"tx", "verify", "--payload", "Pay 1000 EUR to Mallory", *token});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_EQ(wrong.err, "invalid token: " + make_error_code(TokenErrc::tx_hash_mismatch).message() + "\n");

  const auto from_stdin = run({"tx", "create", "-"}, payload + "\n");
  EXPECT_EQ(from_stdin.exit_code, 0) << from_stdin.err;
}

TEST_F(ServiceCli, ServiceTokenCarriesScopeAndUser) {
  const auto r = run({"token", "service", "--scope", "users.retrieve", "--username", "svc@example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto decoded = cli.run({"jwt", "decode", r.out.substr(0, r.out.find('\n'))});
  ASSERT_EQ(decoded.exit_code, 0);
  const Json payload = Json::parse(decoded.out).at("payload");
  EXPECT_EQ(payload.at("type"), "users.retrieve");
  EXPECT_EQ(payload.at("username"), "svc@example.com");
  EXPECT_EQ(payload.at("client_id"), credentials().at("management").at("client_id"));
}

TEST_F(ServiceCli, UnreachableServiceExitsThree) {
  const auto r = run({"--base-url", "http://127.0.0.1:1", "users", "get", "--username", "a@example.com"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("(the service was looked for at http://127.0.0.1:1, from flag --base-url)"), std::string::npos)
      << r.err;
}

// A server whose answer is over the SDK's bounds: exit 3 with its own code naming the bound, asked once
// (the SDK never retries it), never "connection_failed".
TEST_F(ServiceCli, AnOversizedAnswerIsResponseTooLargeAndAskedOnce) {
  HostileServer server([](HostileConnection& c) {
    std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
    for (int i = 0; i < 40; ++i) head += "X-Pad-" + std::to_string(i) + ": " + std::string(2000, 'p') + "\r\n";
    c.send(head + "Content-Length: 2\r\n\r\n{}");
  });
  server.start();
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port());
  const auto r = run({"--allow-insecure-http", "--base-url", url, "users", "get", "--username", "a@example.com"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.err.rfind("error: response_too_large: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("response headers larger than 65536 bytes"), std::string::npos) << r.err;
  EXPECT_EQ(server.requests(), 1u);
}

// The CLI's own --timeout running out is the user not confirming in time: code_timeout, exit 1
// (as when the service gives up), never "service unreachable" (exit 3) with curl's wording.
TEST_F(ServiceCli, CodesWaitTimeoutIsCodeTimeoutNotUnreachable) {
  const std::string user = "slow@example.com";
  create_user(user);
  const Json code = run_json({"codes", "generate", "--type", "short", "--username", user});
  const auto r = run({"codes", "wait", "--username", user, "--code", code.at("code"), "--type", "short", "--timeout", "1"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err, "error: code_timeout: the code was not authorized within 1 s (--timeout 1; pass a larger --timeout "
                   "to wait longer)\n");
  EXPECT_TRUE(r.out.empty()) << r.out;
}

// Errors name the CLI's flags and variables, never the SDK's members (Options::...).
TEST_F(ServiceCli, ConfigurationErrorsSpeakInTheClisTerms) {
  const auto no_scheme = run({"--base-url", "127.0.0.1:1", "users", "get", "--username", "a@example.com"});
  EXPECT_EQ(no_scheme.exit_code, 2);
  EXPECT_EQ(no_scheme.err.rfind("error: base URL '127.0.0.1:1' (flag --base-url): not an absolute URL", 0), 0u)
      << no_scheme.err;

  const auto insecure = run({"--base-url", "http://10.0.0.1:8080", "users", "get", "--username", "a@example.com"});
  EXPECT_EQ(insecure.exit_code, 2);
  EXPECT_NE(insecure.err.find("base URL 'http://10.0.0.1:8080' (flag --base-url): plain http://"), std::string::npos)
      << insecure.err;
  EXPECT_NE(insecure.err.find("pass --allow-insecure-http"), std::string::npos) << insecure.err;
  // The flag it names exists and lifts the refusal (the host is then simply not reached).
  const auto allowed = run({"--allow-insecure-http", "--base-url", "http://nowhere.invalid:8080", "users", "get",
                            "--username", "a@example.com"});
  EXPECT_EQ(allowed.exit_code, 3) << allowed.err;

  cli.env["LOGINID_EMULATOR_HOST"] = "ftp://127.0.0.1:1234";
  const auto scheme = run({"users", "get", "--username", "a@example.com"});
  EXPECT_EQ(scheme.exit_code, 2);
  EXPECT_NE(scheme.err.find("LOGINID_EMULATOR_HOST='ftp://127.0.0.1:1234': want host:port, or https://host:port"),
            std::string::npos)
      << scheme.err;
  cli.env.erase("LOGINID_EMULATOR_HOST");

  for (const auto* r : {&no_scheme, &insecure, &scheme}) {
    EXPECT_EQ(r->err.find("Options::"), std::string::npos) << r->err;
  }
}

TEST_F(ServiceCli, AStrayClientIdBeatingTheEmulatorsIsNamed) {
  cli.env["LOGINID_CLIENT_ID"] = "stray-client";
  const auto r = run({"users", "get", "--username", "a@example.com"});
  EXPECT_EQ(r.exit_code, 1) << "the emulator does not know that client";
  EXPECT_NE(r.err.find("warning: --emulator: using the client id from env LOGINID_CLIENT_ID, not the one in " +
                       emulator_->credentials_file().string()),
            std::string::npos)
      << r.err;
}

TEST_F(ServiceCli, MissingKeyExitsTwo) {
  const auto r = run({"--private-key-file", (cli.home() / "absent.pem").string(), "users", "get", "--username", "a@example.com"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("absent.pem"), std::string::npos) << r.err;
  // No key anywhere at all.
  const auto none = cli.run({"--client-id", "x", "--base-url", emulator_->base_url(), "users", "get", "--username", "a"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("no private key"), std::string::npos) << none.err;
}

TEST_F(ServiceCli, FlagBeatsEnvBeatsFileBeatsEmulatorCredentials) {
  create_user("prec@example.com");
  const std::string real = credentials().at("management").at("client_id");
  const fs::path config = cli.home() / "config";
  const auto get = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> args = extra;
    for (const char* a : {"users", "get", "--username", "prec@example.com"}) args.emplace_back(a);
    return run(args).exit_code;
  };
  // The emulator credentials alone work.
  EXPECT_EQ(get({}), 0);
  // A wrong client id in the config file beats the credentials file: refused.
  write_text(config, "client_id = file-client\n");
  cli.env["LOGINID_CONFIG"] = config.string();
  EXPECT_EQ(get({}), 1);
  // The right one from the environment beats the file.
  cli.env["LOGINID_CLIENT_ID"] = real;
  EXPECT_EQ(get({}), 0);
  // A wrong one from the environment is refused ...
  cli.env["LOGINID_CLIENT_ID"] = "env-client";
  EXPECT_EQ(get({}), 1);
  // ... and the flag beats it.
  EXPECT_EQ(get({"--client-id", real}), 0);
  // Base URL: an unreachable env value beats the credentials file; the flag beats env.
  cli.env.erase("LOGINID_CLIENT_ID");
  cli.env.erase("LOGINID_CONFIG");
  cli.env["LOGINID_BASE_URL"] = "http://127.0.0.1:1";
  EXPECT_EQ(get({}), 3);
  EXPECT_EQ(get({"--base-url", emulator_->base_url()}), 0);
}

TEST_F(ServiceCli, ConfigShowNeverRevealsTheKey) {
  const std::string pem = credentials().at("management").at("private_key");
  const auto r = run({"config", "show"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json doc = Json::parse(r.out);
  EXPECT_EQ(doc.at("private_key").at("value"), "<set from FILE>");
  EXPECT_EQ(doc.at("client_id").at("value"), credentials().at("management").at("client_id"));
  EXPECT_EQ(doc.at("base_url").at("value"), emulator_->base_url());
  std::size_t checked = 0;
  for (std::size_t pos = 0; pos < pem.size();) {
    const auto end = std::min(pem.find('\n', pos), pem.size());
    const std::string line = pem.substr(pos, end - pos);
    if (!line.empty() && line.rfind("-----", 0) != 0) {
      EXPECT_EQ(r.out.find(line), std::string::npos);
      EXPECT_EQ(r.err.find(line), std::string::npos);
      ++checked;
    }
    pos = end + 1;
  }
  EXPECT_GT(checked, 0u);
  EXPECT_EQ(r.out.find("PRIVATE KEY"), std::string::npos);
}

}  // namespace
}  // namespace loginid::test
