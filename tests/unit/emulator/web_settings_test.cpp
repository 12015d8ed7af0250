#include <gtest/gtest.h>

#include "emulator/service/errors.hpp"
#include "emulator/service/web_settings.hpp"

namespace loginid::detail::emulator {
namespace {

std::string refusal(const WebSettingsChange& change, const std::string& type = "web") {
  try {
    apply_web_settings(store::WebSettings{}, change, type);
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), Errc::bad_request);
    return e.what();
  }
  return "accepted";
}

TEST(EmulatorWebSettings, DefaultsAllowEveryLocalhostPortOverHttpOnly) {
  const store::WebSettings defaults;
  EXPECT_EQ(defaults.rp_id, "localhost");
  EXPECT_FALSE(defaults.public_init);
  for (const char* origin : {"http://localhost", "http://localhost:3000", "http://localhost:65535"}) {
    EXPECT_TRUE(origin_allowed(defaults.allowed_origins, origin)) << origin;
  }
  for (const char* origin : {"https://localhost:3000", "http://127.0.0.1:3000", "http://localhost.evil.test",
                             "http://evillocalhost:3000", "null", "", "http://localhost:3000/", "http://localhost:0",
                             "http://localhost:99999", "http://localhost:*"}) {
    EXPECT_FALSE(origin_allowed(defaults.allowed_origins, origin)) << origin;
  }
}

TEST(EmulatorWebSettings, ExactOriginsMatchSchemeHostAndPort) {
  WebSettingsChange change;
  change.allowed_origins = {"https://App.Example.com", "http://example.com:8080", "http://[::1]:3000"};
  auto settings = apply_web_settings(store::WebSettings{}, change, "web");
  EXPECT_EQ(settings.allowed_origins,
            (std::vector<std::string>{"https://app.example.com", "http://example.com:8080", "http://[::1]:3000"}));
  EXPECT_TRUE(origin_allowed(settings.allowed_origins, "https://app.example.com"));
  EXPECT_TRUE(origin_allowed(settings.allowed_origins, "https://app.example.com:443"));  // default port
  EXPECT_TRUE(origin_allowed(settings.allowed_origins, "http://example.com:8080"));
  EXPECT_TRUE(origin_allowed(settings.allowed_origins, "http://[::1]:3000"));
  EXPECT_FALSE(origin_allowed(settings.allowed_origins, "http://app.example.com"));
  EXPECT_FALSE(origin_allowed(settings.allowed_origins, "https://app.example.com:8443"));
  EXPECT_FALSE(origin_allowed(settings.allowed_origins, "http://example.com"));
  EXPECT_FALSE(origin_allowed(settings.allowed_origins, "http://localhost:3000"));  // the list was replaced
}

TEST(EmulatorWebSettings, DefaultPortsAreDroppedAndAnyPortIsKept) {
  WebSettingsChange change;
  change.allowed_origins = {"https://example.com:443", "http://example.com:80", "http://dev.test:*"};
  auto settings = apply_web_settings(store::WebSettings{}, change, "web");
  EXPECT_EQ(settings.allowed_origins,
            (std::vector<std::string>{"https://example.com", "http://example.com", "http://dev.test:*"}));
}

TEST(EmulatorWebSettings, BadValuesAreRefusedNamingTheField) {
  auto origins = [](std::vector<std::string> list) {
    WebSettingsChange change;
    change.allowed_origins = std::move(list);
    return change;
  };
  EXPECT_NE(refusal(origins({"http://ok.test", "http://x.test/"})).find("allowed_origins[1]: an origin has no path"),
            std::string::npos);
  EXPECT_NE(refusal(origins({"ftp://x.test"})).find("allowed_origins[0]: must start with http:// or https://"),
            std::string::npos);
  EXPECT_NE(refusal(origins({"http://"})).find("allowed_origins[0]: has no host"), std::string::npos);
  EXPECT_NE(refusal(origins({"http://x.test:0"})).find("allowed_origins[0]: port"), std::string::npos);
  EXPECT_NE(refusal(origins({"http://x.test:70000"})).find("allowed_origins[0]: port"), std::string::npos);
  EXPECT_NE(refusal(origins({"http://x.test:8a"})).find("allowed_origins[0]: port"), std::string::npos);
  EXPECT_NE(refusal(origins({"http://x_y.test"})).find("allowed_origins[0]"), std::string::npos);
  EXPECT_NE(refusal(origins({"http://[::1"})).find("allowed_origins[0]"), std::string::npos);
  EXPECT_NE(refusal(origins({"*"})).find("allowed_origins[0]"), std::string::npos);
  EXPECT_NE(refusal(origins({std::string(300, 'a')})).find("allowed_origins[0]: longer than 256"), std::string::npos);
  EXPECT_NE(refusal(origins(std::vector<std::string>(33, "http://x.test"))).find("allowed_origins: at most 32"),
            std::string::npos);

  auto rp_id = [](std::string id) {
    WebSettingsChange change;
    change.rp_id = std::move(id);
    return change;
  };
  for (const char* bad : {"", "https://example.com", "example.com:443", "example.com/", "-x.test", "x..test",
                          "127.0.0.1", "a b"}) {
    EXPECT_EQ(refusal(rp_id(bad)).rfind("rp_id: ", 0), 0u) << bad;
  }
  EXPECT_EQ(refusal(rp_id(std::string(254, 'a'))).rfind("rp_id: ", 0), 0u);
  EXPECT_EQ(apply_web_settings({}, rp_id("Login.Example.COM"), "web").rp_id, "login.example.com");

  WebSettingsChange name;
  name.rp_name = "";
  EXPECT_EQ(refusal(name).rfind("rp_name: ", 0), 0u);
  name.rp_name = std::string(129, 'n');
  EXPECT_EQ(refusal(name).rfind("rp_name: ", 0), 0u);
}

TEST(EmulatorWebSettings, OnlyAWebApplicationMayLetPagesStartFlowsWithoutAToken) {
  WebSettingsChange on;
  on.public_init = true;
  EXPECT_TRUE(apply_web_settings({}, on, "web").public_init);
  EXPECT_EQ(refusal(on, "management").rfind("public_init: ", 0), 0u);
  WebSettingsChange off;
  off.public_init = false;
  EXPECT_FALSE(apply_web_settings({}, off, "management").public_init);
}

TEST(EmulatorWebSettings, UnchangedFieldsKeepTheirValues) {
  store::WebSettings current{"example.com", "Example", {"https://example.com"}, true};
  WebSettingsChange change;
  change.rp_name = "Renamed";
  auto updated = apply_web_settings(current, change, "web");
  EXPECT_EQ(updated.rp_id, "example.com");
  EXPECT_EQ(updated.rp_name, "Renamed");
  EXPECT_EQ(updated.allowed_origins, current.allowed_origins);
  EXPECT_TRUE(updated.public_init);
}

TEST(EmulatorWebSettings, OriginsInMessagesArePrintableAndBounded) {
  EXPECT_EQ(printable_origin("http://a\x01\xff.test"), "http://a??.test");
  EXPECT_EQ(printable_origin(std::string(500, 'o')).size(), 203u);
}

}  // namespace
}  // namespace loginid::detail::emulator
