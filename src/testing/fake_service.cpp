// loginid::testkit::FakeService: routing, scripting and recording (the answers themselves are in
// default_answers.cpp, the tokens in fake_tokens.cpp).

#include "loginid/testing/fake_service.hpp"

#include <algorithm>
#include <utility>

#include "testing/fake_service_state.hpp"

namespace loginid::detail {
namespace {

/// The transport of the private client that computes digests (fake_tokens.cpp): that client never
/// sends anything, and must not open a libcurl handle to not send it.
class NoNetworkTransport final : public HttpTransport {
 public:
  HttpResponse send(const HttpRequest&) override {
    throw TransportError(TransportError::Reason::connect_failed, "the fake service's digest client has no network");
  }
};

LoginID make_hasher() {
  Options options;
  options.base_url = "https://loginid.invalid";
  options.honour_emulator_env = false;
  options.transport = std::make_shared<NoNetworkTransport>();
  options.presign.enabled = false;  // no background thread for a client that signs once per digest
  return LoginID("fake-service-digest", PrivateKey::generate(), std::move(options));
}

/// The fake as Options::transport: forwards to the shared state, which outlives every client.
class FakeTransport final : public HttpTransport {
 public:
  explicit FakeTransport(std::shared_ptr<FakeServiceState> state) : state_(std::move(state)) {}
  HttpResponse send(const HttpRequest& request) override { return state_->handle(request); }

