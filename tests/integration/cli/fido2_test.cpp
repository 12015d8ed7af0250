// The CLI's passkey commands (`loginid fido2 ...`) against a real loginid-emulator, the page's side
// played by the tests' software authenticator: each init prints the payload a page hands to
// navigator.credentials.create/get, each complete reads the browser's answer from a file or stdin;
// register, log in, add with a code, force add, `credentials list` showing the FIDO2 credentials,
// and the refusals with their exit codes.

#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/cli/emulator_cli_test.hpp"
#include "integration/emulator/soft_authenticator.hpp"

namespace loginid::test {
namespace {

using Json = nlohmann::json;
using testing::SoftAuthenticator;

class Fido2Cli : public EmulatorCliTest {
 protected:
  /// Writes the browser's answer where `--answer FILE` reads it.
  std::string answer_file(const std::string& name, const Json& answer) {
    const auto path = cli.home() / name;
    write_text(path, answer.dump());
    return path.string();
  }
  /// `token verify --username U JWT` succeeds: the token is a user token for this client and user.
  void expect_valid_token(const std::string& jwt, const std::string& username) {
    const auto r = run({"token", "verify", "--username", username, jwt});
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  static void expect_usage_error(const RunResult& r, const std::string& says) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(says), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
};

TEST_F(Fido2Cli, RegisterLogInAddWithACodeForceAddAndListThem) {
  const std::string user = "cli-passkey@example.com";

  // Register: the init prints the payload for navigator.credentials.create, the complete reads the answer from a file.
  SoftAuthenticator laptop;
  const Json create_options = run_json({"fido2", "register-init", "--username", user, "--display-name", "CLI User"});
  EXPECT_EQ(create_options.at("user").at("displayName"), "CLI User");
  EXPECT_EQ(create_options.at("rp").at("id"), "localhost");
  EXPECT_TRUE(create_options.at("challenge").is_string());
  const Json registered = run_json({"fido2", "register-complete", "--username", user, "--name", "Laptop", "--answer",
                                    answer_file("register.json", laptop.create(create_options))});
  EXPECT_EQ(registered.at("user").at("username"), user);
  EXPECT_EQ(registered.at("credential").at("type"), "fido2");
  EXPECT_EQ(registered.at("credential").at("name"), "Laptop");
  EXPECT_EQ(registered.at("credential").at("uuid"), create_options.at("credential_uuid"));
  expect_valid_token(registered.at("jwt"), user);

  // Log in: the answer on stdin.
  const Json get_options = run_json({"fido2", "login-init", "--username", user});
  EXPECT_TRUE(get_options.at("allowCredentials").is_array());
  const Json logged_in = run_json({"fido2", "login-complete", "--username", user}, laptop.get(get_options).dump() + "\n");
  EXPECT_EQ(logged_in.at("is_authenticated"), true);
  expect_valid_token(logged_in.at("jwt"), user);

  // Add a phone with an authorized code of purpose add_credential.
  const Json code = run_json({"codes", "generate", "--type", "short", "--purpose", "add_credential", "--authorized",
                              "--username", user});
  SoftAuthenticator phone("packed-self");
  const Json add_options =
      run_json({"fido2", "add-init", "--username", user, "--code", code.at("code"), "--type", "short", "--roaming"});
  EXPECT_EQ(add_options.at("authenticatorSelection").at("authenticatorAttachment"), "cross-platform");
  const Json added =
      run_json({"fido2", "add-complete", "--username", user, "--name", "Phone", "--answer", "-"}, phone.create(add_options).dump());
  EXPECT_EQ(added.at("credential").at("name"), "Phone");
  EXPECT_FALSE(added.contains("jwt")) << "add-complete prints the credential, not a session token";

  // Force-add a security key from the management application; the web application completes it.
  SoftAuthenticator key("packed-x5c");
  const Json force_options = run_json({"fido2", "force-add-init", "--username", user});
  const Json forced = run_json({"fido2", "add-complete", "--username", user, "--answer",
                                answer_file("force.json", key.create(force_options))},
                               {}, "web");
  EXPECT_EQ(forced.at("credential").at("uuid"), force_options.at("credential_uuid"));

  // Each passkey logs in.
  for (SoftAuthenticator* authenticator : {&phone, &key}) {
    const Json options = run_json({"fido2", "login-init", "--username", user});
    expect_valid_token(run_json({"fido2", "login-complete", "--username", user}, authenticator->get(options).dump())
                           .at("jwt"),
                       user);
  }

  // `credentials list` shows the three as FIDO2 credentials, in JSON and in the text table.
  const Json list = run_json({"credentials", "list", "--username", user});
  ASSERT_EQ(list.at("credentials").size(), 3u);
  for (const auto& credential : list.at("credentials")) EXPECT_EQ(credential.at("type"), "fido2");
  const auto table = run({"credentials", "list", "--username", user, "--format", "text"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  for (const std::string name : {"Laptop", "Phone"}) {
    EXPECT_TRUE(std::regex_search(table.out, std::regex(name + R"(.*\bfido2\b|\bfido2\b.*)" + name))) << table.out;
  }
}

TEST_F(Fido2Cli, LoginWithoutJwtAndThroughTheWebApplication) {
  const std::string user = "cli-web@example.com";
  SoftAuthenticator authenticator;
  const Json create_options = run_json({"fido2", "register-init", "--username", user}, {}, "web");
  (void)run_json({"fido2", "register-complete", "--username", user}, authenticator.create(create_options).dump(), "web");
  const Json get_options = run_json({"fido2", "login-init", "--username", user}, {}, "web");
  const Json no_jwt =
      run_json({"fido2", "login-complete", "--username", user, "--no-jwt"}, authenticator.get(get_options).dump(), "web");
  EXPECT_EQ(no_jwt.at("is_authenticated"), true);
  EXPECT_FALSE(no_jwt.contains("jwt"));
}

TEST_F(Fido2Cli, BadAnswersAndRefusalsGetTheirExitCodes) {
  const std::string user = "cli-refused@example.com";
  SoftAuthenticator authenticator;
  const Json create_options = run_json({"fido2", "register-init", "--username", user});

  // The browser's answer is checked before anything is sent (exit 2, naming what is wrong).
  expect_usage_error(run({"fido2", "register-complete", "--username", user}, "this is not json"),
                     "attestation_payload: not valid JSON");
  Json incomplete = authenticator.create(create_options);
  incomplete.erase("client_data");
  expect_usage_error(run({"fido2", "register-complete", "--username", user}, incomplete.dump()),
                     "attestation_payload.client_data: missing");
  expect_usage_error(run({"fido2", "register-complete", "--username", user}, ""), "browser answer on stdin is empty");
  expect_usage_error(
      run({"fido2", "register-complete", "--username", user, "--answer", (cli.home() / "missing.json").string()}),
      "cannot read answer file");

  // The challenge was not used by those: the real answer still registers.
  const Json registered =
      run_json({"fido2", "register-complete", "--username", user}, authenticator.create(create_options).dump());
  EXPECT_EQ(registered.at("is_authenticated"), true);

  // A replayed login answer: its challenge is used up (exit 1, the service's code and message).
  const Json get_options = run_json({"fido2", "login-init", "--username", user});
  const std::string answer = authenticator.get(get_options).dump();
  (void)run_json({"fido2", "login-complete", "--username", user}, answer);
  expect_service_error(run({"fido2", "login-complete", "--username", user}, answer), "challenge_invalid");

  expect_service_error(run({"fido2", "register-init", "--username", user}), "user_already_exists");
  expect_service_error(run({"fido2", "login-init", "--username", "nobody@example.com"}), "not_found");
  expect_service_error(run({"fido2", "add-init", "--username", user, "--code", "000000", "--type", "short"}),
                       "code_invalid");
  expect_usage_error(run({"fido2", "add-init", "--username", user, "--code", "1", "--type", "medium"}), "code_type");
  expect_usage_error(run({"fido2", "force-add-init"}), "--username or --user-id");
  expect_usage_error(run({"fido2", "register-init"}), "--username");
}

}  // namespace
}  // namespace loginid::test
