// Service: set-up, service-token checks, signing keys, applications and namespaces.
#include "emulator/service/service.hpp"

#include <mutex>
#include <thread>

#include "emulator/service/util.hpp"
#include "jose/tokens.hpp"
#include "jose/jwk.hpp"
#include "jose/jwt_json.hpp"

namespace loginid::detail::emulator {
namespace {

constexpr std::size_t kMaxNonceLength = 256;
// Signing keys kept (the active one and the newest retired ones): every one is served by the JWKS
// and searched by /certs, so rotating in a loop must not grow them without end. Ten rotations back
// is far beyond any token's lifetime.
constexpr std::size_t kMaxSigningKeys = 10;

std::string private_pem(const PrivateKey& key) { return std::string(key.to_pem().view()); }

bool is_management_scope(const std::string& scope) {
  // credentials.add is the one credentials scope of a web application: the published Python SDK's
  // LoginID class (a web application's credential) signs init_add_fido2_credential_with_code with it.
  if (scope == "credentials.add") return false;
  return scope.starts_with("users.") || scope.starts_with("codes.") || scope.starts_with("credentials.");
}

std::optional<std::string> string_claim(const nlohmann::json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

/// The token of "Bearer <token>" (scheme case-insensitive, as RFC 7235 says).
std::optional<std::string> bearer_token(const std::string& header) {
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size() || lowercase_ascii(header.substr(0, kScheme.size())) != kScheme) {
    return std::nullopt;
  }
  auto token = header.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.erase(token.begin());
  if (token.empty()) return std::nullopt;
  return token;
}

[[noreturn]] void unauthorized(const std::string& why) { throw ApiError(Errc::unauthorized, why); }

}  // namespace

Service::Service(store::Store& store, ServiceConfig config)
    : store_(store),
      config_(config),
      waiters_(config.max_waiters),
      hasher_(config.argon2, config.max_concurrent_hashes),
      throttle_(config.lockout) {
  nonces_.preload(store_.load_nonces(now_ms()));
  if (store_.get_setting("running") == "1") fence_replays_after_unclean_stop();
  store_.set_setting("running", "1");
}

Service::~Service() {
  try {
    flush();
    store_.set_setting("running", "0");
  } catch (const std::exception&) {
    // The next start treats this run as unclean: safe, only stricter.
  }
}

void Service::fence_replays_after_unclean_stop() {
  replay_fence_s_ = now_ms() / 1000;
  // Tokens are stamped in whole seconds: wait for the next second so that every token signed after
  // this start (the only ones a client can have made for this run) is above the fence.
  std::this_thread::sleep_for(std::chrono::milliseconds(1000 - now_ms() % 1000));
}

DefaultCredentials Service::ensure_defaults() {
  if (!store_.get_setting("default_namespace")) {
    const auto now = now_ms();
    store::Namespace ns{new_namespace_id(), "default", now};
    auto make_app = [&](const char* type, const char* name) {
      auto key = PrivateKey::generate();
      return store::Application{new_client_id(), ns.id, type, name, key.public_key().to_pem(), private_pem(key), now};
    };
    auto web = make_app("web", "Default web application");
    web.web_settings.public_init = true;  // a page on a laptop can start browser flows at once
    auto management = make_app("management", "Default management application");
    auto signing = PrivateKey::generate();
    store::SigningKey key{new_uuid(), private_pem(signing), signing.public_key().to_pem(), true, now};
    store_.insert_defaults(ns, web, management, key);
  }
  load_keys();
  auto default_app = [&](const char* setting) {
    auto client_id = store_.get_setting(setting);
    auto app = client_id ? store_.find_application(*client_id) : std::nullopt;
    if (!app || !app->private_key_pem) {
      throw std::runtime_error(std::string("database is missing the default application (") + setting + ")");
    }
    return *app;
  };
  auto web = default_app("default_web_client");
  auto management = default_app("default_management_client");
  return {web.client_id, *web.private_key_pem, management.client_id, *management.private_key_pem};
}

std::shared_ptr<const Service::AppEntry> Service::find_app(const std::string& client_id) {
  {
    std::shared_lock lock(apps_mutex_);
    auto it = apps_.find(client_id);
    if (it != apps_.end()) return it->second;
  }
  auto app = store_.find_application(client_id);
  if (!app) return nullptr;
  // An application's key never changes once created, so the parsed key can be cached for good; its
  // web settings change only through update_web_settings, which replaces the entry.
  auto entry = std::make_shared<const AppEntry>(AppEntry{*app, PublicKey::from_pem(app->public_key_pem)});
  std::unique_lock lock(apps_mutex_);
  return apps_.try_emplace(client_id, entry).first->second;
}

Caller Service::authenticate(const CallerCredentials& credentials, const ScopeRule& rule) {
  if (credentials.client_id_header && credentials.body_client_id &&
      *credentials.client_id_header != *credentials.body_client_id) {
    unauthorized("X-Client-ID header and body client_id name different applications");
  }
  const auto client_id = credentials.client_id_header ? credentials.client_id_header : credentials.body_client_id;
  if (rule.kind == ScopeRule::Kind::public_init) {
    auto app = client_id ? find_app(*client_id) : nullptr;
    if (app && app->app.web_settings.public_init) return Caller{app->app};
    if (app && !credentials.authorization) {
      unauthorized("missing Authorization header: this application does not let pages start browser flows without "
                   "a service token (web setting public_init is off), so a '" + rule.scope + "' token is required");
    }
    return authenticate(credentials, ScopeRule{ScopeRule::Kind::scoped, rule.scope, {}});
  }
  const bool token_ignored = rule.kind == ScopeRule::Kind::none;
  if (!credentials.authorization || token_ignored) {
    if (!token_ignored && rule.kind != ScopeRule::Kind::optional) {
      unauthorized("missing Authorization header (a Bearer service token is required)");
    }
    if (!client_id) throw ApiError(Errc::bad_request, "client_id: missing");
    auto app = find_app(*client_id);
    if (!app) unauthorized("unknown client_id");
    return Caller{app->app};
  }
  auto token = bearer_token(*credentials.authorization);
  if (!token) unauthorized("Authorization header is not a Bearer token");
  if (!client_id) unauthorized("missing X-Client-ID header or body client_id");
  auto app = find_app(*client_id);
  if (!app) unauthorized("unknown client_id");

  VerifyPolicy policy;
  policy.leeway = config_.iat_window;  // iat within ± the window
  policy.max_age = std::chrono::seconds(0);
  std::error_code ec;
  auto claims = verify_jwt_json(*token, app->key, policy, ec);
  if (!claims) unauthorized("service token rejected: " + ec.message());

  if (auto claimed = claims->find("client_id"); claimed != claims->end()) {
    if (!claimed->is_string() || claimed->get<std::string>() != app->app.client_id) {
      unauthorized("service token client_id does not match the calling application");
    }
  } else if (rule.kind != ScopeRule::Kind::tx_create) {
    unauthorized("service token has no client_id claim");
  }
  auto nonce = string_claim(*claims, "nonce");
  if (!nonce || nonce->empty() || nonce->size() > kMaxNonceLength) {
    unauthorized("service token nonce is missing or not a string of 1 to 256 characters");
  }

  auto type = string_claim(*claims, "type");
  switch (rule.kind) {
    case ScopeRule::Kind::scoped:
      if (type != rule.scope) {
        throw ApiError(Errc::forbidden, "service token type '" + type.value_or("") + "' does not allow this call (needs '" +
                                            rule.scope + "')");
      }
      if (app->app.type == "web" && is_management_scope(rule.scope)) {
        throw ApiError(Errc::forbidden, "a web application may not use scope '" + rule.scope + "'");
      }
      break;
    case ScopeRule::Kind::tx_create: {
      auto scope = type ? type : string_claim(*claims, "scope");
      if (scope != "tx.create") throw ApiError(Errc::forbidden, "token type must be 'tx.create' for this call");
      if (string_claim(*claims, "payload_hash") != sha256_b64url(rule.tx_payload)) {
        unauthorized("tx auth token payload_hash does not match tx_payload");
      }
      break;
    }
    case ScopeRule::Kind::optional:
    case ScopeRule::Kind::none:  // returned above, before the header is read
    case ScopeRule::Kind::public_init:
      break;
  }

  // Last, so a refused token never burns its nonce (failures change no state).
  const auto iat_seconds = static_cast<std::int64_t>(claims->at("iat").get<double>());
  const auto expires = (iat_seconds + config_.iat_window.count() + 1) * 1000;
  if (iat_seconds <= replay_fence_s_ && now_ms() < expires) {
    unauthorized("service token was issued before the emulator restarted after an unclean stop; sign a new one");
  }
  if (!nonces_.remember(app->app.client_id, *nonce, expires, now_ms())) {
    unauthorized("service token nonce was already used (replay)");
  }
  return Caller{app->app};
}

void Service::load_keys() {
  std::vector<std::shared_ptr<const KeyEntry>> keys;
  std::shared_ptr<const KeyEntry> active;
  for (const auto& row : store_.list_signing_keys()) {
    auto entry = std::make_shared<const KeyEntry>(
        KeyEntry{row.kid, row.public_key_pem, PublicKey::from_pem(row.public_key_pem),
                 row.active ? std::optional<PrivateKey>(PrivateKey::from_pem(row.private_key_pem)) : std::nullopt});
    keys.push_back(entry);
    if (row.active) active = entry;
  }
  if (!active) throw std::runtime_error("database has no active signing key");
  std::unique_lock lock(keys_mutex_);
  keys_ = std::move(keys);
  active_ = std::move(active);
}

std::shared_ptr<const Service::KeyEntry> Service::active_key() {
  std::shared_lock lock(keys_mutex_);
  return active_;
}

std::string Service::sign(const nlohmann::json& claims) {
  auto key = active_key();
  return sign_jwt_json(claims, *key->private_key, key->kid);
}

std::string Service::user_token(const store::User& user, const store::Application& client, std::string_view action) {
  const auto iat = now_ms() / 1000;
  nlohmann::json claims = {
      {"iss", "loginid.io"}, {"sub", user.id},      {"sid", new_uuid()},
      {"nid", user.namespace_id}, {"aud", client.client_id}, {"action", action},
      {"iat", iat},          {"udata", user.username},
  };
  add_expiry(claims, iat);
  return sign(claims);
}

void Service::add_expiry(nlohmann::json& claims, std::int64_t iat) const {
  // Real user tokens carry no exp; an operator who wants to test expiry asks for a lifetime.
  if (config_.token_ttl.count() > 0) claims["exp"] = iat + config_.token_ttl.count();
}

std::optional<std::string> Service::public_key_pem(const std::string& kid) {
  std::shared_lock lock(keys_mutex_);
  for (const auto& key : keys_) {
    if (key->kid == kid) return key->public_pem;
  }
  return std::nullopt;
}

std::string Service::active_public_key_pem() { return active_key()->public_pem; }

nlohmann::json Service::jwks() {
  std::shared_lock lock(keys_mutex_);
  auto keys = nlohmann::json::array();
  for (const auto& key : keys_) {
    auto jwk = KeyAccess::public_key_jwk(key->public_key);
    jwk["kid"] = key->kid;
    jwk["alg"] = "ES256";
    jwk["use"] = "sig";
    keys.push_back(std::move(jwk));
  }
  return {{"keys", keys}};
}

std::string Service::rotate_key() {
  auto signing = PrivateKey::generate();
  store::SigningKey key{new_uuid(), private_pem(signing), signing.public_key().to_pem(), true, now_ms()};
  store_.insert_active_signing_key(key, kMaxSigningKeys);
  load_keys();
  return key.kid;
}

std::vector<store::SigningKey> Service::list_keys() { return store_.list_signing_keys(); }

store::Namespace Service::create_namespace(const std::string& name) {
  if (name.empty() || name.size() > 128) throw ApiError(Errc::bad_request, "name: must be 1 to 128 characters");
  store::Namespace ns{new_namespace_id(), name, now_ms()};
  store_.insert_namespace(ns);
  return ns;
}

std::vector<store::Namespace> Service::list_namespaces() { return store_.list_namespaces(); }

CreatedApplication Service::create_application(const std::optional<std::string>& namespace_id,
                                               const std::string& type, const std::optional<std::string>& name,
                                               const std::optional<std::string>& public_key,
                                               const WebSettingsChange& web_settings) {
  if (type != "web" && type != "management") throw ApiError(Errc::bad_request, "type: must be 'web' or 'management'");
  auto settings = apply_web_settings(store::WebSettings{}, web_settings, type);
  if (name && (name->empty() || name->size() > 128)) {
    throw ApiError(Errc::bad_request, "name: must be 1 to 128 characters");
  }
  std::string ns_id;
  if (namespace_id) {
    if (!is_namespace_id(*namespace_id)) {
      throw ApiError(Errc::bad_request, "namespace_id: not a namespace id (16 hex digits, or a UUID for older ones)");
    }
    ns_id = *namespace_id;
  } else {
    ns_id = store_.get_setting("default_namespace").value_or("");
  }
  if (!store_.find_namespace(ns_id)) throw ApiError(Errc::not_found, "namespace not found");

  CreatedApplication created;
  std::string public_pem;
  if (public_key) {
    try {
      public_pem = PublicKey::from_pem_or_jwk(*public_key).to_pem();
    } catch (const KeyError& e) {
      throw ApiError(Errc::bad_request, std::string("public_key: ") + e.what());
    }
  } else {
    auto key = PrivateKey::generate();
    public_pem = key.public_key().to_pem();
    created.private_key_pem = private_pem(key);  // returned once, never stored
  }
  created.app = store::Application{new_client_id(), ns_id, type, name.value_or(type + " application"),
                                   public_pem, std::nullopt, now_ms(), settings};
  store_.insert_application(created.app);
  return created;
}

std::vector<store::Application> Service::list_applications(const std::optional<std::string>& namespace_id) {
  return store_.list_applications(namespace_id);
}

std::optional<store::Application> Service::find_application(const std::string& client_id) {
  auto entry = find_app(client_id);
  if (!entry) return std::nullopt;
  return entry->app;
}

store::Application Service::update_web_settings(const std::string& client_id, const WebSettingsChange& change) {
  // One writer at a time, so two concurrent changes cannot each start from the old settings.
  static std::mutex update_mutex;
  std::lock_guard update_lock(update_mutex);
  auto entry = find_app(client_id);
  if (!entry) throw ApiError(Errc::not_found, "application not found");
  auto app = entry->app;
  app.web_settings = apply_web_settings(app.web_settings, change, app.type);
  if (!store_.update_web_settings(client_id, app.web_settings)) throw ApiError(Errc::not_found, "application not found");
  auto updated = std::make_shared<const AppEntry>(AppEntry{app, entry->key});
  std::unique_lock lock(apps_mutex_);
  apps_[client_id] = std::move(updated);
  return app;
}

void Service::configure_default_applications(const WebSettingsChange& change) {
  auto web_change = change;
  auto management_change = change;
  management_change.public_init.reset();
  for (const auto& [setting, app_change] : {std::pair{"default_web_client", &web_change},
                                            std::pair{"default_management_client", &management_change}}) {
    auto client_id = store_.get_setting(setting);
    if (client_id) update_web_settings(*client_id, *app_change);
  }
}

void Service::flush() {
  const auto now = now_ms();
  auto pending = nonces_.take_pending();
  if (!pending.empty()) store_.save_nonces(pending, now);
  // Expired codes stay an hour so a late wait still hears code_expired rather than code_invalid;
  // pruning them once a minute is plenty.
  if (now - last_prune_ms_ >= 60 * 1000) {
    last_prune_ms_ = now;
    store_.prune_codes(now - 3600 * 1000);
    store_.prune_fido2_challenges(now - 3600 * 1000);
  }
}

void Service::begin_shutdown() {
  shutting_down_ = true;
  waiters_.shutdown();
}

}  // namespace loginid::detail::emulator
