// The CLI's offline commands (issue 2, "CLI"): keygen, jwt decode/sign/verify, --version, --help,
// config show. Runs the real `loginid` binary; no service needed.

#include <signal.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/cli/process.hpp"
#include "loginid/error.hpp"
#include "loginid/jwt.hpp"
#include "loginid/keys.hpp"

namespace loginid::test {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

unsigned file_mode(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

std::string reason_line(TokenErrc reason) { return "invalid token: " + make_error_code(reason).message() + "\n"; }

long long now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class OfflineCli : public ::testing::Test {
 protected:
  Cli cli;
  fs::path key = cli.home() / "app.key.pem";
  fs::path pub = cli.home() / "app.pub.pem";

  void keygen() {
    const auto r = cli.run({"keygen", "--private-key-out", key.string(), "--public-key-out", pub.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::string sign(const Json& claims, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"jwt", "sign", "--private-key", key.string(), "--claims", claims.dump()};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = cli.run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  }
  RunResult verify(const std::string& token, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"jwt", "verify", "--public-key", pub.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(token);
    return cli.run(args);
  }
};

TEST_F(OfflineCli, VersionAndTopLevelHelp) {
  const auto v = cli.run({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  // The release of include/loginid/version.hpp, which the SDK and the CLI share.
  const std::string release = std::to_string(LOGINID_VERSION_MAJOR) + "." + std::to_string(LOGINID_VERSION_MINOR) +
                              "." + std::to_string(LOGINID_VERSION_PATCH);
  EXPECT_EQ(v.out, "loginid " + release + "\n");
  const auto h = cli.run({"--help"});
  EXPECT_EQ(h.exit_code, 0);
  for (const char* cmd :
       {"keygen", "jwt", "users", "codes", "credentials", "password", "tx", "token", "config", "completion"})
    EXPECT_NE(h.out.find(cmd), std::string::npos) << cmd;
}

TEST_F(OfflineCli, EveryCommandHasHelpWithAnExample) {
  const std::vector<std::vector<std::string>> commands = {
      {"jwt"}, {"users"}, {"codes"}, {"credentials"}, {"tx"}, {"token"}, {"config"}, {"keygen"}, {"jwt", "decode"}, {"jwt", "sign"}, {"jwt", "verify"}, {"config", "show"}, {"completion"},
      {"users", "get"}, {"users", "id"}, {"users", "create"}, {"users", "activate"}, {"users", "deactivate"},
      {"users", "delete"}, {"codes", "generate"}, {"codes", "authorize"}, {"codes", "invalidate"}, {"codes", "wait"},
      {"credentials", "list"}, {"credentials", "rename"}, {"credentials", "revoke"}, {"credentials", "add-publickey"},
      {"credentials", "add-recovery"}, {"password"}, {"password", "register"}, {"password", "login"},
      {"tx", "create"}, {"tx", "verify"}, {"token", "service"}, {"token", "verify"}};
  for (auto args : commands) {
    args.push_back("--help");
    const auto r = cli.run(args);
    EXPECT_EQ(r.exit_code, 0) << args[0];
    EXPECT_NE(r.out.find("Example"), std::string::npos) << args[0] << ":\n" << r.out;
    EXPECT_NE(r.out.find("loginid " + args[0]), std::string::npos) << r.out;
  }
}

TEST_F(OfflineCli, UnknownCommandAndMissingArgumentsAreUsageErrors) {
  EXPECT_EQ(cli.run({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(cli.run({}).exit_code, 2);
  const auto r = cli.run({"jwt", "verify", "some.token.here"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--public-key"), std::string::npos) << r.err;
}

TEST_F(OfflineCli, KeygenToStdoutPrintsAWorkingPair) {
  const auto r = cli.run({"keygen"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto split = r.out.find("-----BEGIN PUBLIC KEY-----");
  ASSERT_NE(split, std::string::npos);
  ASSERT_EQ(r.out.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
  const auto priv = PrivateKey::from_pem(r.out.substr(0, split));
  const auto pub_key = PublicKey::from_pem(r.out.substr(split));
  EXPECT_TRUE(priv.public_key() == pub_key);
}

TEST_F(OfflineCli, KeygenWritesPrivateKeyWithMode0600AndPublicKeyReadable) {
  ::umask(0);  // a permissive umask must not leak into the private key's mode
  keygen();
  ::umask(022);
  EXPECT_EQ(file_mode(key), 0600u);
  EXPECT_EQ(file_mode(pub), 0644u);
  const auto priv = PrivateKey::from_pem(read_text(key));
  EXPECT_TRUE(priv.public_key() == PublicKey::from_pem(read_text(pub)));
}

TEST_F(OfflineCli, KeygenNeverOverwritesWithoutForce) {
  keygen();
  const std::string before = read_text(key);
  const auto r = cli.run({"keygen", "--private-key-out", key.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("already exists"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
  EXPECT_EQ(read_text(key), before);

  // An existing public key file also stops the run before the private key is written.
  const fs::path fresh = cli.home() / "fresh.pem";
  EXPECT_EQ(cli.run({"keygen", "--private-key-out", fresh.string(), "--public-key-out", pub.string()}).exit_code, 2);
  EXPECT_FALSE(fs::exists(fresh));

  const auto forced = cli.run({"keygen", "--private-key-out", key.string(), "--public-key-out", pub.string(), "--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(read_text(key), before);
  EXPECT_EQ(file_mode(key), 0600u);
  EXPECT_TRUE(PrivateKey::from_pem(read_text(key)).public_key() == PublicKey::from_pem(read_text(pub)));
}

TEST_F(OfflineCli, KeygenDoesNotFollowASymlink) {
  const fs::path target = cli.home() / "target.txt";
  write_text(target, "keep me", 0644);
  fs::create_symlink(target, key);
  EXPECT_EQ(cli.run({"keygen", "--private-key-out", key.string()}).exit_code, 2);
  EXPECT_EQ(read_text(target), "keep me");
}

TEST_F(OfflineCli, JwtSignThenDecodeShowsHeaderAndPayload) {
  keygen();
  const Json claims = {{"sub", "alice"}, {"iat", now_s()}, {"n", 1}};
  const std::string token = sign(claims, {"--kid", "k-1"});
  const auto r = cli.run({"jwt", "decode", token});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json doc = Json::parse(r.out);
  EXPECT_EQ(doc.at("header").at("alg"), "ES256");
  EXPECT_EQ(doc.at("header").at("kid"), "k-1");
  EXPECT_EQ(doc.at("payload"), claims);
  EXPECT_NE(r.err.find("nothing was verified"), std::string::npos) << r.err;

  const auto piped = cli.run({"jwt", "decode", "-"}, token + "\n");
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(Json::parse(piped.out), doc);
}

TEST_F(OfflineCli, JwtDecodeRejectsGarbageWithTheReason) {
  const auto r = cli.run({"jwt", "decode", "not-a-token"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, reason_line(TokenErrc::malformed));
  EXPECT_TRUE(r.out.empty());
}

TEST_F(OfflineCli, JwtSignRefusesBadClaimsAndBadKeys) {
  keygen();
  auto r = cli.run({"jwt", "sign", "--private-key", key.string(), "--claims", "{not json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--claims"), std::string::npos) << r.err;
  r = cli.run({"jwt", "sign", "--private-key", key.string(), "--claims", "[1,2]"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("JSON object"), std::string::npos) << r.err;
  r = cli.run({"jwt", "sign", "--private-key", (cli.home() / "missing.pem").string(), "--claims", "{}"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing.pem"), std::string::npos) << r.err;

  const fs::path bad = cli.home() / "bad.pem";
  write_text(bad, "-----BEGIN PRIVATE KEY-----\nU0VDUkVUU0VDUkVU\n-----END PRIVATE KEY-----\n");
  r = cli.run({"jwt", "sign", "--private-key", bad.string(), "--claims", "{}"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.find("U0VDUkVUU0VDUkVU"), std::string::npos) << "key material leaked: " << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST_F(OfflineCli, ClaimsThatAreNotJsonSayWhereAndWhy) {
  keygen();
  const auto r = cli.run({"jwt", "sign", "--private-key", key.string(), "--claims", R"({"sub":"alice",})"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("error: --claims is not valid JSON: at line 1, column 16: syntax error", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("unexpected '}'"), std::string::npos) << "the reason: " << r.err;
}

TEST_F(OfflineCli, JwtDecodeAsTextShowsTheUtcTimeBesideIatAndExp) {
  keygen();
  const std::string token = sign({{"sub", "alice"}, {"iat", 1623267976}, {"exp", 1900000000}});
  const auto r = cli.run({"jwt", "decode", "--format", "text", token});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("payload.iat  1623267976 (2021-06-09T19:46:16Z)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("payload.exp  1900000000 (2030-03-17T17:46:40Z)"), std::string::npos) << r.out;
  // JSON stays the token's own numbers (scripts read it).
  const auto json = cli.run({"jwt", "decode", token});
  EXPECT_EQ(Json::parse(json.out).at("payload").at("iat"), 1623267976);
}

// A public key where the private key belongs: name the PEM label found and what to pass instead,
// and no "chmod 600" advice for a public key (it may well be world-readable).
TEST_F(OfflineCli, APublicKeyGivenAsThePrivateKeyIsNamed) {
  keygen();
  ::chmod(pub.c_str(), 0644);
  const std::string found = "got a public key (-----BEGIN PUBLIC KEY-----), want the private key (-----BEGIN PRIVATE KEY-----";
  const auto sign_r = cli.run({"jwt", "sign", "--private-key", pub.string(), "--claims", "{}"});
  EXPECT_EQ(sign_r.exit_code, 2);
  EXPECT_EQ(sign_r.err.rfind("error: --private-key " + pub.string() + ": " + found, 0), 0u) << sign_r.err;
  EXPECT_EQ(sign_r.err.find("chmod"), std::string::npos) << sign_r.err;

  const auto call = cli.run({"--client-id", "x", "--private-key-file", pub.string(), "--base-url", "http://127.0.0.1:1",
                             "users", "get", "--username", "a"});
  EXPECT_EQ(call.exit_code, 2);
  EXPECT_EQ(call.err.rfind("error: private key (flag --private-key-file " + pub.string() + "): " + found, 0), 0u)
      << call.err;
  EXPECT_EQ(call.err.find("chmod"), std::string::npos) << call.err;
}

TEST_F(OfflineCli, JwtSignWarnsAboutAGroupReadableKey) {
  keygen();
  ::chmod(key.c_str(), 0644);
  const auto r = cli.run({"jwt", "sign", "--private-key", key.string(), "--claims", "{}"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("readable by group/others"), std::string::npos) << r.err;
}

TEST_F(OfflineCli, JwtVerifyPrintsThePayloadOfAValidToken) {
  keygen();
  const Json claims = {{"aud", "client-1"}, {"udata", "alice"}, {"iat", now_s()}, {"exp", now_s() + 600}};
  const std::string token = sign(claims);
  const auto r = verify(token, {"--audience", "client-1", "--username", "alice", "--max-age", "300"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Json::parse(r.out), claims);
  const auto piped = cli.run({"jwt", "verify", "--public-key", pub.string(), "-"}, token + "\n");
  EXPECT_EQ(piped.exit_code, 0) << piped.err;
}

TEST_F(OfflineCli, JwtVerifyAcceptsAJwkPublicKey) {
  keygen();
  const fs::path jwk = cli.home() / "pub.jwk";
  write_text(jwk, PublicKey::from_pem(read_text(pub)).to_jwk(), 0644);
  const std::string token = sign({{"sub", "a"}});
  const auto r = cli.run({"jwt", "verify", "--public-key", jwk.string(), token});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(OfflineCli, JwtVerifyRejectsTamperedExpiredAndOtherKeyTokensWithTheReason) {
  keygen();
  const std::string token = sign({{"sub", "alice"}, {"iat", now_s()}});

  // Tampered: the payload of another token (same header) with this token's signature.
  const std::string other = sign({{"sub", "mallory"}, {"iat", now_s()}});
  const auto dot1 = token.find('.');
  const auto dot2 = token.rfind('.');
  const std::string tampered = token.substr(0, dot1) + other.substr(other.find('.'), other.rfind('.') - other.find('.')) +
                               token.substr(dot2);
  auto r = verify(tampered);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, reason_line(TokenErrc::bad_signature));
  EXPECT_TRUE(r.out.empty());

  r = verify(sign({{"sub", "alice"}, {"exp", now_s() - 3600}}));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, reason_line(TokenErrc::expired));

  // A token from another key pair.
  const fs::path key2 = cli.home() / "k2.pem";
  ASSERT_EQ(cli.run({"keygen", "--private-key-out", key2.string(), "--public-key-out", (cli.home() / "p2.pem").string()}).exit_code, 0);
  const auto signed2 = cli.run({"jwt", "sign", "--private-key", key2.string(), "--claims", R"({"sub":"alice"})"});
  r = verify(signed2.out.substr(0, signed2.out.find('\n')));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, reason_line(TokenErrc::bad_signature));

  r = verify(sign({{"aud", "other"}}), {"--audience", "client-1"});
  EXPECT_EQ(r.err, reason_line(TokenErrc::audience_mismatch));
  r = verify(sign({{"udata", "bob"}}), {"--username", "alice"});
  EXPECT_EQ(r.err, reason_line(TokenErrc::username_mismatch));
  r = verify(sign({{"iat", now_s() - 3600}}), {"--max-age", "60"});
  EXPECT_EQ(r.err, reason_line(TokenErrc::too_old));
  EXPECT_EQ(r.exit_code, 1);
  // --leeway widens the window: a token expired 30 s ago passes with 60 s, fails with 0.
  const std::string just_expired = sign({{"exp", now_s() - 30}});
  EXPECT_EQ(verify(just_expired, {"--leeway", "120"}).exit_code, 0);
  EXPECT_EQ(verify(just_expired, {"--leeway", "0"}).err, reason_line(TokenErrc::expired));
}

TEST_F(OfflineCli, JwtVerifyUsageErrorsExitTwo) {
  keygen();
  const std::string token = sign({{"sub", "a"}});
  auto r = cli.run({"jwt", "verify", "--public-key", (cli.home() / "nope.pem").string(), token});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nope.pem"), std::string::npos);
  const fs::path junk = cli.home() / "junk.pem";
  write_text(junk, "this is not a key", 0644);
  r = cli.run({"jwt", "verify", "--public-key", junk.string(), token});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  r = cli.run({"jwt", "verify", "--public-key", cli.home().string(), token});
  EXPECT_EQ(r.exit_code, 2) << "a directory is not a key file";
  EXPECT_EQ(verify(token, {"--leeway", "-5"}).exit_code, 2);
  EXPECT_EQ(verify(token, {"--leeway", "abc"}).exit_code, 2);
}

TEST_F(OfflineCli, ConfigShowFollowsFlagOverEnvOverFileAndHidesTheKey) {
  keygen();
  const std::string pem = read_text(key);
  const fs::path config = cli.home() / "config";
  write_text(config, "client_id = from-file\nbase_url = http://127.0.0.1:1/file\nprivate_key_file = app.key.pem\n");
  cli.env["LOGINID_CONFIG"] = config.string();

  auto show = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> args{"config", "show"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = cli.run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    // No line of the key's base64 body may appear anywhere.
    for (std::size_t pos = pem.find('\n') + 1; pos < pem.size();) {
      const auto end = pem.find('\n', pos);
      const std::string line = pem.substr(pos, end - pos);
      if (line.rfind("-----", 0) != 0 && !line.empty()) {
        EXPECT_EQ(r.out.find(line), std::string::npos);
        EXPECT_EQ(r.err.find(line), std::string::npos);
      }
      pos = end + 1;
    }
    return Json::parse(r.out);
  };

  Json doc = show({});
  EXPECT_EQ(doc["client_id"]["value"], "from-file");
  EXPECT_EQ(doc["private_key"]["value"], "<set from FILE>");
  EXPECT_NE(doc["private_key"]["source"].get<std::string>().find(config.string()), std::string::npos);

  cli.env["LOGINID_CLIENT_ID"] = "from-env";
  cli.env["LOGINID_PRIVATE_KEY"] = pem;
  doc = show({});
  EXPECT_EQ(doc["client_id"]["value"], "from-env");
  EXPECT_EQ(doc["client_id"]["source"], "env LOGINID_CLIENT_ID");
  EXPECT_EQ(doc["base_url"]["value"], "http://127.0.0.1:1/file");
  EXPECT_EQ(doc["private_key"]["value"], "<set from ENV>");

  doc = show({"--client-id", "from-flag", "--private-key-file", key.string(), "--format", "json"});
  EXPECT_EQ(doc["client_id"]["value"], "from-flag");
  EXPECT_EQ(doc["client_id"]["source"], "flag --client-id");
  EXPECT_EQ(doc["private_key"]["value"], "<set from FILE>");

  EXPECT_EQ(doc["ca_bundle"]["value"], nullptr);
  EXPECT_EQ(doc["ca_bundle"]["source"], "default (the system's CA store)");
  cli.env["LOGINID_CA_BUNDLE"] = "/etc/env-ca.pem";
  doc = show({});
  EXPECT_EQ(doc["ca_bundle"]["value"], "/etc/env-ca.pem");
  EXPECT_EQ(doc["ca_bundle"]["source"], "env LOGINID_CA_BUNDLE");
  doc = show({"--ca-bundle", "/etc/flag-ca.pem"});
  EXPECT_EQ(doc["ca_bundle"]["value"], "/etc/flag-ca.pem");
  EXPECT_EQ(doc["ca_bundle"]["source"], "flag --ca-bundle");

  const auto text = cli.run({"config", "show", "--format", "text"});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("ca_bundle"), std::string::npos);
  EXPECT_NE(text.out.find("client_id"), std::string::npos);
  EXPECT_NE(text.out.find("from-env"), std::string::npos);
  EXPECT_EQ(text.out.find("PRIVATE KEY"), std::string::npos);
}

TEST_F(OfflineCli, ConfigProblemsAreUsageErrors) {
  cli.env["LOGINID_CONFIG"] = (cli.home() / "absent").string();
  auto r = cli.run({"config", "show"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("absent"), std::string::npos) << r.err;

  const fs::path config = cli.home() / "config";
  write_text(config, "[prod]\nclient_id = p\nthis line is wrong\n");
  cli.env["LOGINID_CONFIG"] = config.string();
  r = cli.run({"config", "show", "--profile", "prod"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(":3:"), std::string::npos) << "names the line: " << r.err;

  write_text(config, "[prod]\nclient_id = p\n", 0644);
  r = cli.run({"config", "show", "--profile", "staging"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("staging"), std::string::npos) << r.err;
  r = cli.run({"config", "show", "--profile", "prod"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("readable by group/others"), std::string::npos) << r.err;

  // A service command without a client id is a configuration error, before any network use.
  cli.env.erase("LOGINID_CONFIG");
  r = cli.run({"users", "get", "--username", "alice"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("client id"), std::string::npos) << r.err;
}

// The password commands read the password before any network use; pointed at a closed port they
// get as far as "unreachable" (exit 3) once the password was read, which is what these tests need.
class PasswordCli : public OfflineCli {
 protected:
  void SetUp() override { keygen(); }
  std::vector<std::string> args(const std::string& command, std::vector<std::string> extra = {}) {
    std::vector<std::string> all{"--client-id", "app", "--private-key-file", key.string(), "--base-url",
                                 "http://127.0.0.1:1", "password", command, "--username", "alice"};
    all.insert(all.end(), extra.begin(), extra.end());
    return all;
  }
  static constexpr const char* kSecret = "hunter2-Secret-pw";
  static void expect_no_secret(const std::string& text) {
    EXPECT_EQ(text.find(kSecret), std::string::npos) << "the password leaked: " << text;
  }
};

TEST_F(PasswordCli, APasswordOnTheCommandLineIsRefusedWithoutRepeatingIt) {
  for (const char* command : {"register", "login"}) {
    for (const auto& form : {std::vector<std::string>{"--password", kSecret},
                             std::vector<std::string>{std::string("--password=") + kSecret}}) {
      const auto r = cli.run(args(command, form));
      EXPECT_EQ(r.exit_code, 2) << r.err;
      EXPECT_NE(r.err.find("--password is not accepted"), std::string::npos) << r.err;
      expect_no_secret(r.out + r.err);
    }
  }
  // Not advertised either.
  EXPECT_EQ(cli.run({"password", "login", "--help"}).out.find("--password "), std::string::npos);
}

TEST_F(PasswordCli, FileAndStdinAreRead) {
  const fs::path file = cli.home() / "pw.txt";
  write_text(file, std::string(kSecret) + "\n");
  for (const char* command : {"register", "login"}) {
    auto r = cli.run(args(command, {"--password-file", file.string()}));
    EXPECT_EQ(r.exit_code, 3) << "read the file, then tried the service: " << r.err;
    expect_no_secret(r.out + r.err);
    r = cli.run(args(command), std::string(kSecret) + "\n");  // stdin is not a terminal: read it
    EXPECT_EQ(r.exit_code, 3) << r.err;
    expect_no_secret(r.out + r.err);
    r = cli.run(args(command, {"--password-file", "-"}), kSecret);
    EXPECT_EQ(r.exit_code, 3) << r.err;
  }
  write_text(file, "\n");
  auto r = cli.run(args("login", {"--password-file", file.string()}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is empty"), std::string::npos) << r.err;
  r = cli.run(args("login"), "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("the password on stdin is empty"), std::string::npos) << r.err;
  r = cli.run(args("login", {"--password-file", (cli.home() / "absent").string()}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("absent"), std::string::npos) << r.err;
}

TEST_F(PasswordCli, ATerminalPromptsWithEchoOff) {
  auto echo_is_off = [](int master) {
    struct termios t {};
    ASSERT_EQ(::tcgetattr(master, &t), 0);
    EXPECT_EQ(t.c_lflag & ECHO, 0U) << "echo is on while the password is typed";
  };
  const std::string typed = std::string(kSecret) + "\n";
  const auto r = cli.run_in_terminal(args("register"), {{"Password: ", typed, echo_is_off},
                                                        {"Confirm password: ", typed, echo_is_off}});
  ASSERT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.exit_code, 3) << "both prompts answered, then the service was tried: " << r.output;
  expect_no_secret(r.output);
  EXPECT_TRUE(r.echo_on_after);

  // login asks once.
  const auto login = cli.run_in_terminal(args("login"), {{"Password: ", typed, echo_is_off}});
  EXPECT_EQ(login.exit_code, 3) << login.output;
  EXPECT_EQ(login.output.find("Confirm"), std::string::npos) << login.output;
  expect_no_secret(login.output);
}

TEST_F(PasswordCli, CtrlCAtThePromptRestoresEcho) {
  const auto r = cli.run_in_terminal(args("login"), {{"Password: ", "hunt\x03", [](int master) {
                                                       struct termios t {};
                                                       ASSERT_EQ(::tcgetattr(master, &t), 0);
                                                       EXPECT_EQ(t.c_lflag & ECHO, 0U);
                                                     }}});
  ASSERT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.signal, SIGINT) << r.output;
  EXPECT_TRUE(r.echo_on_after) << "the terminal was left without echo";
}

TEST_F(OfflineCli, CompletionScriptsNameTheCommands) {
  for (const char* shell : {"bash", "zsh"}) {
    const auto r = cli.run({"completion", shell});
    ASSERT_EQ(r.exit_code, 0) << shell;
    EXPECT_NE(r.out.find("complete -o default -F _loginid loginid"), std::string::npos);
    EXPECT_NE(r.out.find("\"credentials\") echo \"list rename revoke add-publickey"), std::string::npos) << r.out;
  }
  const auto bash = run_process({"/bin/bash", "-n"}, {{"PATH", "/usr/bin:/bin"}}, cli.run({"completion", "bash"}).out);
  EXPECT_EQ(bash.exit_code, 0) << "bash syntax check: " << bash.err;
  EXPECT_EQ(cli.run({"completion", "fish"}).exit_code, 2);
}

}  // namespace
}  // namespace loginid::test
