#pragma once
// A plain HTTP client for the emulator tests: httplib + the JOSE core's token builders (not the SDK).

#include <httplib.h>

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "integration/emulator/emulator_process.hpp"
#include "loginid/keys.hpp"

namespace loginid::testing {

struct App {
  std::string client_id;
  PrivateKey key;
};

struct Reply {
  int status = 0;  ///< 0 when no HTTP answer came
  std::string body;
  nlohmann::json json;  ///< parsed body when it is JSON, else null
  httplib::Headers headers;
  [[nodiscard]] std::string header(const std::string& name) const;
};

class EmulatorClient {
 public:
  explicit EmulatorClient(const EmulatorProcess& emulator, std::string admin_token = {});

  [[nodiscard]] App web() const { return web_; }
  [[nodiscard]] App management() const { return management_; }

  /// A service token for `app` (API.md): fresh nonce unless given; iat = now + iat_offset.
  static std::string token(const App& app, const std::string& scope, std::optional<std::string> nonce = std::nullopt,
                           std::chrono::seconds iat_offset = std::chrono::seconds(0));

  Reply send(const std::string& method, const std::string& path, const std::optional<nlohmann::json>& body = {},
             const httplib::Headers& headers = {});
  Reply send_raw(const std::string& method, const std::string& path, const std::string& body,
                 const httplib::Headers& headers = {});
  /// A scoped call: Authorization with a fresh token for `scope`, X-Client-ID, and the body's
  /// client_id set to the app's.
  Reply scoped(const std::string& method, const std::string& path, nlohmann::json body, const App& app,
               const std::string& scope);
  /// A call with an explicit Authorization token.
  Reply with_token(const std::string& method, const std::string& path, const nlohmann::json& body, const App& app,
                   const std::string& token);
  Reply admin(const std::string& method, const std::string& path, const std::optional<nlohmann::json>& body = {});

  // Conveniences over the management app.
  nlohmann::json create_user(const std::string& username);
  nlohmann::json generate_code(const std::string& username, const std::string& type = "short", bool authorize = false);
  Reply authorize_code(const std::string& username, const std::string& code, const std::string& type = "short");
  /// A new application of `type` in `namespace_id` (default namespace when empty).
  App create_app(const std::string& type, const std::string& namespace_id = {});

  httplib::Client& http() { return client_; }

 private:
  httplib::Client client_;
  std::string admin_token_;
  App web_;
  App management_;
};

}  // namespace loginid::testing
