// The emulator's TLS module (src/emulator/tls): loading and checking --tls-cert/--tls-key (each
// problem names the file, never shows the key), the SSL_CTX set-up (TLS 1.2 minimum), and
// --tls-self-signed's local CA (kept, reused, owner-only key) and the certificates it issues.

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "emulator/tls/local_ca.hpp"
#include "emulator/tls/server_tls.hpp"
#include "support/test_pki.hpp"

namespace tls = loginid::detail::emulator::tls;
namespace fs = std::filesystem;
using loginid::test::ServerCertSpec;
using loginid::test::TestCa;

namespace {

class TlsFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir_template = (fs::temp_directory_path() / "loginid-tls-unit-XXXXXX").string();
    ASSERT_NE(::mkdtemp(dir_template.data()), nullptr);
    dir_ = dir_template;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    loginid::test::write_private_file(dir_ / name, text);
    return (dir_ / name).string();
  }

  /// The error text of load_identity(cert, key), "" when it loads.
  static std::string load_error(const std::string& cert, const std::string& key) {
    try {
      (void)tls::load_identity(cert, key);
      return "";
    } catch (const std::exception& e) {
      return e.what();
    }
  }

  static std::string read(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  fs::path dir_;
  TestCa ca_;
};

/// The body line of a PEM key (what must never appear in an error).
std::string key_body_line(const std::string& pem) { return pem.substr(pem.find('\n') + 1, 40); }

TEST_F(TlsFiles, AGoodPairLoadsAndTheContextWantsTls12AtLeast) {
  const auto pair = ca_.issue();
  const auto identity = tls::load_identity(write("cert.pem", pair.cert + ca_.cert_pem()), write("key.pem", pair.key));
  EXPECT_EQ(identity.chain.size(), 2U) << "the leaf, then the chain as given";
  EXPECT_TRUE(tls::certificate_names(identity, "localhost"));
  EXPECT_TRUE(tls::certificate_names(identity, "127.0.0.1"));
  EXPECT_TRUE(tls::certificate_names(identity, "[::1]"));
  EXPECT_FALSE(tls::certificate_names(identity, "example.com"));
  EXPECT_TRUE(tls::identity_warnings(identity, "127.0.0.1", std::time(nullptr)).empty());

  tls::ServerTls server_tls(tls::load_identity((dir_ / "cert.pem").string(), (dir_ / "key.pem").string()), {});
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  ASSERT_TRUE(server_tls.configure(*ctx));
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx.get()), TLS1_2_VERSION);
  EXPECT_NE(SSL_CTX_get_options(ctx.get()) & SSL_OP_NO_COMPRESSION, 0U);
  EXPECT_NE(SSL_CTX_get_options(ctx.get()) & SSL_OP_NO_RENEGOTIATION, 0U);
}

TEST_F(TlsFiles, EachBadFileIsNamedWithWhatIsWrongAndTheKeyNeverShows) {
  const auto pair = ca_.issue();
  const auto other = ca_.issue();
  const auto cert = write("cert.pem", pair.cert);
  const auto key = write("key.pem", pair.key);
  const auto other_key = write("other-key.pem", other.key);

  auto error = load_error((dir_ / "missing.pem").string(), key);
  EXPECT_NE(error.find("--tls-cert " + (dir_ / "missing.pem").string() + ": cannot be read"), std::string::npos) << error;
  error = load_error(cert, (dir_ / "missing-key.pem").string());
  EXPECT_NE(error.find("--tls-key " + (dir_ / "missing-key.pem").string() + ": cannot be read"), std::string::npos) << error;

  error = load_error(write("garbage.pem", "not a certificate\n"), key);
  EXPECT_NE(error.find("garbage.pem: holds no PEM certificate"), std::string::npos) << error;
  error = load_error(cert, write("garbage-key.pem", "not a key\n"));
  EXPECT_NE(error.find("garbage-key.pem: holds no PEM private key"), std::string::npos) << error;

  error = load_error(key, cert);
  EXPECT_NE(error.find("--tls-cert " + key + ": holds a private key, not a certificate (are --tls-cert and --tls-key swapped?)"),
            std::string::npos)
      << error;
  EXPECT_EQ(error.find(key_body_line(pair.key)), std::string::npos) << "the key must never show: " << error;

  error = load_error(cert, other_key);
  EXPECT_NE(error.find("--tls-key " + other_key + " does not belong to the certificate in --tls-cert " + cert),
            std::string::npos)
      << error;
  EXPECT_EQ(error.find(key_body_line(other.key)), std::string::npos) << error;

  error = load_error(cert, write("encrypted.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n"));
  EXPECT_NE(error.find("encrypted.pem: the key is passphrase-protected"), std::string::npos) << error;

  std::string damaged = pair.cert;
  damaged[damaged.size() / 2] = '!';
  error = load_error(write("damaged.pem", damaged), key);
  EXPECT_NE(error.find("damaged.pem: "), std::string::npos) << error;
  EXPECT_NE(error.find("damaged"), std::string::npos) << error;
}

