#pragma once
/// @file fake_service.hpp
/// loginid::testkit::FakeService: an in-process stand-in for the LoginID service, for unit tests of
/// code that uses the SDK. No network, no emulator process, no test framework of its own (it works
/// with GoogleTest, Catch2, doctest or plain asserts).
///
/// The fake is an HttpTransport: plug it into Options::transport (client_options() does it) and the
/// real client runs against it, its real request building, error mapping and token verification
/// included. It has its own signing key and serves it at `/certs`, so the user tokens it mints
/// verify for real in `verify_token` (real ES256 signatures, no bypass). Every endpoint of API.md
/// has a default happy-path answer; a test scripts the answers it cares about with on() and reads
/// what was sent with requests().
///
/// Link the CMake target `loginid::testing` (pkg-config `loginid-testing`). Not part of the
/// umbrella header loginid/loginid.hpp: production code never needs it. The names live in
/// `loginid::testkit`, not `loginid::testing`: that would make GoogleTest's `testing::` ambiguous
/// in every file that says `using namespace loginid;`.
///
/// @code
/// loginid::testkit::FakeService fake;
/// loginid::LoginID client{fake.client_id(), {}, fake.client_options()};
/// bool ok = client.verify_token(fake.user_token("alice"), "alice");  // true
/// fake.on("POST", "/authenticate/code/wait", loginid::testkit::FakeService::error(410, "code_expired", "expired"));
/// @endcode

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loginid/jwt.hpp"
#include "loginid/keys.hpp"
#include "loginid/options.hpp"
#include "loginid/transport.hpp"
#include "loginid/version.hpp"

namespace loginid::detail {
struct FakeServiceState;  // routes, records, keys; see src/testing/fake_service_state.hpp
}  // namespace loginid::detail

namespace loginid::inline v1::testkit {

/// How a FakeService is set up. Every member has a default that just works.
struct FakeServiceOptions final {
  /// The base URL client_options() gives the client. `.invalid` never resolves (RFC 2606): a client
  /// that lost the fake transport fails at once instead of reaching some real host. The fake itself
  /// answers whatever host a request names; it routes on the path.
  std::string base_url = "https://loginid.invalid";
  /// The application id: the `aud` of the tokens user_token() mints unless they name another one.
  /// Give your client this id (FakeService::client_id()). Default answers use the calling client's
  /// id (its `X-Client-ID` or body `client_id`), so their tokens verify for any client.
  std::string client_id = "fake-client-id";
  /// The namespace of the users in default answers, and the `nid` of minted tokens.
  std::string namespace_id = "401c4beeb7925852";
  /// LoginID's signing key (it signs every minted token); a fresh P-256 key when absent.
  std::optional<PrivateKey> signing_key{};
  /// The key's id: the `kid` header of minted tokens and what `/certs?kid=` serves. A random UUID when empty.
  std::string kid{};
  /// The fake's "now": `iat` of minted tokens, timestamps of default answers. The system clock when
  /// empty. client_options() gives the client the same clock, so expiry tests need no sleeping.
  Clock clock{};
  /// When false, a request that no on()/on_any() script answers gets `501 not_implemented` instead
  /// of the default happy-path answer: a strict test sees every call it did not expect.
  bool default_answers = true;
};

/// The claims of a user token as LoginID makes it (API.md, "Tokens LoginID makes"):
/// `{iss:"loginid.io", sub, sid, nid, aud, action, iat, udata}`, and no `exp` unless `lifetime` is set.
struct UserTokenClaims final {
  std::string username{};                ///< `udata` (what verify_token(token, username) compares)
  std::optional<std::string> user_id{};  ///< `sub`; FakeService::user_id_of(username) when absent
  /// `aud`; FakeServiceOptions::client_id when absent. Another value makes a token for another
  /// application, which verify_token must refuse (audience_mismatch).
  std::optional<std::string> audience{};
  std::string action = "login";  ///< `action`: login, register, credential_add, ...
  /// `iat`; the fake's clock when absent.
  std::optional<std::chrono::system_clock::time_point> issued_at{};
  /// When set, adds `exp` = iat + lifetime (LoginID issues tokens without `exp`).
  std::optional<std::chrono::seconds> lifetime{};
  /// A JSON object whose members are added to the payload, replacing those of the same name
  /// (e.g. `R"({"nbf": 1900000000})"`). Empty: none.
  std::string extra_claims_json{};
};

/// A transaction created through the fake (POST /tx), as the service recorded it.
struct FakeTransaction final {
  std::string id{};                       ///< the id the fake answered
  std::string tx_payload{};               ///< the payload the client sent
  std::string nonce{};                    ///< the client's nonce
  std::optional<std::string> tx_type{};   ///< `tx_type`, when sent
  std::optional<std::string> username{};  ///< `username`, when sent
};

/// An in-process fake of the LoginID service (see the file comment). Thread-safe: a test may call
/// it while clients call through it from many threads. Clients may outlive it: its transport keeps
/// what it needs alive. Not copyable (a copy would split the records); movable.
class FakeService final {
 public:
  /// Answers one request. Called outside the fake's lock (it may block, or call the fake). May
  /// throw loginid::TransportError to simulate a request that got no answer.
  using Handler = std::function<HttpResponse(const HttpRequest& request)>;

