// Secrets (issue 6): everything the SDK's log callback, every exception message and every CLI
// output emit across a full flow against a real emulator (successes and failures alike) is
// captured, then searched for the applications' private key material: each PEM body line (PKCS#8
// and SEC1), the private scalar in hex (both cases), base64url and base64. None may appear.

#include <openssl/bn.h>
#include <openssl/encoder.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "integration/emulator/emulator_client.hpp"
#include "integration/emulator/emulator_process.hpp"
#include "jose/base64url.hpp"
#include "loginid/management.hpp"

namespace loginid::security_test {
namespace {

using loginid::testing::EmulatorClient;
using loginid::testing::EmulatorProcess;
using std::chrono::milliseconds;

// Everything that left the SDK or the CLI, as text.
class Capture {
 public:
  void add(std::string where, std::string text) {
    const std::lock_guard lock(mutex_);
    items_.push_back({std::move(where), std::move(text)});
  }
  LogCallback log_sink(std::string where) {
    return [this, where](LogLevel, std::string_view line) { add(where + " log", std::string(line)); };
  }
  // Runs `call`, capturing the message of whatever it throws.
  void run(const std::string& where, const std::function<void()>& call) {
    try {
      call();
    } catch (const std::exception& e) {
      add(where + " exception", e.what());
    }
  }
  struct Item {
    std::string where;
    std::string text;
  };
  [[nodiscard]] std::vector<Item> items() const {
    const std::lock_guard lock(mutex_);
    return items_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Item> items_;
};

std::string hex(std::string_view bytes, bool upper) {
  static constexpr char lower_digits[] = "0123456789abcdef";
  static constexpr char upper_digits[] = "0123456789ABCDEF";
  const char* digits = upper ? upper_digits : lower_digits;
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::string base64_std(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
PkeyPtr parse_private(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
}

std::string scalar_of(const EVP_PKEY* pkey) {
  BIGNUM* d = nullptr;
  EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d);
  std::string out(32, '\0');
  BN_bn2binpad(d, reinterpret_cast<unsigned char*>(out.data()), 32);
  BN_clear_free(d);
  return out;
}

std::string sec1_pem_of(EVP_PKEY* pkey) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  std::unique_ptr<OSSL_ENCODER_CTX, decltype(&OSSL_ENCODER_CTX_free)> ctx(
      OSSL_ENCODER_CTX_new_for_pkey(pkey, EVP_PKEY_KEYPAIR, "PEM", "type-specific", nullptr), OSSL_ENCODER_CTX_free);
  OSSL_ENCODER_to_bio(ctx.get(), bio.get());
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

// The fragments of one private key that must never be emitted.
std::vector<std::string> needles_for(const std::string& pem_as_given) {
  auto pkey = parse_private(pem_as_given);
  EXPECT_TRUE(pkey) << "the test could not parse its own key";
  if (!pkey) return {};
  const std::string d = scalar_of(pkey.get());
  std::vector<std::string> needles = {hex(d, false), hex(d, true), detail::base64url_encode(d), base64_std(d)};
  // Halves of each scalar encoding catch a partial (e.g. cut or wrapped) leak too.
  for (std::size_t i = 0, n = needles.size(); i < n; ++i) {
    const std::string whole = needles[i];  // a copy: push_back below reallocates
    needles.push_back(whole.substr(0, whole.size() / 2));
    needles.push_back(whole.substr(whole.size() / 2));
  }
  const std::string pkcs8(PrivateKey::from_pem(pem_as_given).to_pem().view());
  for (const std::string& pem : {pem_as_given, pkcs8, sec1_pem_of(pkey.get())}) {
    std::istringstream lines(pem);
    for (std::string line; std::getline(lines, line);) {
      if (line.size() >= 16 && line.rfind("-----", 0) != 0) needles.push_back(line);
    }
  }
  return needles;
}

std::string write_temp(const std::filesystem::path& dir, const std::string& name, const std::string& text) {
  const auto path = dir / name;
  std::ofstream(path) << text;
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  return path.string();
}

// Runs the CLI (when built) and captures its stdout and stderr.
void run_cli(Capture& capture, const std::vector<std::string>& args) {
  const char* bin = std::getenv("LOGINID_CLI_BIN");
  if (bin == nullptr || !std::filesystem::exists(bin)) return;
  std::string command = std::string("'") + bin + "'";
  for (const auto& a : args) command += " '" + a + "'";
  command += " 2>&1 </dev/null";
  std::string output;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
    ::pclose(pipe);
  }
  // Labelled by the last argument unless it is long (it may be the key itself, for a misuse case).
  const std::string last = args.empty() ? std::string() : args.back();
  capture.add("cli " + (last.size() <= 40 ? last : std::string("<long argument>")), output);
}

TEST(SecretsLeak, NoPrivateKeyMaterialInLogsErrorsOrCliOutput) {
  EmulatorProcess emulator;
  const auto credentials = emulator.credentials();
  const std::string mgmt_id = credentials.at("management").at("client_id");
  const std::string mgmt_pem = credentials.at("management").at("private_key");
  const std::string web_id = credentials.at("web").at("client_id");
  const std::string web_pem = credentials.at("web").at("private_key");
  const auto user_key = PrivateKey::generate();
  const std::string user_pem = std::string(user_key.to_pem().view());

  Capture capture;
  Options options;
  options.base_url = emulator.base_url();
  options.timeout = milliseconds(10'000);
  options.wait_timeout = milliseconds(10'000);
  options.log = capture.log_sink("sdk");
  const LoginIdManagement mgmt(mgmt_id, std::string(mgmt_pem), options);
  const LoginID web(web_id, std::string(web_pem), options);

  // A full flow, successes first.
  capture.run("flow", [&] {
    const auto user = mgmt.add_user_without_credentials(loginid::Username("secret-alice"));
    const auto ref = UserRef::by_id_and_username(loginid::UserId(user.id), loginid::Username(user.username));
    const auto code = mgmt.generate_code(ref, CodeType::short_code, CodePurpose::temporary_authentication, {.authorized = true});
    const auto auth = web.wait_code(loginid::Username("secret-alice"), code.code, CodeType::short_code);
    capture.add("flow verify", web.verify_token(*auth.jwt, loginid::Username("secret-alice")) ? "verified" : "not verified");
    const auto added = mgmt.add_publickey_credential(ref, user_key.public_key().to_pem(), "k");
    (void)mgmt.rename_credential(ref, loginid::CredentialId(added.credential->uuid), "renamed");
    (void)mgmt.get_credentials(ref);
    (void)mgmt.revoke_credential(ref, loginid::CredentialId(added.credential->uuid));
    (void)mgmt.deactivate_user(loginid::UserId(user.id));
    (void)mgmt.activate_user(loginid::UserId(user.id));
    (void)web.create_transaction("Pay 10 EUR to Bob").id;
    (void)mgmt.generate_service_token("users.retrieve", {.username = loginid::Username("secret-alice"), .user_id = {}, .nonce = {}});
    mgmt.delete_by_user_id(loginid::UserId(user.id));
  });
  // Then failures of every kind: service refusals, transport failures, bad keys, bad tokens.
  capture.run("not found", [&] { (void)mgmt.get_user(loginid::Username("nobody-here")); });
  capture.run("duplicate", [&] {
    (void)mgmt.add_user_without_credentials(loginid::Username("dup-user"));
    (void)mgmt.add_user_without_credentials(loginid::Username("dup-user"));
  });
  capture.run("bad code", [&] {
    (void)mgmt.authorize_code(UserRef::by_username("dup-user"), "000000", CodeType::short_code, CodePurpose::temporary_authentication);
  });
  capture.run("forbidden scope", [&] { (void)web.generate_service_token(""); });
  capture.run("web calls management", [&] {
    const LoginIdManagement wrong(web_id, std::string(web_pem), options);
    (void)wrong.get_user(loginid::Username("dup-user"));
  });
  capture.run("wrong key for client", [&] {
    const LoginIdManagement wrong(mgmt_id, std::string(web_pem), options);
    (void)wrong.get_user(loginid::Username("dup-user"));
  });
  capture.run("bad token", [&] { (void)web.verify_token_claims("a.b.c"); });
  capture.run("unreachable", [&] {
    Options down = options;
    down.base_url = "http://127.0.0.1:1";
    down.retry.max_attempts = 2;
    down.retry.initial_backoff = milliseconds(1);
    const LoginIdManagement offline(mgmt_id, std::string(mgmt_pem), down);
    (void)offline.get_user(loginid::Username("x"));
  });
  std::string corrupted = mgmt_pem;
  corrupted[corrupted.size() / 2] = corrupted[corrupted.size() / 2] == 'A' ? 'B' : 'A';
  capture.run("corrupted PEM", [&] { const LoginID bad(mgmt_id, std::string(corrupted), options); });
  capture.run("PEM without footer", [&] { const LoginID bad(mgmt_id, mgmt_pem.substr(0, mgmt_pem.size() - 30), options); });
  auto pkey = parse_private(mgmt_pem);
  const std::string d = scalar_of(pkey.get());
  capture.run("raw hex scalar as key", [&] { const LoginID bad(mgmt_id, hex(d, false), options); });
  capture.run("scalar JWK on wrong curve", [&] {
    (void)PrivateKey::from_jwk(nlohmann::json{{"kty", "EC"}, {"crv", "P-384"}, {"x", "AA"}, {"y", "AA"},
                                              {"d", detail::base64url_encode(d)}}
                                   .dump());
  });
  capture.run("scalar JWK with bad x", [&] {
    (void)PrivateKey::from_jwk(nlohmann::json{{"kty", "EC"}, {"crv", "P-256"}, {"x", detail::base64url_encode(d)},
                                              {"y", detail::base64url_encode(d)}, {"d", detail::base64url_encode(d)}}
                                   .dump());
  });
  capture.run("private PEM as public key", [&] { (void)PublicKey::from_pem(mgmt_pem); });
  capture.run("private PEM as credential", [&] {
    (void)mgmt.add_publickey_credential(UserRef::by_username("dup-user"), mgmt_pem);
  });

  // The CLI, with the key in a file, in success and failure.
  const auto dir = std::filesystem::temp_directory_path() / ("loginid-secrets-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto key_file = write_temp(dir, "mgmt.pem", mgmt_pem);
  const auto bad_file = write_temp(dir, "bad.pem", corrupted);
  const std::vector<std::string> common = {"--base-url", emulator.base_url(), "--client-id", mgmt_id, "--private-key-file"};
  auto cli = [&](const std::string& file, std::vector<std::string> args) {
    std::vector<std::string> all = common;
    all.push_back(file);
    all.insert(all.end(), args.begin(), args.end());
    run_cli(capture, all);
  };
  cli(key_file, {"users", "create", "cli-user"});
  cli(key_file, {"users", "get", "cli-user"});
  cli(key_file, {"users", "get", "nobody-at-all"});
  cli(key_file, {"--format", "text", "users", "get", "cli-user"});
  cli(key_file, {"config", "show"});
  cli(key_file, {"token", "service", "users.retrieve"});
  cli(key_file, {"codes", "generate", "cli-user"});
  cli(bad_file, {"users", "get", "cli-user"});
  cli(bad_file, {"config", "show"});
  run_cli(capture, {"--private-key-file", key_file, "jwt", "sign", "{\"sub\":\"x\"}"});
  run_cli(capture, {"jwt", "decode", mgmt_pem});
  std::filesystem::remove_all(dir);

  // The search.
  std::vector<std::string> needles = needles_for(mgmt_pem);
  for (auto& n : needles_for(web_pem)) needles.push_back(std::move(n));
  for (auto& n : needles_for(user_pem)) needles.push_back(std::move(n));
  // The detector itself works: the PEM and the hex scalar are both found by it.
  auto found_in = [&](const std::string& text) {
    return std::any_of(needles.begin(), needles.end(), [&](const auto& n) { return text.find(n) != std::string::npos; });
  };
  ASSERT_TRUE(found_in(mgmt_pem) && found_in("x" + hex(d, true) + "y") && found_in(web_pem));
  const auto items = capture.items();
  std::size_t bytes = 0;
  int leaks = 0;
  for (const auto& item : items) {
    bytes += item.text.size();
    for (const auto& needle : needles) {
      if (item.text.find(needle) != std::string::npos) {
        ++leaks;
        ADD_FAILURE() << "private key material in " << item.where << " (fragment of " << needle.size()
                      << " chars; the text is not printed here to keep it out of the test log)";
      }
    }
  }
  EXPECT_GT(items.size(), 30U) << "the flows emitted too little to be a meaningful search";
  std::printf("[secrets] %zu captured outputs (%zu bytes: SDK logs, exception messages, CLI outputs) searched for "
              "%zu key fragments: %d leaks\n",
              items.size(), bytes, needles.size(), leaks);
}

// Passwords (issue 11): the same search for every password a flow used, across the SDK's log and
// exceptions, the CLI's output (password from a file, and the refused --password), and the
// emulator's own log at debug level.
TEST(SecretsLeak, NoPasswordInLogsErrorsOrCliOutput) {
  const auto dir = std::filesystem::temp_directory_path() / ("loginid-pw-secrets-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string emulator_log = (dir / "emulator.log").string();
  std::optional<EmulatorProcess> emulator;
  EmulatorProcess::Options logged;
  logged.stderr_path = emulator_log;
  logged.log_level = "debug";
  emulator.emplace(logged);
  const auto credentials = emulator->credentials();
  const std::string web_id = credentials.at("web").at("client_id");
  const std::string web_pem = credentials.at("web").at("private_key");

  const std::vector<std::string> secrets = {
      "Zq7-unique-secret-passphrase", "Wr0ng-guess-secret-passphrase", "Typ0-confirmation-secret",
      "Qx9!",  // too short: refused by the policy
      "password-is-long-" + std::string(2000, 'Y'),  // over the 1024-byte limit
  };
  Capture capture;
  Options options;
  options.base_url = emulator->base_url();
  options.retry.max_attempts = 1;
  options.log = capture.log_sink("sdk");
  const LoginID web(web_id, std::string(web_pem), options);
  capture.run("register", [&] { (void)web.register_password(loginid::Username("pw-secret-user"), secrets[0]); });
  capture.run("login", [&] { (void)web.authenticate_password(loginid::Username("pw-secret-user"), secrets[0]); });
  capture.run("mismatch", [&] { (void)web.register_password(loginid::Username("pw-other"), secrets[0], secrets[2]); });
  capture.run("too weak", [&] { (void)web.register_password(loginid::Username("pw-weak"), secrets[3]); });
  capture.run("too long", [&] { (void)web.register_password(loginid::Username("pw-long"), secrets[4]); });
  capture.run("too long login", [&] { (void)web.authenticate_password(loginid::Username("pw-secret-user"), secrets[4]); });
  for (int i = 0; i < 6; ++i) {  // wrong, then locked out
    capture.run("wrong " + std::to_string(i), [&] { (void)web.authenticate_password(loginid::Username("pw-secret-user"), secrets[1]); });
  }
  capture.run("unknown", [&] { (void)web.authenticate_password(loginid::Username("pw-nobody"), secrets[1]); });
  capture.run("bad utf8", [&] { (void)web.authenticate_password(loginid::Username("pw-secret-user"), secrets[1] + "\xff"); });

  const auto key_file = write_temp(dir, "web.pem", web_pem);
  const auto password_file = write_temp(dir, "pw.txt", secrets[0] + "\n");
  const std::vector<std::string> common = {"--base-url", emulator->base_url(), "--client-id", web_id,
                                           "--private-key-file", key_file};
  auto cli = [&](std::vector<std::string> args) {
    std::vector<std::string> all = common;
    all.insert(all.end(), args.begin(), args.end());
    run_cli(capture, all);
  };
  cli({"password", "login", "--username", "pw-secret-user", "--password-file", password_file});
  cli({"password", "register", "--username", "pw-cli", "--password-file", password_file});
  cli({"password", "login", "--username", "pw-secret-user", "--password", secrets[1]});
  cli({"password", "login", "--username", "pw-secret-user", "--password=" + secrets[1]});

  emulator.reset();  // stopped: its log is complete
  std::ifstream log_file(emulator_log);
  const std::string log_text((std::istreambuf_iterator<char>(log_file)), std::istreambuf_iterator<char>());
  ASSERT_NE(log_text.find("/authenticate/password"), std::string::npos) << "the emulator logged nothing to search";
  capture.add("emulator log", log_text);
  std::filesystem::remove_all(dir);

  int leaks = 0;
  const auto items = capture.items();
  for (const auto& item : items) {
    for (const auto& secret : secrets) {
      // The long one is searched by a distinctive piece, so a cut-off echo is caught too.
      const std::string needle = secret.size() > 64 ? secret.substr(0, 32) : secret;
      if (item.text.find(needle) != std::string::npos) {
        ++leaks;
        ADD_FAILURE() << "a password appears in " << item.where;
      }
    }
  }
  EXPECT_GT(items.size(), 15U) << "the flows emitted too little to be a meaningful search";
  std::printf("[secrets] %zu captured outputs searched for %zu passwords: %d leaks\n", items.size(), secrets.size(),
              leaks);
}

}  // namespace
}  // namespace loginid::security_test