TEST_F(TlsFiles, AnExpiredOrMisnamedCertificateLoadsWithAWarning) {
  const auto expired = ca_.issue(ServerCertSpec{.not_before = -7200, .not_after = -3600});
  const auto identity = tls::load_identity(write("old.pem", expired.cert), write("old-key.pem", expired.key));
  const auto warnings = tls::identity_warnings(identity, "127.0.0.1", std::time(nullptr));
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_NE(warnings[0].find("the TLS certificate expired on"), std::string::npos) << warnings[0];

  const auto misnamed = ca_.issue(ServerCertSpec{.subject_alt_names = "DNS:other.example"});
  const auto named = tls::load_identity(write("other.pem", misnamed.cert), write("other-key.pem", misnamed.key));
  const auto name_warnings = tls::identity_warnings(named, "localhost", std::time(nullptr));
  ASSERT_EQ(name_warnings.size(), 1U);
  EXPECT_NE(name_warnings[0].find("does not name 'localhost'"), std::string::npos) << name_warnings[0];
  EXPECT_TRUE(tls::identity_warnings(named, "0.0.0.0", std::time(nullptr)).empty()) << "a wildcard is no name";
}

TEST_F(TlsFiles, TheLocalCaIsMadeOnceKeptOwnerOnlyAndIssuesVerifiableCertificates) {
  const auto files = tls::local_ca_files((dir_ / "dev.credentials.json").string());
  EXPECT_EQ(files.cert, (dir_ / "dev.ca.pem").string());
  EXPECT_EQ(files.key, (dir_ / "dev.ca-key.pem").string());

  const auto first = tls::load_or_create_local_ca(files);
  EXPECT_TRUE(first.created);
  struct stat key_stat {};
  ASSERT_EQ(::stat(files.key.c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600U) << "the CA's key is the owner's only";
  const std::string ca_pem = read(files.cert);

  const auto again = tls::load_or_create_local_ca(files);
  EXPECT_FALSE(again.created) << "a CA a browser was told to trust stays";
  EXPECT_EQ(read(files.cert), ca_pem);

  const auto identity = tls::issue_server_identity(again, {"emulator.lan", "192.168.1.20", "0.0.0.0"});
  for (const char* host : {"localhost", "127.0.0.1", "::1", "emulator.lan", "192.168.1.20"}) {
    EXPECT_TRUE(tls::certificate_names(identity, host)) << host;
  }
  EXPECT_FALSE(tls::certificate_names(identity, "0.0.0.0"));
  // The chain verifies against the CA file alone, for TLS servers.
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), &X509_STORE_free);
  ASSERT_EQ(X509_STORE_load_file(store.get(), files.cert.c_str()), 1);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), &X509_STORE_CTX_free);
  ASSERT_EQ(X509_STORE_CTX_init(ctx.get(), store.get(), identity.chain.front().get(), nullptr), 1);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  EXPECT_EQ(X509_verify_cert(ctx.get()), 1) << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  // Two starts never reuse a serial (browsers refuse a second certificate with the same one).
  const auto second = tls::issue_server_identity(again, {});
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(identity.chain.front().get()),
                             X509_get0_serialNumber(second.chain.front().get())),
            0);

  EXPECT_THROW((void)tls::issue_server_identity(again, {"bad,DNS:evil.example"}), std::runtime_error);
}

TEST_F(TlsFiles, AnIncompleteOrMismatchedLocalCaIsRefusedByName) {
  const auto files = tls::local_ca_files((dir_ / "dev.credentials.json").string());
  (void)tls::load_or_create_local_ca(files);
  const std::string key = read(files.key);
  fs::remove(files.key);
  try {
    (void)tls::load_or_create_local_ca(files);
    FAIL() << "an incomplete CA loaded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(files.cert + " is there but " + files.key + " is not"), std::string::npos)
        << e.what();
  }
  write("dev.ca-key.pem", ca_.issue().key);
  try {
    (void)tls::load_or_create_local_ca(files);
    FAIL() << "a CA with another key loaded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("does not belong to its certificate"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find(key_body_line(key)), std::string::npos);
  }
}

}  // namespace
