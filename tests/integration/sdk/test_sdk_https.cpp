// The SDK's production path, https, against a real loginid-emulator serving TLS (issue 17): a call
// succeeds when the client trusts the emulator's CA (--tls-cert/--tls-key, --tls-self-signed,
// the LOGINID_EMULATOR_HOST=https:// switch); an unknown CA, a certificate for another host name
// and an expired certificate each fail at once, with code tls_failed, a message naming the
// problem, and exactly one connection attempt (counted by the emulator: one "TLS: handshake" log
// line per ClientHello). A bad certificate or key stops the emulator at start-up, naming the file.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>
#include <thread>

#include "emulator_process.hpp"
#include "failure.hpp"
#include "loginid/loginid.hpp"
#include "support/test_pki.hpp"

namespace loginid::test {
namespace {

namespace fs = std::filesystem;

/// How many handshakes the emulator saw clients start (its debug log, one line per ClientHello).
int handshakes(const EmulatorProcess& emulator) {
  const std::string log = emulator.stderr_text();
  int count = 0;
  for (std::size_t at = log.find("TLS: handshake "); at != std::string::npos; at = log.find("TLS: handshake ", at + 1)) {
    ++count;
  }
  return count;
}

/// A temp directory for certificate files, removed at the end.
class CertDir {
 public:
  CertDir() {
    std::string dir_template = (fs::temp_directory_path() / "loginid-https-it-XXXXXX").string();
    if (::mkdtemp(dir_template.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = dir_template;
  }
  CertDir(const CertDir&) = delete;
  CertDir& operator=(const CertDir&) = delete;
  ~CertDir() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  std::string write(const std::string& name, const std::string& text) const {
    write_private_file(dir_ / name, text);
    return (dir_ / name).string();
  }

 private:
  fs::path dir_;
};

/// The emulator serving https with `pair`, logging every handshake.
std::vector<std::string> tls_args(const CertDir& dir, const PemPair& pair) {
  return {"--tls-cert", dir.write("server.pem", pair.cert), "--tls-key", dir.write("server-key.pem", pair.key),
          "--log-level", "debug"};
}

Options options_for(const EmulatorProcess& emulator, std::optional<std::string> ca_bundle) {
  Options options = emulator.options();
  options.ca_bundle = std::move(ca_bundle);
  return options;
}

/// How a get_user call that must fail failed (code "tls_failed": a TransportError of that reason).
Failure failed_call(const LoginIdManagement& mgmt) {
  try {
    (void)mgmt.get_user(loginid::Username("nobody@example.com"));
  } catch (const Error& e) {
    return failure_of(e);
  }
  throw std::runtime_error("the call over https succeeded where it must fail");
}

class SdkOverHttps : public ::testing::Test {
 protected:
  TestCa ca_{"loginid https test CA"};
  CertDir dir_;
};

TEST_F(SdkOverHttps, ACallSucceedsWhenTheClientTrustsTheCa) {
  EmulatorProcess emulator(tls_args(dir_, ca_.issue()));
  ASSERT_EQ(emulator.base_url().rfind("https://127.0.0.1:", 0), 0U) << emulator.base_url();
  // The CA as a file and as PEM text.
  int round = 0;
  for (const auto& ca_bundle : {dir_.write("ca.pem", ca_.cert_pem()), ca_.cert_pem()}) {
    LoginIdManagement mgmt(emulator.client_id("management"), emulator.private_key("management"),
                           options_for(emulator, ca_bundle));
    const User added = mgmt.add_user_without_credentials(loginid::Username("tls-user-" + std::to_string(++round)));
    EXPECT_EQ(mgmt.get_user(loginid::Username(added.username)).id, added.id);
  }
}

TEST_F(SdkOverHttps, AnUnknownCaFailsAtOnceWithOneAttempt) {
  EmulatorProcess emulator(tls_args(dir_, ca_.issue()));
  const TestCa other_ca("another CA");
  LoginIdManagement mgmt(emulator.client_id("management"), emulator.private_key("management"),
                         options_for(emulator, other_ca.cert_pem()));
  const int before = handshakes(emulator);
  const Failure error = failed_call(mgmt);
  EXPECT_EQ(error.status, 0);
  EXPECT_EQ(error.code, "tls_failed");
  EXPECT_NE(std::string(error.what).find("TLS: the server's certificate is signed by an unknown CA"), std::string::npos)
      << error.what;
  EXPECT_NE(std::string(error.what).find("Options::ca_bundle"), std::string::npos) << "says what to do: " << error.what;
  EXPECT_NE(std::string(error.what).find("(after 1 attempt(s))"), std::string::npos) << error.what;
  EXPECT_EQ(handshakes(emulator) - before, 1) << "one connection attempt, never retried:\n" << emulator.stderr_text();
}

TEST_F(SdkOverHttps, ACertificateForAnotherHostNameFailsAtOnceWithOneAttempt) {
  EmulatorProcess emulator(tls_args(dir_, ca_.issue(ServerCertSpec{.subject_alt_names = "DNS:other.example"})));
  LoginIdManagement mgmt(emulator.client_id("management"), emulator.private_key("management"),
                         options_for(emulator, ca_.cert_pem()));
  const int before = handshakes(emulator);
  const Failure error = failed_call(mgmt);
  EXPECT_EQ(error.code, "tls_failed");
  EXPECT_NE(std::string(error.what).find("TLS: the server's certificate is issued for another host name"),
            std::string::npos)
      << error.what;
  EXPECT_NE(std::string(error.what).find("127.0.0.1"), std::string::npos) << "names the host: " << error.what;
  EXPECT_NE(std::string(error.what).find("(after 1 attempt(s))"), std::string::npos) << error.what;
  EXPECT_EQ(handshakes(emulator) - before, 1) << emulator.stderr_text();
}

TEST_F(SdkOverHttps, AnExpiredCertificateFailsAtOnceWithOneAttempt) {
  EmulatorProcess emulator(tls_args(dir_, ca_.issue(ServerCertSpec{.not_before = -7200, .not_after = -3600})));
  EXPECT_NE(emulator.stderr_text().find("warning: --tls-cert"), std::string::npos) << "the emulator warned at start-up";
  EXPECT_NE(emulator.stderr_text().find("the TLS certificate expired on"), std::string::npos) << emulator.stderr_text();
  LoginIdManagement mgmt(emulator.client_id("management"), emulator.private_key("management"),
                         options_for(emulator, ca_.cert_pem()));
  const int before = handshakes(emulator);
  const Failure error = failed_call(mgmt);
  EXPECT_EQ(error.code, "tls_failed");
  EXPECT_NE(std::string(error.what).find("TLS: the server's certificate has expired"), std::string::npos)
      << error.what;
  EXPECT_NE(std::string(error.what).find("(after 1 attempt(s))"), std::string::npos) << error.what;
  EXPECT_EQ(handshakes(emulator) - before, 1) << emulator.stderr_text();
}

/// The emulator's parked waits, read with curl over https (the SDK has no call for /emulator/health).
int parked_waits(const EmulatorProcess& emulator, const std::string& ca_file) {
  const std::string command = "curl -s --max-time 10 --cacert '" + ca_file + "' " + emulator.base_url() + "/emulator/health";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  std::string answer;
  char chunk[256];
  while (std::fgets(chunk, sizeof chunk, pipe) != nullptr) answer += chunk;
  ::pclose(pipe);
  const auto at = answer.find("\"waiters\":");
  return at == std::string::npos ? -1 : std::atoi(answer.c_str() + at + 10);
}

TEST_F(SdkOverHttps, AWaitParkedOnATlsConnectionIsAnsweredAndConnectionsAreKeptAlive) {
  // The event-driven server (issue 12) over TLS: sequential calls of one client share one TLS
  // connection (one handshake, not one per call); the handshake log names the client's address
  // (Asio's TLS reads through a memory BIO, so the server names it itself); a wait_code parked on
  // its TLS connection is answered by the authorize.
  if (std::system("command -v curl >/dev/null 2>&1") != 0) GTEST_SKIP() << "curl is not installed";
  EmulatorProcess emulator(tls_args(dir_, ca_.issue()));
  const std::string ca_file = dir_.write("ca.pem", ca_.cert_pem());
  LoginIdManagement mgmt(emulator.client_id("management"), emulator.private_key("management"),
                         options_for(emulator, ca_file));
  LoginID web(emulator.client_id("web"), emulator.private_key("web"), options_for(emulator, ca_file));

  const int before = handshakes(emulator);
  const loginid::Username waiter("tls-waiter");
  const User user = mgmt.add_user_without_credentials(waiter);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(mgmt.get_user(waiter).id, user.id);
  EXPECT_EQ(handshakes(emulator) - before, 1) << emulator.stderr_text();
  EXPECT_NE(emulator.stderr_text().find("TLS: handshake 1 from 127.0.0.1:"), std::string::npos)
      << emulator.stderr_text();

  const CodeResult code = mgmt.generate_code(waiter, CodeType::short_code, CodePurpose::temporary_authentication);
  auto waiting = std::async(std::launch::async, [&] { return web.wait_code(waiter, code); });
  // Parked before the authorize (bounded: a hang guard, not a timing assumption).
  for (int i = 0; i < 2000 && parked_waits(emulator, ca_file) != 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(parked_waits(emulator, ca_file), 1) << emulator.stderr_text();
  (void)mgmt.authorize_code(waiter, code);
  const AuthResult auth = waiting.get();
  EXPECT_TRUE(auth.is_authenticated);
  EXPECT_EQ(auth.user.id, user.id);
  ASSERT_TRUE(auth.jwt.has_value());
  EXPECT_TRUE(web.verify_token(*auth.jwt, waiter));
}

TEST_F(SdkOverHttps, PlainHttpToTheHttpsPortIsNotAnHttpAnswer) {
  EmulatorProcess emulator(tls_args(dir_, ca_.issue()));
  Options options = options_for(emulator, std::nullopt);
  options.base_url = "http://" + emulator.base_url().substr(std::string("https://").size());
  options.retry.max_attempts = 1;
  LoginIdManagement mgmt(emulator.client_id("management"), emulator.private_key("management"), options);
  const Failure error = failed_call(mgmt);
  EXPECT_EQ(error.status, 0) << "no HTTP status from a TLS port: " << error.what;
}

TEST_F(SdkOverHttps, SelfSignedRecordsItsCaAndTheEmulatorSwitchTrustsIt) {
  EmulatorProcess emulator({"--tls-self-signed"});
  ASSERT_EQ(emulator.base_url().rfind("https://127.0.0.1:", 0), 0U) << emulator.base_url();
  const auto ca_bundle = emulator.ca_bundle();
  ASSERT_TRUE(ca_bundle) << "the credentials file names the CA";
  EXPECT_TRUE(fs::path(*ca_bundle).is_absolute()) << *ca_bundle;
  EXPECT_EQ(fs::path(*ca_bundle).parent_path(), emulator.dir()) << "beside the credentials file";
  EXPECT_TRUE(fs::exists(emulator.dir() / "creds.ca-key.pem"));
  EXPECT_EQ(fs::status(emulator.dir() / "creds.ca-key.pem").permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);

  // Options::ca_bundle with the recorded CA.
  LoginIdManagement mgmt(emulator.client_id("management"), emulator.private_key("management"),
                         options_for(emulator, ca_bundle));
  const User added = mgmt.add_user_without_credentials(loginid::Username("self-signed-user"));
  EXPECT_EQ(mgmt.get_user(loginid::Username("self-signed-user")).id, added.id);

  // The emulator switch: LOGINID_EMULATOR_HOST=https://host:port with LOGINID_EMULATOR_CA.
  const std::string host_port = emulator.base_url().substr(std::string("https://").size());
  ::setenv("LOGINID_EMULATOR_HOST", ("https://" + host_port).c_str(), 1);
  ::setenv("LOGINID_EMULATOR_CA", ca_bundle->c_str(), 1);
  Options switched;
  switched.timeout = std::chrono::seconds(15);
  try {
    LoginIdManagement via_switch(emulator.client_id("management"), emulator.private_key("management"), switched);
    EXPECT_EQ(via_switch.get_user(loginid::Username("self-signed-user")).id, added.id);
  } catch (...) {
    ::unsetenv("LOGINID_EMULATOR_HOST");
    ::unsetenv("LOGINID_EMULATOR_CA");
    throw;
  }
  ::unsetenv("LOGINID_EMULATOR_HOST");
  ::unsetenv("LOGINID_EMULATOR_CA");

  // Without the CA: the system store does not know it.
  LoginIdManagement untrusting(emulator.client_id("management"), emulator.private_key("management"),
                               options_for(emulator, std::nullopt));
  const Failure error = failed_call(untrusting);
  EXPECT_EQ(error.code, "tls_failed");
  EXPECT_NE(std::string(error.what).find("unknown CA"), std::string::npos) << error.what;
}

/// The start-up error of an emulator given these TLS files (it must not start).
std::string startup_error(const std::vector<std::string>& args) {
  try {
    EmulatorProcess emulator(args);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "the emulator started";
}

TEST_F(SdkOverHttps, ABadOrMismatchedCertificateOrKeyStopsTheStartNamingTheFile) {
  const auto pair = ca_.issue();
  const auto other = ca_.issue();
  const auto cert = dir_.write("cert.pem", pair.cert);
  const auto other_key = dir_.write("other-key.pem", other.key);
  auto error = startup_error({"--tls-cert", cert, "--tls-key", other_key});
  EXPECT_NE(error.find("--tls-key " + other_key + " does not belong to the certificate in --tls-cert " + cert),
            std::string::npos)
      << error;
  EXPECT_EQ(error.find(other.key.substr(28, 40)), std::string::npos) << "never the key itself";

  const auto not_pem = dir_.write("not-a-cert.pem", "hello\n");
  error = startup_error({"--tls-cert", not_pem, "--tls-key", other_key});
  EXPECT_NE(error.find("--tls-cert " + not_pem + ": holds no PEM certificate"), std::string::npos) << error;

  error = startup_error({"--tls-cert", cert});
  EXPECT_NE(error.find("--tls-key"), std::string::npos) << "--tls-cert needs --tls-key: " << error;
  error = startup_error({"--tls-self-signed", "--tls-cert", cert, "--tls-key", other_key});
  EXPECT_NE(error.find("--tls-self-signed"), std::string::npos) << error;
}

}  // namespace
}  // namespace loginid::test