  /// A fake with its own signing key (see FakeServiceOptions). Generates a key: cheap (microseconds).
  explicit FakeService(FakeServiceOptions options = {});
  /// Clients made with client_options() keep working: they share the state.
  ~FakeService();
  FakeService(const FakeService&) = delete;             ///< not copyable: a copy would split the records
  FakeService& operator=(const FakeService&) = delete;  ///< not copyable
  /// Takes over the state; the moved-from fake may only be destroyed or assigned to.
  FakeService(FakeService&&) noexcept;
  /// Takes over the state; the moved-from fake may only be destroyed or assigned to.
  FakeService& operator=(FakeService&&) noexcept;

  // ---- wiring --------------------------------------------------------------------------------

  /// The transport for Options::transport. Shares the fake's state.
  [[nodiscard]] std::shared_ptr<HttpTransport> transport() const;
  /// Options for a client of this fake: base_url, transport, the fake's clock, no retries (a
  /// scripted failure reaches your code at once; set `retry` yourself to test retrying) and
  /// `honour_emulator_env` off (LOGINID_EMULATOR_HOST in the environment cannot move the client away).
  [[nodiscard]] Options client_options() const;
  /// FakeServiceOptions::client_id.
  [[nodiscard]] const std::string& client_id() const noexcept;
  /// FakeServiceOptions::base_url.
  [[nodiscard]] const std::string& base_url() const noexcept;
  /// The signing key's id (`kid`).
  [[nodiscard]] const std::string& kid() const noexcept;
  /// The public half of the signing key (what `/certs` serves).
  [[nodiscard]] PublicKey public_key() const;
  /// The fake's "now" (FakeServiceOptions::clock, else the system clock).
  [[nodiscard]] std::chrono::system_clock::time_point now() const;

  // ---- scripting answers ---------------------------------------------------------------------

  /// From now on, answers `method` `path` with `handler` (the latest script for a route wins).
  /// `path` is the API.md path without the query, e.g. "/codes/short/generate"; a segment `*`
  /// matches any one segment ("/manage/users/*/deactivate"). `/certs` cannot be scripted: it always
  /// serves the signing key.
  /// @throws InvalidArgument for an empty method or a path not starting with '/'.
  void on(std::string_view method, std::string_view path, Handler handler);
  /// Same with a fixed answer.
  void on(std::string_view method, std::string_view path, HttpResponse response);
  /// Answers every request that no on() script matches with `handler`, instead of the default
  /// answers (e.g. a 503 for everything). An empty handler removes it.
  void on_any(Handler handler);
  /// Forgets every on() and on_any() script: back to the default answers. Records are kept.
  void clear_scripts();

