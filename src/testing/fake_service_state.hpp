#pragma once
// The shared state of a loginid::testkit::FakeService: what its transport answers with and what it
// records. Built on libloginid's public API only (DESIGN.md: testing -> sdk), so the testing library
// links nothing the SDK's users do not already link.

#include <cstddef>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "loginid/client.hpp"
#include "loginid/testing/fake_service.hpp"

namespace loginid::detail {

/// One on() script: `method` and a path pattern (segments, `*` matching any one).
struct FakeRoute {
  std::string method;
  std::vector<std::string> segments;
  testkit::FakeService::Handler handler;
};

struct FakeServiceState {
  explicit FakeServiceState(testkit::FakeServiceOptions options);

  // Immutable after construction (read without the lock).
  testkit::FakeServiceOptions options;
  PrivateKey signing_key;
  PublicKey public_key;
  std::string kid;
  std::string public_key_pem;
  /// Computes b64url(SHA-256(text)) through the SDK (see fake_tokens.cpp, sha256_b64url).
  LoginID hasher;

  mutable std::mutex mutex;  // guards everything below
  std::vector<FakeRoute> routes;
  testkit::FakeService::Handler fallback;
  std::vector<HttpRequest> requests;
  std::size_t certs_fetches = 0;
  std::vector<testkit::FakeTransaction> transactions;
  mutable std::mt19937_64 random;

  [[nodiscard]] std::chrono::system_clock::time_point now() const;
  /// The answer to one request: /certs, else a script, else the default answer.
  [[nodiscard]] HttpResponse handle(const HttpRequest& request);
  /// A random version-4 UUID (ids the fake hands out).
  [[nodiscard]] std::string random_uuid() const;
  /// `count` random characters of [a-z0-9] (nonces, codes).
  [[nodiscard]] std::string random_text(std::size_t count, std::string_view alphabet) const;
};

/// The path split at '/' (empty segments dropped): "/manage/users/x" -> {"manage", "users", "x"}.
std::vector<std::string> split_path(std::string_view path);
/// Whether `segments` match `pattern` (a "*" pattern segment matches any one segment).
bool path_matches(const std::vector<std::string>& pattern, const std::vector<std::string>& segments);

/// The happy-path answer of LoginID to `request` (API.md's shapes), or 404 for an unknown path.
HttpResponse default_answer(FakeServiceState& state, const HttpRequest& request);
/// An authentication response for `claims.username`; `client_id` is the calling application.
nlohmann::json authentication_json(const FakeServiceState& state, const testkit::UserTokenClaims& claims,
                                   const std::string& client_id, bool with_jwt);

/// A minted user token (fake_tokens.cpp); `extra` members are added last.
std::string mint_user_token(const FakeServiceState& state, const testkit::UserTokenClaims& claims,
                            const nlohmann::json& extra = nlohmann::json::object());
/// A minted transaction token for `tx_payload` sent with `nonce`.
std::string mint_transaction_token(const FakeServiceState& state, std::string_view tx_payload, std::string_view nonce,
                                   const testkit::UserTokenClaims& claims);
/// RFC 3339 UTC with milliseconds, as LoginID writes timestamps ("2026-11-29T01:02:03.456Z").
std::string rfc3339(std::chrono::system_clock::time_point time);
/// Seconds since the epoch (a NumericDate).
std::int64_t unix_seconds(std::chrono::system_clock::time_point time);

}  // namespace loginid::detail
