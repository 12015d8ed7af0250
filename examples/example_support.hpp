#pragma once
// Helpers shared by the examples: read the emulator's credentials file, build the clients from it,
// print each step, and talk to the emulator's admin API (the part of LoginID a person would do on
// the dashboard or on their phone). Uses only the SDK's public headers.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <optional>
#include <string>

#include <loginid/loginid.hpp>
#include <nlohmann/json.hpp>

namespace example {

/// The file written by `loginid-emulator --credentials-out FILE`:
/// {"base_url", "web": {"client_id", "private_key"}, "management": {...}}, and "ca_bundle" (the path of
/// the emulator's CA) when it serves https with --tls-self-signed.
/// The keys are parsed once, here: a PrivateKey is cheap to copy into any number of clients and
/// never leaves its PEM text lying around.
struct Credentials {
  std::string base_url;
  std::string web_client_id;
  loginid::PrivateKey web_key;
  std::string management_client_id;
  loginid::PrivateKey management_key;
  std::optional<std::string> ca_bundle;
};

/// argv[1], else $LOGINID_CREDENTIALS_FILE.
inline Credentials load_credentials(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : std::getenv("LOGINID_CREDENTIALS_FILE");
  if (path == nullptr) throw std::runtime_error("usage: give the emulator's credentials file (argv[1] or LOGINID_CREDENTIALS_FILE)");
  std::ifstream in(path);
  if (!in) throw std::runtime_error(std::string("cannot read ") + path);
  const auto json = nlohmann::json::parse(in);
  const auto key = [&json](const char* app) {
    return loginid::PrivateKey::from_pem(json.at(app).at("private_key").get_ref<const std::string&>());
  };
  Credentials credentials{json.at("base_url"), json.at("web").at("client_id"), key("web"),
                          json.at("management").at("client_id"), key("management"), {}};
  if (json.contains("ca_bundle")) credentials.ca_bundle = json.at("ca_bundle").get<std::string>();
  return credentials;
}

/// The SDK options: LOGINID_EMULATOR_HOST (the emulator switch) wins when set, else the
/// base URL from the credentials file, trusting the emulator's CA when it serves https.
inline loginid::Options options_for(const Credentials& credentials) {
  loginid::Options options;
  if (std::getenv("LOGINID_EMULATOR_HOST") == nullptr) {
    options.base_url = credentials.base_url;
    options.ca_bundle = credentials.ca_bundle;
  }
  return options;
}

/// The backend's two clients, configured from the credentials file as quickstart.cpp spells out:
/// the management client (users, codes, credentials) and the web application users log into.
inline loginid::LoginIdManagement management_client(const Credentials& credentials) {
  return loginid::LoginIdManagement(credentials.management_client_id, credentials.management_key,
                                    options_for(credentials));
}
inline loginid::LoginID web_client(const Credentials& credentials) {
  return loginid::LoginID(credentials.web_client_id, credentials.web_key, options_for(credentials));
}

/// Prints "[ok] what" or "[FAILED] what" and counts failures.
class Steps {
 public:
  void check(bool ok, const std::string& what) {
    std::printf("%s %s\n", ok ? "[ok]    " : "[FAILED]", what.c_str());
    std::fflush(stdout);
    if (!ok) ++failures_;
  }
  /// Runs `call`, which must be refused by the service with `code`.
  template <typename Call>
  void expect_error(const loginid::ServiceCode& code, const std::string& what, Call&& call) {
    try {
      call();
      check(false, what + " (no error)");
    } catch (const loginid::ServiceError& e) {
      check(e.code() == code, what + " -> " + e.what());
    } catch (const loginid::Error& e) {  // anything else the SDK throws: a failed step, not a crash
      check(false, what + " -> " + e.what());
    }
  }
  [[nodiscard]] int exit_code() const {
    std::printf("%s\n", failures_ == 0 ? "all steps succeeded" : "some steps FAILED");
    return failures_ == 0 ? 0 : 1;
  }

 private:
  int failures_ = 0;
};

/// A call to the emulator's admin API (`/emulator/...`) through the SDK's public HTTP transport.
inline nlohmann::json admin_call(const Credentials& credentials, const std::string& path,
                                 const nlohmann::json& body = nlohmann::json::object()) {
  static const auto transport = loginid::make_curl_transport({.ca_bundle = credentials.ca_bundle});
  loginid::HttpRequest request;
  request.method = "POST";
  request.url = credentials.base_url + path;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = body.dump();
  const loginid::HttpResponse response = transport->send(request);
  if (response.status != 200) {
    throw std::runtime_error("admin " + path + " answered " + std::to_string(response.status) + ": " + response.body);
  }
  return nlohmann::json::parse(response.body);
}

/// A username no earlier run used (the emulator's database may be reused).
inline std::string unique_username(const std::string& stem) {
  std::random_device random;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", random());
  return stem + "-" + suffix + "@example.com";
}

}  // namespace example
