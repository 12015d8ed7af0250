#include "integration/emulator/emulator_client.hpp"

#include <stdexcept>

#include "jose/tokens.hpp"

namespace loginid::testing {
namespace {

App app_from(const nlohmann::json& entry) {
  return App{entry.at("client_id").get<std::string>(), PrivateKey::from_pem(entry.at("private_key").get<std::string>())};
}

Reply to_reply(const httplib::Result& result) {
  Reply reply;
  if (!result) return reply;
  reply.status = result->status;
  reply.body = result->body;
  reply.headers = result->headers;
  reply.json = nlohmann::json::parse(reply.body, nullptr, false);
  if (reply.json.is_discarded()) reply.json = nullptr;
  return reply;
}

}  // namespace

std::string Reply::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

EmulatorClient::EmulatorClient(const EmulatorProcess& emulator, std::string admin_token)
    : client_(emulator.host(), emulator.port()),
      admin_token_(std::move(admin_token)),
      web_(app_from(emulator.credentials().at("web"))),
      management_(app_from(emulator.credentials().at("management"))) {
  client_.set_connection_timeout(5);
  client_.set_tcp_nodelay(true);
  client_.set_read_timeout(60);
  client_.set_write_timeout(5);
}

std::string EmulatorClient::token(const App& app, const std::string& scope, std::optional<std::string> nonce,
                                  std::chrono::seconds iat_offset) {
  detail::ServiceTokenRequest request;
  request.client_id = app.client_id;
  request.scope = scope;
  if (nonce) request.nonce = *nonce;
  request.now = std::chrono::system_clock::now() + iat_offset;
  return detail::make_service_token(app.key, request);
}

Reply EmulatorClient::send_raw(const std::string& method, const std::string& path, const std::string& body,
                               const httplib::Headers& headers) {
  const char* type = "application/json";
  if (method == "GET") return to_reply(client_.Get(path.c_str(), headers));
  if (method == "POST") return to_reply(client_.Post(path.c_str(), headers, body, type));
  if (method == "PUT") return to_reply(client_.Put(path.c_str(), headers, body, type));
  if (method == "DELETE") return to_reply(client_.Delete(path.c_str(), headers, body, type));
  if (method == "PATCH") return to_reply(client_.Patch(path.c_str(), headers, body, type));
  if (method == "OPTIONS") return to_reply(client_.Options(path.c_str(), headers));
  throw std::invalid_argument("unsupported method " + method);
}

Reply EmulatorClient::send(const std::string& method, const std::string& path,
                           const std::optional<nlohmann::json>& body, const httplib::Headers& headers) {
  return send_raw(method, path, body ? body->dump() : std::string(), headers);
}

Reply EmulatorClient::with_token(const std::string& method, const std::string& path, const nlohmann::json& body,
                                 const App& app, const std::string& token) {
  httplib::Headers headers = {{"Authorization", "Bearer " + token}, {"X-Client-ID", app.client_id}};
  if (method == "GET") return send(method, path, std::nullopt, headers);
  return send(method, path, body, headers);
}

Reply EmulatorClient::scoped(const std::string& method, const std::string& path, nlohmann::json body,
                             const App& app, const std::string& scope) {
  if (body.is_object()) body["client_id"] = app.client_id;
  return with_token(method, path, body, app, token(app, scope));
}

Reply EmulatorClient::admin(const std::string& method, const std::string& path,
                            const std::optional<nlohmann::json>& body) {
  httplib::Headers headers;
  if (!admin_token_.empty()) headers.emplace("Authorization", "Bearer " + admin_token_);
  return send(method, path, body.value_or(nlohmann::json::object()), headers);
}

nlohmann::json EmulatorClient::create_user(const std::string& username) {
  auto reply = scoped("POST", "/manage/users", {{"username", username}}, management_, "users.create");
  if (reply.status != 200) throw std::runtime_error("create_user failed: " + reply.body);
  return reply.json;
}

nlohmann::json EmulatorClient::generate_code(const std::string& username, const std::string& type, bool authorize) {
  auto reply = scoped("POST", "/codes/" + type + "/generate",
                      {{"purpose", "temporary_authentication"}, {"authorize", authorize}, {"username", username}},
                      management_, "codes.generate");
  if (reply.status != 200) throw std::runtime_error("generate_code failed: " + reply.body);
  return reply.json;
}

Reply EmulatorClient::authorize_code(const std::string& username, const std::string& code, const std::string& type) {
  return scoped("POST", "/codes/" + type + "/authorize",
                {{"purpose", "temporary_authentication"}, {"code", code}, {"username", username}}, management_,
                "codes.authorize");
}

App EmulatorClient::create_app(const std::string& type, const std::string& namespace_id) {
  nlohmann::json body = {{"type", type}};
  if (!namespace_id.empty()) body["namespace_id"] = namespace_id;
  auto reply = admin("POST", "/emulator/applications", body);
  if (reply.status != 200) throw std::runtime_error("create_app failed: " + reply.body);
  return App{reply.json.at("client_id").get<std::string>(),
             PrivateKey::from_pem(reply.json.at("private_key").get<std::string>())};
}

}  // namespace loginid::testing
