#pragma once
// The fake service of the client-function tests: loginid::testkit::FakeService (the public one users
// test with) answering from each test's script; /certs?kid=<kKid> serves the public half of a test
// "LoginID" signing key so the SDK can verify the user tokens the tests sign with it.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "loginid/client.hpp"
#include "claims_json.hpp"
#include "loginid/jwt.hpp"
#include "loginid/keys.hpp"
#include "loginid/options.hpp"
#include "failure.hpp"
#include "loginid/testing/fake_service.hpp"
#include "loginid/transport.hpp"

namespace loginid::test {

inline constexpr const char* kBaseUrl = "http://127.0.0.1:1";
inline constexpr const char* kClientId = "app-client-id";
inline constexpr const char* kKid = "5b0a3a2e-6c2d-4c1f-9a53-1f3f2f1c0d11";
/// 2026-11-29T00:00:00Z: the fixed "now" of every test.
inline const std::chrono::system_clock::time_point kNow{std::chrono::seconds(1'795'910'400)};

inline std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(kNow.time_since_epoch()).count();
}

inline HttpResponse json_response(int status, const nlohmann::json& body) {
  return HttpResponse{status, {{"Content-Type", "application/json"}, {"X-Request-ID", "req-123"}}, body.dump()};
}

/// The recording fake transport of these tests: the public fake service (loginid::testing) with the
/// tests' fixed key id and clock. Every request but the /certs key fetches (which it serves) is
/// answered by the test's script; default answers are off, so an unscripted call gets a 501.
class RecordingTransport final : public HttpTransport {
 public:
  using Handler = testkit::FakeService::Handler;

  explicit RecordingTransport(const PrivateKey& loginid_key)
      : fake_({.client_id = kClientId, .signing_key = loginid_key, .kid = kKid, .clock = [] { return kNow; },
               .default_answers = false}),
        transport_(fake_.transport()) {}

  /// Answers every non-/certs request with `answer`.
  void answer(HttpResponse answer) {
    fake_.on_any([answer = std::move(answer)](const HttpRequest&) { return answer; });
  }
  void answer_with(Handler handler) { fake_.on_any(std::move(handler)); }

  HttpResponse send(const HttpRequest& request) override { return transport_->send(request); }

  /// The requests other than key fetches, in order.
  std::vector<HttpRequest> requests() const { return fake_.requests(); }
  int certs_fetches() const { return static_cast<int>(fake_.certs_fetches()); }
  const testkit::FakeService& fake() const { return fake_; }

 private:
  testkit::FakeService fake_;
  std::shared_ptr<HttpTransport> transport_;
};

/// The application key, LoginID's signing key, a fake transport and options wired to them.
struct Fixture {
  PrivateKey app_key = PrivateKey::generate();
  PrivateKey loginid_key = PrivateKey::generate();
  std::shared_ptr<RecordingTransport> transport = std::make_shared<RecordingTransport>(loginid_key);

  Options options(int max_attempts = 1) const {
    Options o;
    o.base_url = kBaseUrl;
    o.transport = transport;
    o.clock = [] { return kNow; };
    o.retry.max_attempts = max_attempts;
    o.retry.initial_backoff = std::chrono::milliseconds(1);
    o.retry.max_backoff = std::chrono::milliseconds(2);
    return o;
  }

  std::string app_pem() const { return std::string(app_key.to_pem().view()); }

  /// A user token as LoginID issues it (API.md), for `aud` and `username`.
  std::string user_token(const std::string& aud = kClientId, const std::string& username = "alice",
                         nlohmann::json extra = nlohmann::json::object()) const {
    nlohmann::json claims{{"iss", "loginid.io"},  {"sub", "8d3c6a64-8a3f-4d55-9d6e-3b1a0c0f0e01"},
                          {"aud", aud},           {"action", "login"},
                          {"iat", now_seconds()}, {"exp", now_seconds() + 3600},
                          {"udata", username}};
    claims.update(extra);
    return transport->fake().sign(Claims::from_json(claims.dump()));
  }
};

/// An authentication response (API.md) for `username`, with `jwt` when given.
inline nlohmann::json auth_response(const std::optional<std::string>& jwt, const std::string& username = "alice") {
  nlohmann::json body{
      {"is_authenticated", true},
      {"user", {{"id", "8d3c6a64-8a3f-4d55-9d6e-3b1a0c0f0e01"}, {"username", username}, {"namespace_id", "ns-1"}}},
      {"client", {{"id", kClientId}, {"type", "web"}}}};
  if (jwt) body["jwt"] = *jwt;
  return body;
}

/// The JSON body of a recorded request (null when it had none).
inline nlohmann::json body_of(const HttpRequest& request) {
  return request.body.empty() ? nlohmann::json() : nlohmann::json::parse(request.body);
}

/// The value of a header (case-insensitive), or "" when absent.
inline std::string header_of(const HttpRequest& request, std::string_view name) {
  HttpResponse view{0, request.headers, {}};
  auto value = view.header(name);
  return value ? std::string(*value) : std::string();
}


/// The claims of the request's `Authorization: Bearer` service token, which must be signed with `app_key`.
inline nlohmann::json bearer_claims(const HttpRequest& request, const PublicKey& app_key) {
  const std::string auth = header_of(request, "Authorization");
  EXPECT_EQ(auth.rfind("Bearer ", 0), 0U) << auth;
  if (auth.rfind("Bearer ", 0) != 0) return nlohmann::json::object();
  const auto jwt = decode_jwt_as_json(auth.substr(7));
  EXPECT_FALSE(detail::check_signature_json(jwt, app_key)) << "signed with the application key";
  return jwt.payload;
}

}  // namespace loginid::test
