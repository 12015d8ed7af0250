// Per-application web settings (admin API and flags) and CORS for browser pages (docs/emulator.md,
// "Web settings" and "CORS"). A page's requests are played with the headers a browser sends.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "integration/emulator/test_support.hpp"

namespace loginid::testing {
namespace {

const nlohmann::json kLaptopDefaults = {
    {"rp_id", "localhost"}, {"rp_name", "LoginID emulator"}, {"allowed_origins", {"http://localhost:*"}}};

/// A browser-like request from a page at `origin`: Origin and Content-Type, no X-Client-ID.
Reply from_page(EmulatorClient& client, const std::string& origin, const std::string& method, const std::string& path,
                const nlohmann::json& body, httplib::Headers extra = {}) {
  extra.emplace("Origin", origin);
  return client.send(method, path, body, extra);
}

Reply preflight(EmulatorClient& client, const std::string& origin, const std::string& path) {
  return client.send("OPTIONS", path, std::nullopt,
                     {{"Origin", origin},
                      {"Access-Control-Request-Method", "POST"},
                      {"Access-Control-Request-Headers", "content-type,authorization"}});
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Runs the emulator binary with `args` and a fresh database; returns its exit status and stderr.
std::pair<int, std::string> run_emulator(const std::string& args) {
  const char* bin = std::getenv("LOGINID_EMULATOR_BIN");
  if (bin == nullptr) return {-1, "LOGINID_EMULATOR_BIN is not set"};
  auto dir = std::filesystem::temp_directory_path() / ("loginid-emu-flags-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto err = (dir / "stderr").string();
  const auto command = std::string(bin) + " --port 0 --db " + (dir / "x.db").string() + " " + args +
                       " >/dev/null 2>" + err;
  int status = std::system(command.c_str());
  auto text = read_file(err);
  std::filesystem::remove_all(dir);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

class EmulatorWeb : public ::testing::Test {
 protected:
  ~EmulatorWeb() override {
    std::error_code ignored;
    std::filesystem::remove_all(log_dir_, ignored);
  }
  nlohmann::json settings_of(const std::string& client_id) {
    auto reply = client.admin("GET", "/emulator/applications/" + client_id + "/web-settings");
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.json;
  }

  std::filesystem::path log_dir_ =
      std::filesystem::temp_directory_path() / ("loginid-emu-web-" + std::to_string(::getpid()) + "-" +
                                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::string log_path_ = (log_dir_ / "stderr").string();
  bool log_dir_made_ = std::filesystem::create_directories(log_dir_);  // before the emulator starts
  EmulatorProcess emulator{{{}, {}, {}, log_path_}};
  EmulatorClient client{emulator};
};

TEST_F(EmulatorWeb, ThePreflightIsAnsweredForAnyOriginSoTheRequestItselfCanBeChecked) {
  for (const std::string origin : {"http://localhost:5173", "https://not-configured.example"}) {
    for (const std::string path : {"/register/fido2/init", "/api/native/authenticate/code/wait", "/no/such/path"}) {
      auto reply = preflight(client, origin, path);
      EXPECT_EQ(reply.status, 204) << origin << " " << path << " " << reply.body;
      EXPECT_EQ(reply.header("Access-Control-Allow-Origin"), origin);
      EXPECT_NE(reply.header("Vary").find("Origin"), std::string::npos);
      const auto methods = reply.header("Access-Control-Allow-Methods");
      for (const char* method : {"GET", "POST", "PUT", "DELETE"}) {
        EXPECT_NE(methods.find(method), std::string::npos) << methods;
      }
      const auto headers = reply.header("Access-Control-Allow-Headers");
      for (const char* name : {"Content-Type", "Authorization", "X-Client-ID"}) {
        EXPECT_NE(headers.find(name), std::string::npos) << headers;
      }
      EXPECT_FALSE(reply.header("Access-Control-Max-Age").empty());
      EXPECT_TRUE(reply.header("Access-Control-Allow-Credentials").empty()) << "the emulator uses no cookies";
    }
  }
}

TEST_F(EmulatorWeb, AnAllowedOriginCanReadEveryAnswerAsJson) {
  const std::string origin = "http://localhost:5173";
  client.create_user("page-user");
  auto pre = client.generate_code("page-user", "short", true).at("code").get<std::string>();
  const nlohmann::json wait = {{"client_id", client.web().client_id},
                               {"username", "page-user"},
                               {"authentication_code", {{"code", pre}, {"type", "short"}}}};
  auto ok = from_page(client, origin, "POST", "/authenticate/code/wait", wait);
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.header("Access-Control-Allow-Origin"), origin);
  EXPECT_NE(ok.header("Access-Control-Expose-Headers").find("X-Request-ID"), std::string::npos);

  // Refusals, unknown paths, other methods and oversized bodies: JSON the page can read.
  auto refused = from_page(client, origin, "POST", "/authenticate/code/wait", wait);
  expect_error(refused, 400, "code_invalid");
  EXPECT_EQ(refused.header("Access-Control-Allow-Origin"), origin);
  auto missing = from_page(client, origin, "POST", "/no/such/path", {{"client_id", client.web().client_id}});
  expect_error(missing, 404, "not_found");
  EXPECT_EQ(missing.header("Access-Control-Allow-Origin"), origin);
  auto method = from_page(client, origin, "GET", "/authenticate/code/wait", nlohmann::json::object());
  expect_error(method, 405, "method_not_allowed");
  EXPECT_EQ(method.header("Access-Control-Allow-Origin"), origin);
  auto huge = client.send_raw("POST", "/tx", std::string(70 * 1024, ' '), {{"Origin", origin}});
  expect_error(huge, 413, "payload_too_large");
  EXPECT_EQ(huge.header("Access-Control-Allow-Origin"), origin);
  auto no_client = from_page(client, origin, "POST", "/authenticate/code/wait", {{"username", "page-user"}});
  expect_error(no_client, 400, "bad_request");
  EXPECT_EQ(no_client.header("Access-Control-Allow-Origin"), origin);
}

TEST_F(EmulatorWeb, ADisallowedOriginIsRefusedWithAnErrorThePageCanReadAndALogLine) {
  const std::string origin = "http://evil.example:8000";
  client.create_user("victim");
  auto pre = client.generate_code("victim", "short", true).at("code").get<std::string>();
  const nlohmann::json wait = {{"client_id", client.web().client_id},
                               {"username", "victim"},
                               {"authentication_code", {{"code", pre}, {"type", "short"}}}};
  auto refused = from_page(client, origin, "POST", "/authenticate/code/wait", wait);
  expect_error(refused, 403, "origin_not_allowed");
  EXPECT_EQ(refused.header("Access-Control-Allow-Origin"), origin) << "the page must be able to read the refusal";
  const auto message = refused.json.value("message", "");
  EXPECT_NE(message.find(origin), std::string::npos) << message;
  EXPECT_NE(message.find(client.web().client_id), std::string::npos) << message;
  EXPECT_NE(message.find("http://localhost:*"), std::string::npos) << "names what is allowed: " << message;
  EXPECT_NE(message.find("--allowed-origin " + origin), std::string::npos) << message;
  EXPECT_NE(message.find("/emulator/applications/" + client.web().client_id + "/web-settings"), std::string::npos);

  // Refused before anything ran: the code is still there for the real page.
  auto later = client.send("POST", "/authenticate/code/wait", wait);
  EXPECT_EQ(later.status, 200) << later.body;

  // The application may also be named by X-Client-ID (no body).
  auto listed = client.send("GET", "/credentials?username=victim", std::nullopt,
                            {{"Origin", origin}, {"X-Client-ID", client.management().client_id}});
  expect_error(listed, 403, "origin_not_allowed");

  // Near-misses of the default pattern.
  for (const std::string near : {"https://localhost:3000", "http://127.0.0.1:3000", "http://localhost.evil.example",
                                 "null"}) {
    expect_error(from_page(client, near, "POST", "/authenticate/code/wait", wait), 403, "origin_not_allowed");
  }

  auto log = read_file(log_path_);
  EXPECT_NE(log.find("CORS: refused origin " + origin + " for application " + client.web().client_id),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find(pre), std::string::npos) << "no codes in the log";
}

TEST_F(EmulatorWeb, TheAdminApiDoesNotAnswerBrowserPages) {
  const auto kid_before = client.admin("GET", "/emulator/keys").json.at("keys").size();
  auto rotate = client.send("POST", "/emulator/keys/rotate", nlohmann::json::object(),
                            {{"Origin", "http://localhost:3000"}});
  expect_error(rotate, 403, "forbidden");
  EXPECT_TRUE(rotate.header("Access-Control-Allow-Origin").empty());
  EXPECT_EQ(client.admin("GET", "/emulator/keys").json.at("keys").size(), kid_before) << "nothing rotated";
  auto pre = preflight(client, "http://localhost:3000", "/api/native/emulator/applications");
  expect_error(pre, 403, "forbidden");
  EXPECT_TRUE(pre.header("Access-Control-Allow-Origin").empty());
}

TEST_F(EmulatorWeb, TheDefaultApplicationsHaveLaptopDefaults) {
  auto web = settings_of(client.web().client_id);
  auto management = settings_of(client.management().client_id);
  for (const auto& [key, value] : kLaptopDefaults.items()) {
    EXPECT_EQ(web.at(key), value) << key;
    EXPECT_EQ(management.at(key), value) << key;
  }
  EXPECT_EQ(web.at("public_init"), true);
  EXPECT_EQ(management.at("public_init"), false);

  auto listed = client.admin("GET", "/emulator/applications").json.at("applications");
  ASSERT_EQ(listed.size(), 2u);
  for (const auto& app : listed) EXPECT_TRUE(app.at("web_settings").is_object()) << app.dump();
  auto one = client.admin("GET", "/emulator/applications/" + client.web().client_id);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.json.at("web_settings"), web);
  EXPECT_FALSE(one.json.contains("private_key"));
}

TEST_F(EmulatorWeb, TheAdminApiChangesSettingsAndTheyTakeEffectAtOnce) {
  const auto id = client.web().client_id;
  auto changed = client.admin("PUT", "/emulator/applications/" + id + "/web-settings",
                              nlohmann::json{{"allowed_origins", {"https://App.Example.test", "http://localhost:*"}}});
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(changed.json.at("allowed_origins"),
            nlohmann::json({"https://app.example.test", "http://localhost:*"}));
  EXPECT_EQ(changed.json.at("rp_id"), "localhost") << "fields not sent keep their value";
  EXPECT_EQ(changed.json.at("public_init"), true);

  client.create_user("shopper");
  auto code = client.generate_code("shopper", "short", true).at("code").get<std::string>();
  const nlohmann::json wait = {{"client_id", id},
                               {"username", "shopper"},
                               {"authentication_code", {{"code", code}, {"type", "short"}}}};
  auto allowed = from_page(client, "https://app.example.test", "POST", "/authenticate/code/wait", wait);
  EXPECT_EQ(allowed.status, 200) << allowed.body;

  auto again = client.admin("PUT", "/emulator/applications/" + id + "/web-settings",
                            nlohmann::json{{"rp_id", "Example.TEST"},
                                           {"rp_name", "Example shop"},
                                           {"public_init", false},
                                           {"allowed_origins", nlohmann::json::array()}});
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json, nlohmann::json({{"rp_id", "example.test"},
                                        {"rp_name", "Example shop"},
                                        {"allowed_origins", nlohmann::json::array()},
                                        {"public_init", false}}));
  EXPECT_EQ(settings_of(id), again.json);
  expect_error(from_page(client, "http://localhost:3000", "POST", "/authenticate/code/wait", wait), 403,
               "origin_not_allowed");
}

TEST_F(EmulatorWeb, BadSettingsAreRefusedNamingTheFieldAndChangeNothing) {
  const auto id = client.web().client_id;
  const auto path = "/emulator/applications/" + id + "/web-settings";
  const std::vector<std::pair<nlohmann::json, std::string>> cases = {
      {{{"allowed_origins", {"http://ok.test", "http://x.test/"}}}, "allowed_origins[1]: "},
      {{{"allowed_origins", "http://x.test"}}, "allowed_origins: must be an array"},
      {{{"allowed_origins", {1}}}, "allowed_origins: must be an array of strings"},
      {{{"rp_id", "https://example.com"}}, "rp_id: "},
      {{{"rp_id", 7}}, "rp_id: must be a string"},
      {{{"rp_name", ""}}, "rp_name: "},
      {{{"public_init", "yes"}}, "public_init: must be a boolean"},
      {{{"alowed_origins", nlohmann::json::array()}}, "alowed_origins: unknown web setting"},
  };
  for (const auto& [body, prefix] : cases) {
    auto reply = client.admin("PUT", path, body);
    expect_error(reply, 400, "bad_request");
    EXPECT_EQ(reply.json.value("message", "").rfind(prefix, 0), 0u) << reply.body;
  }
  expect_error(client.admin("PUT", "/emulator/applications/" + client.management().client_id + "/web-settings",
                            nlohmann::json{{"public_init", true}}),
               400, "bad_request");
  expect_error(client.send_raw("PUT", path, "{not json"), 400, "bad_request");
  expect_error(client.admin("PUT", "/emulator/applications/no-such-app/web-settings", nlohmann::json{{"rp_name", "x"}}), 404,
               "not_found");
  expect_error(client.admin("GET", "/emulator/applications/bad%20id/web-settings"), 400, "bad_request");
  expect_error(client.admin("GET", "/emulator/applications/no-such-app"), 404, "not_found");
  auto settings = settings_of(id);
  for (const auto& [key, value] : kLaptopDefaults.items()) EXPECT_EQ(settings.at(key), value) << key;
  EXPECT_EQ(settings.at("public_init"), true);
}

TEST_F(EmulatorWeb, ANewApplicationTakesItsSettingsAtCreation) {
  auto created = client.admin("POST", "/emulator/applications",
                              nlohmann::json{{"type", "web"},
                                             {"web_settings",
                                              {{"rp_id", "shop.test"}, {"allowed_origins", {"https://shop.test"}}}}});
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(created.json.at("web_settings").at("rp_id"), "shop.test");
  EXPECT_EQ(created.json.at("web_settings").at("allowed_origins"), nlohmann::json({"https://shop.test"}));
  EXPECT_EQ(created.json.at("web_settings").at("public_init"), false) << "only the default web application";
  EXPECT_EQ(created.json.at("web_settings").at("rp_name"), "LoginID emulator");

  auto bad = client.admin("POST", "/emulator/applications",
                          nlohmann::json{{"type", "management"}, {"web_settings", {{"public_init", true}}}});
  expect_error(bad, 400, "bad_request");
  EXPECT_EQ(bad.json.value("message", "").rfind("public_init: ", 0), 0u) << bad.body;
  auto unknown = client.admin("POST", "/emulator/applications",
                              nlohmann::json{{"type", "web"}, {"web_settings", {{"rpid", "x"}}}});
  expect_error(unknown, 400, "bad_request");
  EXPECT_EQ(unknown.json.value("message", "").rfind("web_settings.rpid: ", 0), 0u) << unknown.body;
  EXPECT_EQ(client.admin("GET", "/emulator/applications").json.at("applications").size(), 3u) << "none made";
}

TEST(EmulatorWebFlags, FlagsSetTheDefaultApplicationsAndTheSettingsPersist) {
  auto dir = std::filesystem::temp_directory_path() / ("loginid-emu-webflags-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto db = (dir / "e.db").string();
  const nlohmann::json expected = {{"rp_id", "app.example.test"},
                                   {"rp_name", "Example"},
                                   {"allowed_origins", {"https://app.example.test", "http://localhost:*"}}};
  for (int run = 0; run < 2; ++run) {
    std::vector<std::string> flags;
    if (run == 0) {
      flags = {"--rp-id",          "app.example.test", "--rp-name",       "Example", "--allowed-origin",
               "https://app.example.test", "--allowed-origin", "http://localhost:*", "--public-init", "off"};
    }
    EmulatorProcess emulator({flags, db, dir.string()});
    EmulatorClient client(emulator);
    for (const auto& app : {client.web(), client.management()}) {
      auto settings = client.admin("GET", "/emulator/applications/" + app.client_id + "/web-settings").json;
      for (const auto& [key, value] : expected.items()) EXPECT_EQ(settings.at(key), value) << run << " " << key;
      EXPECT_EQ(settings.at("public_init"), false) << run;
    }
  }
  {
    EmulatorProcess emulator({{"--public-init", "on"}, db, dir.string()});
    EmulatorClient client(emulator);
    auto settings = client.admin("GET", "/emulator/applications/" + client.web().client_id + "/web-settings").json;
    EXPECT_EQ(settings.at("public_init"), true);
    EXPECT_EQ(settings.at("rp_id"), "app.example.test") << "flags not given keep the stored value";
  }
  std::filesystem::remove_all(dir);
}

TEST(EmulatorWebFlags, ABadFlagValueStopsTheStartWithAMessage) {
  auto [status, err] = run_emulator("--allowed-origin http://x.test/path");
  EXPECT_EQ(status, 2) << err;
  EXPECT_NE(err.find("allowed_origins[0]: an origin has no path"), std::string::npos) << err;
  std::tie(status, err) = run_emulator("--rp-id 10.0.0.1");
  EXPECT_EQ(status, 2) << err;
  EXPECT_NE(err.find("rp_id: "), std::string::npos) << err;
  std::tie(status, err) = run_emulator("--public-init maybe");
  EXPECT_NE(status, 0) << err;
}

}  // namespace
}  // namespace loginid::testing