 private:
  std::shared_ptr<FakeServiceState> state_;
};

std::string query_value(const std::string& url, std::string_view name) {
  const auto query = url.find('?');
  if (query == std::string::npos) return {};
  std::string_view rest = std::string_view(url).substr(query + 1);
  while (!rest.empty()) {
    const auto end = rest.find('&');
    const std::string_view pair = rest.substr(0, end);
    if (pair.substr(0, name.size()) == name && pair.size() > name.size() && pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return {};
}

HttpResponse serve_certs(const FakeServiceState& state, const HttpRequest& request) {
  const std::string kid = query_value(request.url, "kid");
  if (!kid.empty() && kid != state.kid) {
    return testkit::FakeService::error(404, "not_found", "no signing key with this kid");
  }
  return HttpResponse{200, {{"Content-Type", "text/plain"}, {"Cache-Control", "max-age=300"}}, state.public_key_pem};
}

bool is_certs(const HttpRequest& request) {
  return request.method == "GET" && split_path(testkit::path_of(request)) == std::vector<std::string>{"certs"};
}

}  // namespace

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  while (!path.empty()) {
    const auto slash = path.find('/');
    if (slash != 0) segments.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

bool path_matches(const std::vector<std::string>& pattern, const std::vector<std::string>& segments) {
  return std::equal(pattern.begin(), pattern.end(), segments.begin(), segments.end(),
                    [](const std::string& p, const std::string& s) { return p == "*" || p == s; });
}

FakeServiceState::FakeServiceState(testkit::FakeServiceOptions opts)
    : options(std::move(opts)),
      signing_key(options.signing_key.value_or(PrivateKey::generate())),
      public_key(signing_key.public_key()),
      public_key_pem(public_key.to_pem()),
      hasher(make_hasher()),
      random(std::random_device{}()) {
  kid = options.kid.empty() ? random_uuid() : options.kid;
}

std::chrono::system_clock::time_point FakeServiceState::now() const {
  return options.clock ? options.clock() : std::chrono::system_clock::now();
}

HttpResponse FakeServiceState::handle(const HttpRequest& request) {
  if (is_certs(request)) {
    const std::lock_guard lock(mutex);
    ++certs_fetches;
    return serve_certs(*this, request);
  }
  testkit::FakeService::Handler handler;
  {
    const std::lock_guard lock(mutex);
    requests.push_back(request);
    const auto segments = split_path(testkit::path_of(request));
    // The latest script for a route wins, so search from the back.
    const auto route = std::find_if(routes.rbegin(), routes.rend(), [&](const FakeRoute& r) {
      return r.method == request.method && path_matches(r.segments, segments);
    });
    handler = route != routes.rend() ? route->handler : fallback;
  }
  if (handler) return handler(request);  // outside the lock: a handler may block or call the fake
  if (!options.default_answers) {
    return testkit::FakeService::error(501, "not_implemented",
                                       "the fake LoginID service has no script for " + request.method + " " +
                                           testkit::path_of(request) + " (default answers are off)");
  }
  return default_answer(*this, request);
}

}  // namespace loginid::detail

namespace loginid::inline v1::testkit {

FakeService::FakeService(FakeServiceOptions options)
    : state_(std::make_shared<detail::FakeServiceState>(std::move(options))) {}
FakeService::~FakeService() = default;
FakeService::FakeService(FakeService&&) noexcept = default;
FakeService& FakeService::operator=(FakeService&&) noexcept = default;

std::shared_ptr<HttpTransport> FakeService::transport() const {
  return std::make_shared<detail::FakeTransport>(state_);
}

Options FakeService::client_options() const {
  Options options;
  options.base_url = state_->options.base_url;
  options.honour_emulator_env = false;
  options.transport = transport();
  options.clock = [state = state_] { return state->now(); };
  options.retry.max_attempts = 1;
  return options;
}

const std::string& FakeService::client_id() const noexcept { return state_->options.client_id; }
const std::string& FakeService::base_url() const noexcept { return state_->options.base_url; }
const std::string& FakeService::kid() const noexcept { return state_->kid; }
PublicKey FakeService::public_key() const { return state_->public_key; }
std::chrono::system_clock::time_point FakeService::now() const { return state_->now(); }

void FakeService::on(std::string_view method, std::string_view path, Handler handler) {
  if (method.empty()) throw InvalidArgument("method: empty");
  if (path.empty() || path.front() != '/') throw InvalidArgument("path: must start with '/', got '" + std::string(path) + "'");
  if (!handler) throw InvalidArgument("handler: empty");
  const std::lock_guard lock(state_->mutex);
  state_->routes.push_back(detail::FakeRoute{std::string(method), detail::split_path(path), std::move(handler)});
}

void FakeService::on(std::string_view method, std::string_view path, HttpResponse response) {
  on(method, path, [response = std::move(response)](const HttpRequest&) { return response; });
}

void FakeService::on_any(Handler handler) {
  const std::lock_guard lock(state_->mutex);
  state_->fallback = std::move(handler);
}

void FakeService::clear_scripts() {
  const std::lock_guard lock(state_->mutex);
  state_->routes.clear();
  state_->fallback = nullptr;
}

HttpResponse FakeService::json(int status, std::string body) {
  return HttpResponse{status, {{"Content-Type", "application/json"}, {"X-Request-ID", "fake-request-id"}}, std::move(body)};
}

HttpResponse FakeService::error(int status, std::string_view code, std::string_view message) {
  return json(status, nlohmann::json{{"code", code}, {"message", message}}.dump());
}

HttpResponse FakeService::default_answer(const HttpRequest& request) const {
  return detail::default_answer(*state_, request);
}

HttpResponse FakeService::authentication_response(const UserTokenClaims& claims, bool with_jwt) const {
  const std::string client = claims.audience.value_or(state_->options.client_id);
  return json(200, detail::authentication_json(*state_, claims, client, with_jwt).dump());
}

std::vector<HttpRequest> FakeService::requests() const {
  const std::lock_guard lock(state_->mutex);
  return state_->requests;
}

std::vector<HttpRequest> FakeService::requests(std::string_view method, std::string_view path) const {
  const auto pattern = detail::split_path(path);
  std::vector<HttpRequest> matching;
  const std::lock_guard lock(state_->mutex);
  for (const auto& request : state_->requests) {
    if (request.method == method && detail::path_matches(pattern, detail::split_path(path_of(request)))) {
      matching.push_back(request);
    }
  }
  return matching;
}

std::size_t FakeService::certs_fetches() const {
  const std::lock_guard lock(state_->mutex);
  return state_->certs_fetches;
}

std::vector<FakeTransaction> FakeService::transactions() const {
  const std::lock_guard lock(state_->mutex);
  return state_->transactions;
}

void FakeService::clear_requests() {
  const std::lock_guard lock(state_->mutex);
  state_->requests.clear();
  state_->certs_fetches = 0;
  state_->transactions.clear();
}

std::string FakeService::user_token(const UserTokenClaims& claims) const {
  return detail::mint_user_token(*state_, claims);
}

std::string FakeService::user_token(std::string_view username) const {
  return user_token(UserTokenClaims{.username = std::string(username)});
}

std::string FakeService::transaction_token(std::string_view tx_payload, std::string_view nonce,
                                           const UserTokenClaims& claims) const {
  return detail::mint_transaction_token(*state_, tx_payload, nonce, claims);
}

std::string FakeService::confirm_transaction(std::string_view tx_id, const UserTokenClaims& claims) const {
  std::optional<FakeTransaction> tx;
  {
    const std::lock_guard lock(state_->mutex);
    const auto found = std::find_if(state_->transactions.begin(), state_->transactions.end(),
                                    [&](const FakeTransaction& t) { return t.id == tx_id; });
    if (found != state_->transactions.end()) tx = *found;
  }
  if (!tx) throw InvalidArgument("tx_id: no transaction '" + std::string(tx_id) + "' was created through this fake");
  UserTokenClaims with_user = claims;
  if (with_user.username.empty() && tx->username) with_user.username = *tx->username;
  return transaction_token(tx->tx_payload, tx->nonce, with_user);
}

std::string FakeService::sign(const Claims& payload) const {
  return sign_jwt(payload, state_->signing_key, state_->kid);
}

std::string path_of(const HttpRequest& request) {
  std::string_view url = request.url;
  if (const auto scheme = url.find("://"); scheme != std::string_view::npos) {
    url.remove_prefix(scheme + 3);
    const auto slash = url.find('/');
    url = slash == std::string_view::npos ? std::string_view("/") : url.substr(slash);
  }
  return std::string(url.substr(0, url.find_first_of("?#")));
}

Claims json_body(const HttpRequest& request) {
  return request.body.empty() ? Claims() : Claims::from_json(request.body);
}

std::optional<Claims> service_token_claims(const HttpRequest& request) {
  const HttpResponse headers{0, request.headers, {}};  // header() compares names case-insensitively
  const auto authorization = headers.header("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!authorization || authorization->substr(0, kBearer.size()) != kBearer) return std::nullopt;
  return decode_jwt(authorization->substr(kBearer.size())).payload;
}

}  // namespace loginid::inline v1::testkit