  /// A JSON answer with `Content-Type: application/json` and an `X-Request-ID`.
  [[nodiscard]] static HttpResponse json(int status, std::string body);
  /// An error answer as LoginID sends them: `{"code": code, "message": message}` (API.md "error"),
  /// e.g. error(404, "not_found", "no such user"). The SDK throws ServiceError with these.
  [[nodiscard]] static HttpResponse error(int status, std::string_view code, std::string_view message);
  /// The default answer the fake gives `request` (what it answers when nothing is scripted), so a
  /// handler can change one detail of it, or answer normally after some condition.
  [[nodiscard]] HttpResponse default_answer(const HttpRequest& request) const;
  /// An authentication response (API.md) for `claims.username`, with a freshly minted user token
  /// as `jwt` unless `with_jwt` is false: what wait_code, the password and complete calls parse.
  [[nodiscard]] HttpResponse authentication_response(const UserTokenClaims& claims, bool with_jwt = true) const;

  // ---- what was sent ------------------------------------------------------------------------

  /// Every request received but the `/certs` key fetches, in order of arrival.
  [[nodiscard]] std::vector<HttpRequest> requests() const;
  /// The requests to `method` `path` (same matching as on()), in order.
  [[nodiscard]] std::vector<HttpRequest> requests(std::string_view method, std::string_view path) const;
  /// How many times `/certs` was fetched (the SDK caches keys: usually once per kid).
  [[nodiscard]] std::size_t certs_fetches() const;
  /// The transactions created through the fake (POST /tx), in order.
  [[nodiscard]] std::vector<FakeTransaction> transactions() const;
  /// Forgets the recorded requests, key fetches and transactions.
  void clear_requests();

  // ---- tokens, signed like LoginID signs them ----------------------------------------------

  /// A user token with these claims, signed with the fake's key (header `{"alg":"ES256",
  /// "typ":"JWT","kid":kid()}`). @throws InvalidArgument when extra_claims_json is not a JSON object.
  [[nodiscard]] std::string user_token(const UserTokenClaims& claims) const;
  /// A user token for `username` with every other claim at its default.
  [[nodiscard]] std::string user_token(std::string_view username) const;
  /// A transaction token (API.md) for `tx_payload` sent with `nonce`: the user token claims plus
  /// `nonce`, a fresh `server_nonce`, and `tx_hash` = b64url(SHA-256(tx_payload + nonce +
  /// server_nonce)), which verify_transaction(token, tx_payload) recomputes.
  [[nodiscard]] std::string transaction_token(std::string_view tx_payload, std::string_view nonce,
                                              const UserTokenClaims& claims = {}) const;
  /// The user confirms transaction `tx_id` (created through the fake): its transaction token, as the
  /// service returns it to the user's page. @throws InvalidArgument naming `tx_id` when unknown.
  [[nodiscard]] std::string confirm_transaction(std::string_view tx_id, const UserTokenClaims& claims = {}) const;
  /// Any payload signed with the fake's key and kid, for tokens no other function makes.
  [[nodiscard]] std::string sign(const Claims& payload) const;
  /// The user id the fake gives `username` in its answers and tokens: a UUID derived from the
  /// username (ASCII case-insensitive, as LoginID's usernames), the same in every run.
  [[nodiscard]] static std::string user_id_of(std::string_view username);

 private:
  std::shared_ptr<detail::FakeServiceState> state_;
};

// ---- reading a recorded request -----------------------------------------------------------------

/// The path of `request.url` without scheme, host and query ("/codes/short/generate").
[[nodiscard]] std::string path_of(const HttpRequest& request);
/// The JSON object body of `request` (`{}` when the body is empty). Nested objects: get_json() then
/// Claims::from_json(). @throws InvalidArgument when the body is not a JSON object.
[[nodiscard]] Claims json_body(const HttpRequest& request);
/// The payload of the `Authorization: Bearer` service token, decoded but NOT verified (check the
/// signature with loginid::verify_jwt and your application's public key when a test needs to);
/// nullopt when the request has no bearer token. @throws TokenError when it is not a JWT.
[[nodiscard]] std::optional<Claims> service_token_claims(const HttpRequest& request);

}  // namespace loginid::inline v1::testkit
