// The happy path of every endpoint in API.md, as a FakeService answers when a test scripted nothing:
// the shapes the real service sends, built from what the request asked for. Stateless on purpose
// (a user exists once named; every code is accepted): a test that needs a refusal scripts it.

#include <algorithm>
#include <functional>
#include <string>

#include "testing/fake_service_state.hpp"

namespace loginid::detail {
namespace {

using nlohmann::json;
using std::chrono::minutes;

constexpr std::string_view kDigits = "0123456789";
constexpr std::string_view kAlphanumerics = "abcdefghijklmnopqrstuvwxyz0123456789";

/// What one answer is built from.
struct Call {
  FakeServiceState& state;
  const HttpRequest& request;
  std::vector<std::string> segments;
  json body;

  [[nodiscard]] std::string text(const char* name) const {
    const auto it = body.find(name);
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
  }
  [[nodiscard]] bool flag(const char* name) const {
    const auto it = body.find(name);
    return it != body.end() && it->is_boolean() && it->get<bool>();
  }
  /// The calling application: its X-Client-ID, else the body's client_id, else the fake's.
  [[nodiscard]] std::string client_id() const {
    const HttpResponse headers{0, request.headers, {}};
    if (const auto id = headers.header("X-Client-ID"); id && !id->empty()) return std::string(*id);
    const std::string from_body = text("client_id");
    return from_body.empty() ? state.options.client_id : from_body;
  }
  /// The body's username, else the one the fake knows for the body's user_id, else a made-up one.
  [[nodiscard]] std::string username() const {
    const std::string name = text("username");
    return name.empty() ? username_for_id(text("user_id")) : name;
  }
  /// The body's user_id, else the fake's id for the username.
  [[nodiscard]] std::string user_id() const {
    const std::string id = text("user_id");
    return id.empty() ? testkit::FakeService::user_id_of(username()) : id;
  }
  /// Users are stateless (see the file comment), so a user known only by id gets a stable name.
  [[nodiscard]] static std::string username_for_id(const std::string& id) {
    return "user-" + id.substr(0, std::min<std::size_t>(8, id.size()));
  }
  [[nodiscard]] std::string now() const { return rfc3339(state.now()); }
  [[nodiscard]] std::string in_five_minutes() const { return rfc3339(state.now() + minutes(5)); }
};

HttpResponse ok(const json& body) { return testkit::FakeService::json(200, body.dump()); }
HttpResponse no_content() { return HttpResponse{204, {{"X-Request-ID", "fake-request-id"}}, {}}; }
HttpResponse bad_request(const std::string& message) { return testkit::FakeService::error(400, "bad_request", message); }

json user_json(const Call& call, const std::string& id, const std::string& username, const char* status) {
  return {{"id", id},
          {"username", username},
          {"status", status},
          {"namespace_id", call.state.options.namespace_id},
          {"client_id", call.client_id()},
          {"type", "user"},
          {"contacts", json::array()},
          {"created_at", call.now()},
          {"updated_at", call.now()}};
}

json credential_json(const Call& call, std::string uuid, std::string name, const char* status) {
  return {{"uuid", std::move(uuid)}, {"type", "fido2"},        {"status", status},
          {"name", std::move(name)}, {"created_at", call.now()}, {"updated_at", call.now()}};
}

HttpResponse authenticated(const Call& call, const char* action, const json& credential = nullptr) {
  testkit::UserTokenClaims claims{.username = call.username(), .user_id = call.user_id(), .audience = call.client_id(),
                                  .action = action};
  json answer = authentication_json(call.state, claims, call.client_id(), !call.flag("no_jwt"));
  if (!credential.is_null()) answer["credential"] = credential;
  return ok(answer);
}

/// The code a code type has (API.md): short 6 digits, long 16 alphanumerics, phrase 4 words.
std::optional<std::string> make_code(const Call& call, std::string_view type) {
  if (type == "short") return call.state.random_text(6, kDigits);
  if (type == "long") return call.state.random_text(16, kAlphanumerics);
  if (type == "phrase") return "apple-river-stone-cloud";
  return std::nullopt;
}

HttpResponse codes(const Call& call) {
  const std::string& type = call.segments[1];
  const std::string& action = call.segments[2];
  const auto code = make_code(call, type);
  if (!code) return testkit::FakeService::error(400, "invalid_code_type", "code_type: '" + type + "' is not short, long or phrase");
  if (action == "generate") {
    return ok({{"code", *code}, {"expires_at", call.in_five_minutes()}, {"is_authorized", call.flag("authorize")}});
  }
  if (action == "authorize") return ok({{"expires_at", call.in_five_minutes()}, {"is_authorized", true}});
  return ok({{"deleted_at", call.now()}});  // invalidate-all
}

HttpResponse create_tx(const Call& call) {
  const std::string payload = call.text("tx_payload");
  if (payload.empty()) return bad_request("tx_payload: missing");
  testkit::FakeTransaction tx{.id = call.state.random_uuid(), .tx_payload = payload, .nonce = call.text("nonce")};
  if (const auto type = call.text("tx_type"); !type.empty()) tx.tx_type = type;
  if (const auto name = call.text("username"); !name.empty()) tx.username = name;
  const json answer{{"id", tx.id}};
  const std::lock_guard lock(call.state.mutex);
  call.state.transactions.push_back(std::move(tx));
  return ok(answer);
}

HttpResponse credential_change(const Call& call, const char* status) {
  const auto it = call.body.find("credential");
  if (it == call.body.end() || !it->is_object() || !it->contains("uuid")) return bad_request("credential.uuid: missing");
  const std::string name = it->value("name", std::string("Passkey"));
  return ok({{"user_id", call.user_id()}, {"credential", credential_json(call, it->value("uuid", ""), name, status)}});
}

json attestation_payload(const Call& call) {
  return {{"credential_uuid", call.state.random_uuid()},
          {"challenge", call.state.random_text(43, kAlphanumerics)},
          {"rp", {{"id", "localhost"}, {"name", "LoginID fake"}}},
          {"user", {{"id", call.state.random_text(22, kAlphanumerics)}, {"name", call.username()},
                    {"displayName", call.username()}}},
          {"pubKeyCredParams", json::array({{{"type", "public-key"}, {"alg", -7}}})},
          {"timeout", 60000},
          {"attestation", "none"},
          {"authenticatorSelection", {{"userVerification", "preferred"}}},
          {"excludeCredentials", json::array()}};
}

json assertion_payload(const Call& call) {
  return {{"challenge", call.state.random_text(43, kAlphanumerics)},
          {"rpId", "localhost"},
          {"allowCredentials", json::array()},
          {"timeout", 60000},
          {"userVerification", "preferred"}};
}

json new_credential(const Call& call, const char* type, const char* default_name) {
  std::string name = default_name;
  if (const auto options = call.body.find("options"); options != call.body.end() && options->is_object()) {
    name = options->value("credential_name", name);
  }
  return {{"uuid", call.state.random_uuid()}, {"type", type}, {"name", name}};
}

struct Endpoint {
  const char* method;
  const char* path;  // segments, '*' matches one
  std::function<HttpResponse(Call&)> answer;
};

const std::vector<Endpoint>& endpoints() {
  static const std::vector<Endpoint> table{
      {"POST", "/tx", create_tx},
      {"POST", "/codes/*/generate", codes},
      {"POST", "/codes/*/authorize", codes},
      {"POST", "/codes/*/invalidate-all", codes},
      {"POST", "/authenticate/code/wait", [](Call& c) { return authenticated(c, "login"); }},
      {"POST", "/credentials/list",
       [](Call& c) {
         const std::string user_id = c.user_id();
         const json passkey = credential_json(c, testkit::FakeService::user_id_of(user_id + "/passkey"), "Passkey", "active");
         return ok({{"user_id", user_id}, {"credentials", json::array({passkey})}});
       }},
      {"POST", "/credentials/rename", [](Call& c) { return credential_change(c, "active"); }},
      {"POST", "/credentials/revoke", [](Call& c) { return credential_change(c, "revoked"); }},
      {"POST", "/manage/users/retrieve", [](Call& c) { return ok(user_json(c, c.user_id(), c.username(), "active")); }},
      {"POST", "/manage/users", [](Call& c) { return ok(user_json(c, c.user_id(), c.username(), "active")); }},
      {"PUT", "/manage/users/*/deactivate",
       [](Call& c) { return ok(user_json(c, c.segments[2], Call::username_for_id(c.segments[2]), "inactive")); }},
      {"PUT", "/manage/users/*/activate",
       [](Call& c) { return ok(user_json(c, c.segments[2], Call::username_for_id(c.segments[2]), "active")); }},
      {"DELETE", "/manage/users/*", [](Call&) { return no_content(); }},
      {"POST", "/manage/users/delete", [](Call&) { return no_content(); }},
      {"POST", "/credentials/publickey",
       [](Call& c) { return authenticated(c, "credential_add", new_credential(c, "public_key", "Public key")); }},
      {"POST", "/authenticate/publickey/init",
       [](Call& c) {
         return ok({{"challenge_id", c.state.random_uuid()}, {"server_nonce", c.state.random_text(16, kAlphanumerics)}});
       }},
      {"POST", "/authenticate/publickey/complete", [](Call& c) { return authenticated(c, "login"); }},
      {"POST", "/register/password", [](Call& c) { return authenticated(c, "register"); }},
      {"POST", "/authenticate/password", [](Call& c) { return authenticated(c, "login"); }},
      {"POST", "/credentials/recovery-code",
       [](Call& c) { return ok({{"code", "ocean-maple-silver-tiger-lamp-orbit"}, {"created_at", c.now()}}); }},
      {"POST", "/register/fido2/init",
       [](Call& c) {
         return ok({{"register_session", c.state.random_uuid()}, {"attestation_payload", attestation_payload(c)}});
       }},
      {"POST", "/credentials/fido2/init/code", [](Call& c) { return ok({{"attestation_payload", attestation_payload(c)}}); }},
      {"POST", "/credentials/fido2/init/force", [](Call& c) { return ok({{"attestation_payload", attestation_payload(c)}}); }},
      {"POST", "/authenticate/fido2/init", [](Call& c) { return ok({{"assertion_payload", assertion_payload(c)}}); }},
      {"POST", "/register/fido2/complete",
       [](Call& c) { return authenticated(c, "register", new_credential(c, "fido2", "Passkey")); }},
      {"POST", "/credentials/fido2/complete",
       [](Call& c) { return authenticated(c, "credential_add", new_credential(c, "fido2", "Passkey")); }},
      {"POST", "/authenticate/fido2/complete", [](Call& c) { return authenticated(c, "login"); }},
  };
  return table;
}

}  // namespace

json authentication_json(const FakeServiceState& state, const testkit::UserTokenClaims& claims,
                         const std::string& client_id, bool with_jwt) {
  const std::string user_id = claims.user_id.value_or(testkit::FakeService::user_id_of(claims.username));
  json answer{{"is_authenticated", true},
              {"user", {{"id", user_id}, {"username", claims.username}, {"namespace_id", state.options.namespace_id}}},
              {"client", {{"id", client_id}, {"type", "web"}}}};
  if (with_jwt) answer["jwt"] = mint_user_token(state, claims);
  return answer;
}

HttpResponse default_answer(FakeServiceState& state, const HttpRequest& request) {
  const std::string path = testkit::path_of(request);
  Call call{state, request, split_path(path), json::object()};
  if (!request.body.empty()) {
    call.body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (!call.body.is_object()) return bad_request("body: not a JSON object");
  }
  for (const auto& endpoint : endpoints()) {
    if (request.method == endpoint.method && path_matches(split_path(endpoint.path), call.segments)) {
      return endpoint.answer(call);
    }
  }
  return testkit::FakeService::error(404, "not_found", "the fake LoginID service has no " + request.method + " " + path);
}

}  // namespace loginid::detail
