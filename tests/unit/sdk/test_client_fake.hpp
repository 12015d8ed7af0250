#pragma once
// A recording fake HttpTransport for the client-function tests: it records every request and
// answers from a handler; /certs?kid=<kKid> serves the public half of a test "LoginID" signing key
// so the SDK can verify the user tokens the tests sign with it.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "jose/tokens.hpp"

#include "loginid/client.hpp"
#include "claims_json.hpp"
#include "loginid/jwt.hpp"
#include "loginid/keys.hpp"
#include "loginid/options.hpp"
#include "failure.hpp"
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

class RecordingTransport final : public HttpTransport {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  explicit RecordingTransport(PublicKey loginid_key) : loginid_key_(std::move(loginid_key)) {}

  /// Answers every non-/certs request with `answer`.
  void answer(HttpResponse answer) {
    std::lock_guard lock(mutex_);
    handler_ = [answer = std::move(answer)](const HttpRequest&) { return answer; };
  }
  void answer_with(Handler handler) {
    std::lock_guard lock(mutex_);
    handler_ = std::move(handler);
  }

  HttpResponse send(const HttpRequest& request) override {
    std::lock_guard lock(mutex_);
    if (request.url == std::string(kBaseUrl) + "/certs?kid=" + kKid) {
      ++certs_fetches_;
      return HttpResponse{200, {{"Content-Type", "text/plain"}, {"Cache-Control", "max-age=300"}},
                          loginid_key_.to_pem()};
    }
    requests_.push_back(request);
    if (!handler_) return json_response(500, {{"code", "internal_error"}, {"message", "no answer scripted"}});
    return handler_(request);
  }

  /// The requests other than key fetches, in order.
  std::vector<HttpRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  int certs_fetches() const {
    std::lock_guard lock(mutex_);
    return certs_fetches_;
  }

 private:
  mutable std::mutex mutex_;
  PublicKey loginid_key_;
  Handler handler_;
  std::vector<HttpRequest> requests_;
  int certs_fetches_ = 0;
};

/// The application key, LoginID's signing key, a fake transport and options wired to them.
struct Fixture {
  PrivateKey app_key = PrivateKey::generate();
  PrivateKey loginid_key = PrivateKey::generate();
  std::shared_ptr<RecordingTransport> transport = std::make_shared<RecordingTransport>(loginid_key.public_key());

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
    return detail::sign_jwt_json(claims, loginid_key, kKid);
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
