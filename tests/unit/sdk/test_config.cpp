// Base URL resolution: Options::base_url, the LOGINID_EMULATOR_HOST switch, the default, and the
// refusal of insecure or malformed set-ups with a message naming what was wrong.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <utility>
#include <vector>

#include "loginid/client.hpp"
#include "loginid/error.hpp"
#include "sdk/config.hpp"
#include "sdk/service_client.hpp"
#include "test_transport_fake.hpp"

namespace loginid::detail {
namespace {

Options with_base(std::string url) {
  Options options;
  options.base_url = std::move(url);
  return options;
}

std::string refusal(const Options& options, const std::optional<std::string>& env = std::nullopt) {
  try {
    resolve_base_url(options, env);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(BaseUrl, ExplicitUrlWinsAndLosesTrailingSlash) {
  EXPECT_EQ(resolve_base_url(with_base("https://example.com/"), "127.0.0.1:1"), "https://example.com");
  EXPECT_EQ(resolve_base_url(with_base("https://example.com/api/native/"), std::nullopt),
            "https://example.com/api/native");
  EXPECT_EQ(resolve_base_url(with_base("https://example.com:8443"), std::nullopt), "https://example.com:8443");
}

TEST(BaseUrl, DefaultIsProduction) {
  EXPECT_EQ(resolve_base_url(Options{}, std::nullopt), std::string(kDefaultBaseUrl));
}

TEST(BaseUrl, EmulatorSwitchGivesPlainHttpToLoopback) {
  EXPECT_EQ(resolve_base_url(Options{}, "127.0.0.1:8787"), "http://127.0.0.1:8787");
  EXPECT_EQ(resolve_base_url(Options{}, "localhost:8787"), "http://localhost:8787");
  EXPECT_EQ(resolve_base_url(Options{}, "[::1]:8787"), "http://[::1]:8787");
}

TEST(BaseUrl, EmulatorSwitchLearnsHttpsFromAScheme) {
  EXPECT_EQ(resolve_base_url(Options{}, "https://localhost:8443"), "https://localhost:8443");
  EXPECT_EQ(resolve_base_url(Options{}, "HTTPS://[::1]:8443"), "https://[::1]:8443");
  EXPECT_EQ(resolve_base_url(Options{}, "http://127.0.0.1:8787"), "http://127.0.0.1:8787");
  // https needs no allow_insecure_http, also to another machine (a phone testing passkeys).
  EXPECT_EQ(resolve_base_url(Options{}, "https://192.168.1.20:8443"), "https://192.168.1.20:8443");
}

TEST(BaseUrl, EmulatorSwitchRefusesRemoteHostUnlessAllowed) {
  const auto message = refusal(Options{}, "10.1.2.3:8787");
  EXPECT_NE(message.find("LOGINID_EMULATOR_HOST"), std::string::npos) << message;
  EXPECT_NE(message.find("allow_insecure_http"), std::string::npos) << message;
  Options allowed;
  allowed.allow_insecure_http = true;
  EXPECT_EQ(resolve_base_url(allowed, "10.1.2.3:8787"), "http://10.1.2.3:8787");
}

TEST(BaseUrl, EmulatorSwitchRejectsMalformedValues) {
  EXPECT_NE(refusal(Options{}, "127.0.0.1").find("port is missing"), std::string::npos);
  EXPECT_NE(refusal(Options{}, "ftp://127.0.0.1:1").find("without any other scheme"), std::string::npos);
  EXPECT_NE(refusal(Options{}, "https://127.0.0.1:1/api").find("without any other scheme or a path"), std::string::npos);
  EXPECT_NE(refusal(Options{}, "https://127.0.0.1").find("port is missing"), std::string::npos);
  EXPECT_NE(refusal(Options{}, "127.0.0.1:99999").find("port"), std::string::npos);
  EXPECT_NE(refusal(Options{}, "127.0.0.1:abc").find("port"), std::string::npos);
}

TEST(BaseUrl, PlainHttpOnlyToLoopback) {
  EXPECT_EQ(resolve_base_url(with_base("http://127.0.0.5:80"), std::nullopt), "http://127.0.0.5:80");
  EXPECT_EQ(resolve_base_url(with_base("http://LOCALHOST:80"), std::nullopt), "http://LOCALHOST:80");
  EXPECT_EQ(resolve_base_url(with_base("http://[::1]:80"), std::nullopt), "http://[::1]:80");
  for (const char* remote : {"http://example.com", "http://128.0.0.1", "http://[::2]:80", "http://localhost.evil.com",
                             "http://127.0.0.1.nip.io"}) {
    const auto message = refusal(with_base(remote));
    EXPECT_NE(message.find("Options::base_url"), std::string::npos) << remote << ": " << message;
    EXPECT_NE(message.find("plain http://"), std::string::npos) << remote << ": " << message;
  }
  auto allowed = with_base("http://example.com");
  allowed.allow_insecure_http = true;
  EXPECT_EQ(resolve_base_url(allowed, std::nullopt), "http://example.com");
}

TEST(BaseUrl, OtherSchemesAndShapesRefused) {
  EXPECT_NE(refusal(with_base("ftp://example.com")).find("scheme 'ftp'"), std::string::npos);
  EXPECT_NE(refusal(with_base("file:///etc/passwd")).find("scheme 'file'"), std::string::npos);
  EXPECT_NE(refusal(with_base("example.com")).find("not an absolute URL"), std::string::npos);
  EXPECT_NE(refusal(with_base("https://user:pw@example.com")).find("user info"), std::string::npos);
  EXPECT_NE(refusal(with_base("https://example.com/?a=b")).find("query"), std::string::npos);
  EXPECT_NE(refusal(with_base("https://exa mple.com")).find("spaces"), std::string::npos);
  EXPECT_NE(refusal(with_base("https://")).find("no host"), std::string::npos);
  EXPECT_NE(refusal(with_base("")).find("empty"), std::string::npos);
}

TEST(Loopback, Classification) {
  for (const char* yes : {"localhost", "127.0.0.1", "127.255.255.254", "::1", "[::1]", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(is_loopback_host(yes)) << yes;
  }
  for (const char* no : {"", "example.com", "10.0.0.1", "0.0.0.0", "::", "::2", "127.0.0.1.example.com", "127.1"}) {
    EXPECT_FALSE(is_loopback_host(no)) << no;
  }
}

// The environment is read by the ServiceClient constructor (the one place): set, then unset.
TEST(BaseUrl, ServiceClientReadsTheEmulatorSwitchFromTheEnvironment) {
  Options options;
  options.transport = std::make_shared<test::ScriptedTransport>();
  ASSERT_EQ(setenv(kEmulatorHostEnv, "127.0.0.1:4321", 1), 0);
  const ServiceClient switched(options, "client");
  EXPECT_EQ(switched.base_url(), "http://127.0.0.1:4321");
  ASSERT_EQ(setenv(kEmulatorHostEnv, "203.0.113.9:4321", 1), 0);
  EXPECT_THROW(ServiceClient(options, "client"), InvalidArgument);
  options.base_url = "https://example.com/";
  EXPECT_EQ(ServiceClient(options, "client").base_url(), "https://example.com");  // explicit wins
  ASSERT_EQ(unsetenv(kEmulatorHostEnv), 0);
  options.base_url.reset();
  EXPECT_EQ(ServiceClient(options, "client").base_url(), std::string(kDefaultBaseUrl));
}

// LOGINID_EMULATOR_CA is the switch's CA: given to the transport only when the switch is in use and
// the caller chose no CA and no base URL. Seen through the libcurl transport's check of the bundle:
// a CA path that does not exist is refused when the client is made, naming ca_bundle.
TEST(BaseUrl, TheEmulatorCaAppliesOnlyToTheEmulatorSwitch) {
  ASSERT_EQ(setenv(kEmulatorCaEnv, "/nonexistent/emulator-ca.pem", 1), 0);
  Options options;  // the default libcurl transport
  EXPECT_NO_THROW(ServiceClient(options, "client"));  // no switch: production trust untouched
  ASSERT_EQ(setenv(kEmulatorHostEnv, "https://127.0.0.1:4321", 1), 0);
  try {
    ServiceClient(options, "client");
    ADD_FAILURE() << "LOGINID_EMULATOR_CA not used";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/emulator-ca.pem"), std::string::npos) << e.what();
  }
  options.ca_bundle = "-----BEGIN CERTIFICATE-----\n";  // the caller's own CA wins
  EXPECT_NO_THROW(ServiceClient(options, "client"));
  options.ca_bundle.reset();
  options.base_url = "https://example.com";  // so does an explicit base URL
  EXPECT_NO_THROW(ServiceClient(options, "client"));
  ASSERT_EQ(unsetenv(kEmulatorHostEnv), 0);
  ASSERT_EQ(unsetenv(kEmulatorCaEnv), 0);
}

// Issue 16 finding 8: the emulator switch is visible (is_emulator(), one warning through the log
// sink naming the variable, the URL and /certs) and can be turned off (Options::honour_emulator_env).
struct LogLines {
  std::vector<std::pair<LogLevel, std::string>> lines;
  [[nodiscard]] LogCallback sink() {
    return [this](LogLevel level, std::string_view line) { lines.emplace_back(level, std::string(line)); };
  }
  [[nodiscard]] int count_containing(std::string_view text) const {
    return static_cast<int>(std::count_if(lines.begin(), lines.end(),
                                          [&](const auto& line) { return line.second.find(text) != std::string::npos; }));
  }
};

TEST(EmulatorSwitch, IsSaidOnceThroughTheLogAndVisibleOnTheClient) {
  auto transport = std::make_shared<test::ScriptedTransport>();
  transport->set_handler([](const HttpRequest&, int) { return HttpResponse{404, {}, R"({"code":"not_found","message":"no"})"}; });
  LogLines log;
  Options options;
  options.transport = transport;
  options.log = log.sink();
  ASSERT_EQ(setenv(kEmulatorHostEnv, "127.0.0.1:4321", 1), 0);
  const LoginID client("client", std::string{}, options);
  ASSERT_EQ(unsetenv(kEmulatorHostEnv), 0);
  EXPECT_TRUE(client.is_emulator());
  EXPECT_EQ(client.base_url(), "http://127.0.0.1:4321");
  ASSERT_EQ(log.count_containing(kEmulatorHostEnv), 1);
  const auto& [level, line] = log.lines.front();
  EXPECT_EQ(level, LogLevel::warning);
  EXPECT_NE(line.find("http://127.0.0.1:4321"), std::string::npos) << line;
  EXPECT_NE(line.find("/certs"), std::string::npos) << line;
  EXPECT_NE(line.find("honour_emulator_env"), std::string::npos) << line;
  // Calls (here a key fetch for a token) do not say it again.
  EXPECT_FALSE(client.verify_token("eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.e30.c2ln"));
  EXPECT_EQ(log.count_containing(kEmulatorHostEnv), 1);
}

TEST(EmulatorSwitch, CanBeTurnedOffAndIsOffWithAnExplicitBaseUrl) {
  Options options;
  options.transport = std::make_shared<test::ScriptedTransport>();
  LogLines log;
  options.log = log.sink();
  ASSERT_EQ(setenv(kEmulatorHostEnv, "127.0.0.1:4321", 1), 0);
  ASSERT_EQ(setenv(kEmulatorCaEnv, "/nonexistent/emulator-ca.pem", 1), 0);
  options.honour_emulator_env = false;
  const LoginID production("client", std::string{}, options);
  Options explicit_url = options;
  explicit_url.honour_emulator_env = true;
  explicit_url.base_url = "http://127.0.0.1:9999";
  const LoginID pinned("client", std::string{}, explicit_url);
  Options curl_default;  // the libcurl transport would refuse the missing CA file if it were used
  curl_default.honour_emulator_env = false;
  EXPECT_NO_THROW(LoginID("client", std::string{}, curl_default));
  ASSERT_EQ(unsetenv(kEmulatorHostEnv), 0);
  ASSERT_EQ(unsetenv(kEmulatorCaEnv), 0);
  EXPECT_FALSE(production.is_emulator());
  EXPECT_EQ(production.base_url(), std::string(kDefaultBaseUrl));
  EXPECT_FALSE(pinned.is_emulator());
  EXPECT_EQ(pinned.base_url(), "http://127.0.0.1:9999");
  EXPECT_EQ(log.count_containing(kEmulatorHostEnv), 0);
  EXPECT_FALSE(LoginID("client", std::string{}, Options{.transport = options.transport}).is_emulator());  // unset
}

}  // namespace
}  // namespace loginid::detail
