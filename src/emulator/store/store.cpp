#include "emulator/store/store.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <mutex>

#include <nlohmann/json.hpp>

namespace loginid::detail::store {
namespace {

using Lock = std::lock_guard<std::mutex>;

// Forward migrations: index i takes the schema from version i to i + 1. Never edit a shipped
// entry; append a new one so existing databases upgrade in place.
constexpr std::array kMigrations = {
    R"sql(
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE namespaces (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE applications (
  client_id TEXT PRIMARY KEY,
  namespace_id TEXT NOT NULL REFERENCES namespaces(id),
  type TEXT NOT NULL CHECK (type IN ('web', 'management')),
  name TEXT NOT NULL,
  public_key_pem TEXT NOT NULL,
  private_key_pem TEXT,
  created_at INTEGER NOT NULL);
CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  private_key_pem TEXT NOT NULL,
  public_key_pem TEXT NOT NULL,
  active INTEGER NOT NULL,
  created_at INTEGER NOT NULL);
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  namespace_id TEXT NOT NULL REFERENCES namespaces(id),
  username TEXT NOT NULL,
  username_key TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (namespace_id, username_key));
CREATE TABLE credentials (
  uuid TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  name TEXT NOT NULL,
  public_key_pem TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL);
CREATE INDEX credentials_user ON credentials(user_id);
CREATE TABLE codes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_type TEXT NOT NULL,
  purpose TEXT NOT NULL,
  code TEXT NOT NULL,
  is_authorized INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL);
CREATE INDEX codes_user ON codes(user_id, code_type, code);
CREATE TABLE transactions (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL,
  tx_type TEXT NOT NULL,
  tx_payload TEXT NOT NULL,
  nonce TEXT NOT NULL,
  username TEXT,
  status TEXT NOT NULL,
  server_nonce TEXT,
  created_at INTEGER NOT NULL);
CREATE TABLE challenges (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  credential_uuid TEXT NOT NULL REFERENCES credentials(uuid) ON DELETE CASCADE,
  client_id TEXT NOT NULL,
  challenge TEXT NOT NULL,
  expires_at INTEGER NOT NULL);
CREATE TABLE seen_nonces (
  client_id TEXT NOT NULL,
  nonce TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (client_id, nonce));
)sql",
    // 2: per-application web settings (WebAuthn relying party, allowed origins, public browser-flow
    // init). Existing applications get the laptop defaults; the default web application may start
    // browser flows without a service token, as on a fresh database.
    R"sql(
ALTER TABLE applications ADD COLUMN rp_id TEXT NOT NULL DEFAULT 'localhost';
ALTER TABLE applications ADD COLUMN rp_name TEXT NOT NULL DEFAULT 'LoginID emulator';
ALTER TABLE applications ADD COLUMN allowed_origins TEXT NOT NULL DEFAULT 'http://localhost:*';
ALTER TABLE applications ADD COLUMN public_init INTEGER NOT NULL DEFAULT 0;
UPDATE applications SET public_init = 1
  WHERE client_id = (SELECT value FROM settings WHERE key = 'default_web_client');
)sql",
    // 3: FIDO2 (WebAuthn) credentials keep their key, counter and authenticator details beside the
    // credentials row; FIDO2 inits leave a single-use challenge for their complete.
    R"sql(
CREATE TABLE fido2_keys (
  credential_uuid TEXT PRIMARY KEY REFERENCES credentials(uuid) ON DELETE CASCADE,
  namespace_id TEXT NOT NULL,
  credential_id TEXT NOT NULL,
  cose_key TEXT NOT NULL,
  alg INTEGER NOT NULL,
  sign_count INTEGER NOT NULL,
  transports TEXT NOT NULL,
  aaguid TEXT NOT NULL,
  rp_id TEXT NOT NULL,
  attestation_fmt TEXT NOT NULL,
  backup_eligible INTEGER NOT NULL,
  backup_state INTEGER NOT NULL,
  last_used_at INTEGER,
  UNIQUE (namespace_id, credential_id));
CREATE TABLE fido2_challenges (
  challenge TEXT PRIMARY KEY,
  ceremony TEXT NOT NULL,
  user_id TEXT NOT NULL,
  username TEXT NOT NULL,
  client_id TEXT NOT NULL,
  namespace_id TEXT NOT NULL,
  rp_id TEXT NOT NULL,
  user_verification TEXT NOT NULL,
  credential_uuid TEXT,
  code_type TEXT,
  code_purpose TEXT,
  tx_id TEXT,
  server_nonce TEXT,
  expires_at INTEGER NOT NULL);
CREATE INDEX fido2_challenges_expiry ON fido2_challenges(expires_at);
)sql",
    // 4 (issue 11): users remember their application (API.md user.client_id); credentials with a secret
    // (password, recovery code) keep its hash beside them.
    R"sql(
ALTER TABLE users ADD COLUMN client_id TEXT NOT NULL DEFAULT '';
UPDATE users SET client_id = COALESCE(
  (SELECT a.client_id FROM applications a WHERE a.namespace_id = users.namespace_id
   ORDER BY a.type = 'web' DESC, a.created_at, a.client_id LIMIT 1), '');
CREATE TABLE credential_secrets (
  credential_uuid TEXT PRIMARY KEY REFERENCES credentials(uuid) ON DELETE CASCADE,
  algorithm TEXT NOT NULL,
  memory_kib INTEGER NOT NULL,
  iterations INTEGER NOT NULL,
  parallelism INTEGER NOT NULL,
  salt TEXT NOT NULL,
  hash TEXT NOT NULL);
)sql",
    // 5: seen nonces are written one row per batch (Service::flush, every 250 ms): a JSON array of
    // [client_id, nonce, expires_at], the row's expires_at the latest of them. A row per nonce was a
    // random-key insert into the primary-key index for every service token, a tenth of the
    // emulator's CPU under load; a batch is one append. The nonces of schema 4 move into one batch.
    R"sql(
CREATE TABLE seen_nonce_batches (
  id INTEGER PRIMARY KEY,
  expires_at INTEGER NOT NULL,
  nonces TEXT NOT NULL);
INSERT INTO seen_nonce_batches (expires_at, nonces)
  SELECT max(expires_at), json_group_array(json_array(client_id, nonce, expires_at)) FROM seen_nonces
  HAVING count(*) > 0;
DROP TABLE seen_nonces;
)sql",
};

/// Nonces per seen_nonce_batches row, so a burst makes several moderate rows rather than one huge one.
constexpr std::size_t kNoncesPerBatch = 4096;

/// Appends `text` as a JSON string: between quotes as it is when it is printable ASCII without a
/// quote or a backslash (nonces and client ids in practice), else as nlohmann::json writes it
/// (escaped; invalid UTF-8 replaced).
void append_json_string(std::string& out, std::string_view text) {
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x20 && byte < 0x7f && c != '"' && c != '\\';
  });
  if (!plain) {
    out += nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  out += '"';
  out.append(text);
  out += '"';
}

// Short lists (allowed origins, transports) are stored one item per line; no item holds a newline.
std::string join_lines(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out.push_back('\n');
    out += item;
  }
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

Namespace read_namespace(Statement& s) { return {s.text(0), s.text(1), s.int64(2)}; }

Application read_application(Statement& s) {
  return {s.text(0),
          s.text(1),
          s.text(2),
          s.text(3),
          s.text(4),
          s.optional_text(5),
          s.int64(6),
          WebSettings{s.text(7), s.text(8), split_lines(s.text(9)), s.int64(10) != 0}};
}

User read_user(Statement& s) {
  return {s.text(0), s.text(1), s.text(2), s.text(3), s.int64(4), s.int64(5), s.text(6)};
}

SecretHash read_secret(Statement& s, int first) {
  return {s.text(first),      s.text(first + 1), s.int64(first + 2), s.int64(first + 3),
          s.int64(first + 4), s.text(first + 5), s.text(first + 6)};
}

Credential read_credential(Statement& s) {
  return {s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.optional_text(5), s.int64(6), s.int64(7)};
}

Code read_code(Statement& s) {
  return {s.int64(0), s.text(1), s.text(2), s.text(3), s.text(4), s.int64(5) != 0, s.int64(6), s.int64(7)};
}

Transaction read_transaction(Statement& s) {
  return {s.text(0), s.text(1), s.text(2), s.text(3), s.text(4),
          s.text(5), s.optional_text(6), s.text(7), s.optional_text(8), s.int64(9)};
}

constexpr const char* kAppColumns =
    "SELECT client_id, namespace_id, type, name, public_key_pem, private_key_pem, created_at, rp_id, rp_name, "
    "allowed_origins, public_init FROM applications";
constexpr const char* kUserColumns =
    "SELECT id, namespace_id, username, status, created_at, updated_at, client_id FROM users";
constexpr const char* kCredentialColumns =
    "SELECT uuid, user_id, type, status, name, public_key_pem, created_at, updated_at FROM credentials";
constexpr const char* kCodeColumns =
    "SELECT id, user_id, code_type, purpose, code, is_authorized, expires_at, created_at FROM codes";

template <typename T, typename Read>
std::optional<T> first_row(StatementUse& s, Read read) {
  if (!s->step()) return std::nullopt;
  return read(*s.operator->());
}

template <typename T, typename Read>
std::vector<T> all_rows(StatementUse& s, Read read) {
  std::vector<T> rows;
  while (s->step()) rows.push_back(read(*s.operator->()));
  return rows;
}

void insert_namespace_row(Database& db, const Namespace& ns) {
  auto s = db.use("INSERT INTO namespaces (id, name, created_at) VALUES (?1, ?2, ?3)");
  s->bind(1, ns.id);
  s->bind(2, ns.name);
  s->bind(3, ns.created_at);
  s->step();
}

void insert_application_row(Database& db, const Application& app) {
  auto s = db.use(
      "INSERT INTO applications (client_id, namespace_id, type, name, public_key_pem, private_key_pem, created_at, "
      "rp_id, rp_name, allowed_origins, public_init) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  s->bind(1, app.client_id);
  s->bind(2, app.namespace_id);
  s->bind(3, app.type);
  s->bind(4, app.name);
  s->bind(5, app.public_key_pem);
  s->bind_optional(6, app.private_key_pem);
  s->bind(7, app.created_at);
  s->bind(8, app.web_settings.rp_id);
  s->bind(9, app.web_settings.rp_name);
  s->bind(10, join_lines(app.web_settings.allowed_origins));
  s->bind(11, std::int64_t{app.web_settings.public_init ? 1 : 0});
  s->step();
}

void insert_active_key_rows(Database& db, const SigningKey& key) {
  db.use("UPDATE signing_keys SET active = 0")->step();
  auto s = db.use(
      "INSERT INTO signing_keys (kid, private_key_pem, public_key_pem, active, created_at) VALUES (?1, ?2, ?3, 1, ?4)");
  s->bind(1, key.kid);
  s->bind(2, key.private_key_pem);
  s->bind(3, key.public_key_pem);
  s->bind(4, key.created_at);
  s->step();
}

void set_setting_row(Database& db, std::string_view key, std::string_view value) {
  auto s = db.use("INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2");
  s->bind(1, key);
  s->bind(2, value);
  s->step();
}

}  // namespace

Store::Store(const std::string& path, std::optional<int> up_to_version, std::chrono::milliseconds busy_timeout)
    : db_(path, Database::Access::read_write, busy_timeout) {
  migrate(up_to_version);
  // ":memory:" (and "") name a private database per connection, so those keep one connection.
  if (!path.empty() && path != ":memory:" && path.rfind("file::memory:", 0) != 0) {
    nonce_db_ = std::make_unique<Database>(path, Database::Access::read_write, busy_timeout);
    readers_ = std::make_unique<ReadConnections>(path, busy_timeout);
  }
}

std::unique_ptr<Database> Store::ReadConnections::take() {
  {
    Lock lock(mutex_);
    if (!idle_.empty()) {
      auto db = std::move(idle_.back());
      idle_.pop_back();
      return db;
    }
  }
  return std::make_unique<Database>(path_, Database::Access::read_only, busy_timeout_);
}

void Store::ReadConnections::give_back(std::unique_ptr<Database> db) {
  Lock lock(mutex_);
  idle_.push_back(std::move(db));
}

template <class Read>
auto Store::read(Read&& query) {
  if (!readers_) {
    Lock lock(db_.mutex());
    return query(db_);
  }
  struct Lease {
    ReadConnections& owner;
    std::unique_ptr<Database> db;
    ~Lease() { owner.give_back(std::move(db)); }
  } lease{*readers_, readers_->take()};
  return query(*lease.db);
}

void Store::migrate(std::optional<int> up_to_version) {
  Lock lock(db_.mutex());
  db_.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  Database::Transaction tx(db_);
  std::int64_t version = 0;
  {
    auto s = db_.use("SELECT version FROM schema_version");
    if (s->step()) {
      version = s->int64(0);
    } else {
      db_.use("INSERT INTO schema_version (version) VALUES (0)")->step();
    }
  }
  if (version > static_cast<std::int64_t>(kMigrations.size())) {
    throw StoreError("database schema version " + std::to_string(version) +
                     " is newer than this emulator understands (" + std::to_string(kMigrations.size()) + ")");
  }
  const auto target = std::min(kMigrations.size(), static_cast<std::size_t>(up_to_version.value_or(INT32_MAX)));
  for (auto i = static_cast<std::size_t>(version); i < target; ++i) {
    db_.exec(kMigrations[i]);
  }
  auto s = db_.use("UPDATE schema_version SET version = ?1");
  s->bind(1, static_cast<std::int64_t>(std::max(target, static_cast<std::size_t>(version))));
  s->step();
  tx.commit();
}

int Store::latest_schema_version() { return static_cast<int>(kMigrations.size()); }

int Store::schema_version() {
  Lock lock(db_.mutex());
  auto s = db_.use("SELECT version FROM schema_version");
  return s->step() ? static_cast<int>(s->int64(0)) : 0;
}

std::optional<std::string> Store::get_setting(std::string_view key) {
  Lock lock(db_.mutex());
  auto s = db_.use("SELECT value FROM settings WHERE key = ?1");
  s->bind(1, key);
  return first_row<std::string>(s, [](Statement& st) { return st.text(0); });
}

void Store::set_setting(std::string_view key, std::string_view value) {
  Lock lock(db_.mutex());
  set_setting_row(db_, key, value);
}

void Store::insert_defaults(const Namespace& ns, const Application& web, const Application& management,
                            const SigningKey& key) {
  Lock lock(db_.mutex());
  Database::Transaction tx(db_);
  insert_namespace_row(db_, ns);
  insert_application_row(db_, web);
  insert_application_row(db_, management);
  insert_active_key_rows(db_, key);
  set_setting_row(db_, "default_namespace", ns.id);
  set_setting_row(db_, "default_web_client", web.client_id);
  set_setting_row(db_, "default_management_client", management.client_id);
  tx.commit();
}

void Store::insert_namespace(const Namespace& ns) {
  Lock lock(db_.mutex());
  insert_namespace_row(db_, ns);
}

std::optional<Namespace> Store::find_namespace(std::string_view id) {
  Lock lock(db_.mutex());
  auto s = db_.use("SELECT id, name, created_at FROM namespaces WHERE id = ?1");
  s->bind(1, id);
  return first_row<Namespace>(s, read_namespace);
}

std::vector<Namespace> Store::list_namespaces() {
  Lock lock(db_.mutex());
  auto s = db_.use("SELECT id, name, created_at FROM namespaces ORDER BY created_at, id");
  return all_rows<Namespace>(s, read_namespace);
}

void Store::insert_application(const Application& app) {
  Lock lock(db_.mutex());
  insert_application_row(db_, app);
}

std::optional<Application> Store::find_application(std::string_view client_id) {
  return read([&](Database& db) {
    static const std::string sql = std::string(kAppColumns) + " WHERE client_id = ?1";
    auto s = db.use(sql.c_str());
    s->bind(1, client_id);
    return first_row<Application>(s, read_application);
  });
}

std::vector<Application> Store::list_applications(const std::optional<std::string>& namespace_id) {
  Lock lock(db_.mutex());
  static const std::string sql =
      std::string(kAppColumns) + " WHERE ?1 IS NULL OR namespace_id = ?1 ORDER BY created_at, client_id";
  auto s = db_.use(sql.c_str());
  s->bind_optional(1, namespace_id);
  return all_rows<Application>(s, read_application);
}

bool Store::update_web_settings(std::string_view client_id, const WebSettings& settings) {
  Lock lock(db_.mutex());
  auto s = db_.use(
      "UPDATE applications SET rp_id = ?2, rp_name = ?3, allowed_origins = ?4, public_init = ?5 WHERE client_id = ?1");
  s->bind(1, client_id);
  s->bind(2, settings.rp_id);
  s->bind(3, settings.rp_name);
  s->bind(4, join_lines(settings.allowed_origins));
  s->bind(5, std::int64_t{settings.public_init ? 1 : 0});
  s->step();
  return s->changes() == 1;
}

void Store::insert_active_signing_key(const SigningKey& key, std::size_t keep) {
  Lock lock(db_.mutex());
  Database::Transaction tx(db_);
  insert_active_key_rows(db_, key);
  auto prune = db_.use(
      "DELETE FROM signing_keys WHERE active = 0 AND kid NOT IN "
      "(SELECT kid FROM signing_keys ORDER BY active DESC, created_at DESC, rowid DESC LIMIT ?1)");
  prune->bind(1, static_cast<std::int64_t>(std::max<std::size_t>(keep, 1)));
  prune->step();
  tx.commit();
}

std::vector<SigningKey> Store::list_signing_keys() {
  Lock lock(db_.mutex());
  auto s = db_.use(
      "SELECT kid, private_key_pem, public_key_pem, active, created_at FROM signing_keys ORDER BY created_at, kid");
  return all_rows<SigningKey>(s, [](Statement& st) {
    return SigningKey{st.text(0), st.text(1), st.text(2), st.int64(3) != 0, st.int64(4)};
  });
}

namespace {

bool insert_user_row(Database& db, const User& user, std::string_view username_key) {
  auto s = db.use(
      "INSERT INTO users (id, namespace_id, username, username_key, status, created_at, updated_at, client_id) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (namespace_id, username_key) DO NOTHING");
  s->bind(1, user.id);
  s->bind(2, user.namespace_id);
  s->bind(3, user.username);
  s->bind(4, username_key);
  s->bind(5, user.status);
  s->bind(6, user.created_at);
  s->bind(7, user.updated_at);
  s->bind(8, user.client_id);
  s->step();
  return s->changes() == 1;
}

void insert_credential_row(Database& db, const Credential& c) {
  auto s = db.use(
      "INSERT INTO credentials (uuid, user_id, type, status, name, public_key_pem, created_at, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  s->bind(1, c.uuid);
  s->bind(2, c.user_id);
  s->bind(3, c.type);
  s->bind(4, c.status);
  s->bind(5, c.name);
  s->bind_optional(6, c.public_key_pem);
  s->bind(7, c.created_at);
  s->bind(8, c.updated_at);
  s->step();
}

void insert_secret_row(Database& db, const SecretHash& h) {
  auto s = db.use(
      "INSERT INTO credential_secrets (credential_uuid, algorithm, memory_kib, iterations, parallelism, salt, hash) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  s->bind(1, h.credential_uuid);
  s->bind(2, h.algorithm);
  s->bind(3, h.memory_kib);
  s->bind(4, h.iterations);
  s->bind(5, h.parallelism);
  s->bind(6, h.salt);
  s->bind(7, h.hash);
  s->step();
}

}  // namespace

bool Store::insert_user(const User& user, std::string_view username_key) {
  Lock lock(db_.mutex());
  return insert_user_row(db_, user, username_key);
}

bool Store::insert_user_with_secret(const User& user, std::string_view username_key, const Credential& credential,
                                    const SecretHash& secret) {
  Lock lock(db_.mutex());
  Database::Transaction tx(db_);
  if (!insert_user_row(db_, user, username_key)) return false;  // the transaction rolls back
  insert_credential_row(db_, credential);
  insert_secret_row(db_, secret);
  tx.commit();
  return true;
}

void Store::replace_secret_credential(const Credential& credential, const SecretHash& secret, std::int64_t now) {
  Lock lock(db_.mutex());
  Database::Transaction tx(db_);
  auto revoke = db_.use(
      "UPDATE credentials SET status = 'revoked', updated_at = ?3 "
      "WHERE user_id = ?1 AND type = ?2 AND status <> 'revoked'");
  revoke->bind(1, credential.user_id);
  revoke->bind(2, credential.type);
  revoke->bind(3, now);
  revoke->step();
  insert_credential_row(db_, credential);
  insert_secret_row(db_, secret);
  tx.commit();
}

std::optional<std::pair<Credential, SecretHash>> Store::find_active_secret(std::string_view user_id,
                                                                           std::string_view type) {
  Lock lock(db_.mutex());
  auto s = db_.use(
      "SELECT c.uuid, c.user_id, c.type, c.status, c.name, c.public_key_pem, c.created_at, c.updated_at, "
      "s.credential_uuid, s.algorithm, s.memory_kib, s.iterations, s.parallelism, s.salt, s.hash "
      "FROM credentials c JOIN credential_secrets s ON s.credential_uuid = c.uuid "
      "WHERE c.user_id = ?1 AND c.type = ?2 AND c.status = 'active' ORDER BY c.created_at DESC LIMIT 1");
  s->bind(1, user_id);
  s->bind(2, type);
  if (!s->step()) return std::nullopt;
  return std::make_pair(read_credential(*s.operator->()), read_secret(*s.operator->(), 8));
}

std::optional<SecretHash> Store::find_secret(std::string_view credential_uuid) {
  Lock lock(db_.mutex());
  auto s = db_.use(
      "SELECT credential_uuid, algorithm, memory_kib, iterations, parallelism, salt, hash FROM credential_secrets "
      "WHERE credential_uuid = ?1");
  s->bind(1, credential_uuid);
  return first_row<SecretHash>(s, [](Statement& st) { return read_secret(st, 0); });
}

std::optional<User> Store::find_user(std::string_view namespace_id, std::string_view user_id) {
  return read([&](Database& db) {
    static const std::string sql = std::string(kUserColumns) + " WHERE id = ?1 AND namespace_id = ?2";
    auto s = db.use(sql.c_str());
    s->bind(1, user_id);
    s->bind(2, namespace_id);
    return first_row<User>(s, read_user);
  });
}

std::optional<User> Store::find_user_by_username(std::string_view namespace_id, std::string_view username_key) {
  // A hit needs the epoch the entry was read in, even (no write under way) and still current; an
  // entry is kept only when the epoch was the same even value before and after its read, so no
  // write of this store overlapped it. (A reader between a write's commit and its epoch step may
  // miss the write, as any reader racing the write may: the writer answers only after the step.)
  constexpr std::size_t kMaxCachedUsers = 10000;
  std::string key;
  key.reserve(namespace_id.size() + 1 + username_key.size());
  key.append(namespace_id).append(1, '\n').append(username_key);
  const auto before = db_.write_epoch();
  const bool quiet = before % 2 == 0;
  if (quiet) {
    std::shared_lock lock(user_cache_.mutex);
    if (user_cache_.epoch == before) {
      if (auto it = user_cache_.users.find(key); it != user_cache_.users.end()) return it->second;
    }
  }
  auto user = read_user_by_username(namespace_id, username_key);
  if (user && quiet && db_.write_epoch() == before) {
    std::unique_lock lock(user_cache_.mutex);
    if (user_cache_.epoch < before || user_cache_.users.size() >= kMaxCachedUsers) {
      user_cache_.users.clear();
      user_cache_.epoch = before;
    }
    if (user_cache_.epoch == before) user_cache_.users.insert_or_assign(std::move(key), *user);
  }
  return user;
}

std::optional<User> Store::read_user_by_username(std::string_view namespace_id, std::string_view username_key) {
  return read([&](Database& db) {
    static const std::string sql = std::string(kUserColumns) + " WHERE namespace_id = ?1 AND username_key = ?2";
    auto s = db.use(sql.c_str());
    s->bind(1, namespace_id);
    s->bind(2, username_key);
    return first_row<User>(s, read_user);
  });
}

std::optional<User> Store::find_user_any_namespace(std::string_view user_id) {
  Lock lock(db_.mutex());
  static const std::string sql = std::string(kUserColumns) + " WHERE id = ?1";
  auto s = db_.use(sql.c_str());
  s->bind(1, user_id);
  return first_row<User>(s, read_user);
}

bool Store::set_user_status(std::string_view user_id, std::string_view status, std::int64_t now) {
  Lock lock(db_.mutex());
  auto s = db_.use("UPDATE users SET status = ?2, updated_at = ?3 WHERE id = ?1");
  s->bind(1, user_id);
  s->bind(2, status);
  s->bind(3, now);
  s->step();
  return s->changes() == 1;
}

bool Store::delete_user(std::string_view user_id) {
  Lock lock(db_.mutex());
  auto s = db_.use("DELETE FROM users WHERE id = ?1");
  s->bind(1, user_id);
  s->step();
  return s->changes() == 1;
}

std::vector<User> Store::list_users(const std::optional<std::string>& namespace_id) {
  Lock lock(db_.mutex());
  static const std::string sql =
      std::string(kUserColumns) + " WHERE ?1 IS NULL OR namespace_id = ?1 ORDER BY created_at, id";
  auto s = db_.use(sql.c_str());
  s->bind_optional(1, namespace_id);
  return all_rows<User>(s, read_user);
}

void Store::insert_credential(const Credential& c) {
  Lock lock(db_.mutex());
  insert_credential_row(db_, c);
}

std::optional<Credential> Store::find_credential(std::string_view uuid) {
  Lock lock(db_.mutex());
  static const std::string sql = std::string(kCredentialColumns) + " WHERE uuid = ?1";
  auto s = db_.use(sql.c_str());
  s->bind(1, uuid);
  return first_row<Credential>(s, read_credential);
}

std::vector<Credential> Store::list_credentials(const std::optional<std::string>& user_id) {
  Lock lock(db_.mutex());
  static const std::string sql =
      std::string(kCredentialColumns) + " WHERE ?1 IS NULL OR user_id = ?1 ORDER BY created_at, uuid";
  auto s = db_.use(sql.c_str());
  s->bind_optional(1, user_id);
  return all_rows<Credential>(s, read_credential);
}

void Store::update_credential(const Credential& c) {
  Lock lock(db_.mutex());
  auto s = db_.use("UPDATE credentials SET name = ?2, status = ?3, updated_at = ?4 WHERE uuid = ?1");
  s->bind(1, c.uuid);
  s->bind(2, c.name);
  s->bind(3, c.status);
  s->bind(4, c.updated_at);
  s->step();
}

void Store::insert_code(const Code& c) {
  Lock lock(db_.mutex());
  auto s = db_.use(
      "INSERT INTO codes (user_id, code_type, purpose, code, is_authorized, expires_at, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  s->bind(1, c.user_id);
  s->bind(2, c.code_type);
  s->bind(3, c.purpose);
  s->bind(4, c.code);
  s->bind(5, std::int64_t{c.is_authorized ? 1 : 0});
  s->bind(6, c.expires_at);
  s->bind(7, c.created_at);
  s->step();
}

std::optional<Code> Store::find_code(std::string_view user_id, std::string_view code_type, std::string_view code) {
  Lock lock(db_.mutex());
  static const std::string sql =
      std::string(kCodeColumns) + " WHERE user_id = ?1 AND code_type = ?2 AND code = ?3 ORDER BY id DESC LIMIT 1";
  auto s = db_.use(sql.c_str());
  s->bind(1, user_id);
  s->bind(2, code_type);
  s->bind(3, code);
  return first_row<Code>(s, read_code);
}

std::optional<Code> Store::find_code_by_id(std::int64_t id) {
  return read([&](Database& db) {
    static const std::string sql = std::string(kCodeColumns) + " WHERE id = ?1";
    auto s = db.use(sql.c_str());
    s->bind(1, id);
    return first_row<Code>(s, read_code);
  });
}

bool Store::authorize_code(std::int64_t id) {
  Lock lock(db_.mutex());
  auto s = db_.use("UPDATE codes SET is_authorized = 1 WHERE id = ?1");
  s->bind(1, id);
  s->step();
  return s->changes() == 1;
}

bool Store::consume_code(std::int64_t id) {
  Lock lock(db_.mutex());
  auto s = db_.use("DELETE FROM codes WHERE id = ?1");
  s->bind(1, id);
  s->step();
  return s->changes() == 1;
}

int Store::delete_codes(std::string_view user_id, std::string_view code_type, std::string_view purpose) {
  Lock lock(db_.mutex());
  auto s = db_.use("DELETE FROM codes WHERE user_id = ?1 AND code_type = ?2 AND purpose = ?3");
  s->bind(1, user_id);
  s->bind(2, code_type);
  s->bind(3, purpose);
  s->step();
  return s->changes();
}

std::vector<Code> Store::list_codes(const std::optional<std::string>& user_id) {
  Lock lock(db_.mutex());
  static const std::string sql = std::string(kCodeColumns) + " WHERE ?1 IS NULL OR user_id = ?1 ORDER BY id";
  auto s = db_.use(sql.c_str());
  s->bind_optional(1, user_id);
  return all_rows<Code>(s, read_code);
}

int Store::prune_codes(std::int64_t now) {
  Lock lock(db_.mutex());
  auto s = db_.use("DELETE FROM codes WHERE expires_at < ?1");
  s->bind(1, now);
  s->step();
  return s->changes();
}

void Store::insert_transaction(const Transaction& t) {
  Lock lock(db_.mutex());
  auto s = db_.use(
      "INSERT INTO transactions (id, client_id, namespace_id, tx_type, tx_payload, nonce, username, status, "
      "server_nonce, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  s->bind(1, t.id);
  s->bind(2, t.client_id);
  s->bind(3, t.namespace_id);
  s->bind(4, t.tx_type);
  s->bind(5, t.tx_payload);
  s->bind(6, t.nonce);
  s->bind_optional(7, t.username);
  s->bind(8, t.status);
  s->bind_optional(9, t.server_nonce);
  s->bind(10, t.created_at);
  s->step();
}

std::optional<Transaction> Store::find_transaction(std::string_view id) {
  Lock lock(db_.mutex());
  auto s = db_.use(
      "SELECT id, client_id, namespace_id, tx_type, tx_payload, nonce, username, status, server_nonce, created_at "
      "FROM transactions WHERE id = ?1");
  s->bind(1, id);
  return first_row<Transaction>(s, read_transaction);
}

void Store::confirm_transaction(std::string_view id, std::string_view server_nonce) {
  Lock lock(db_.mutex());
  auto s = db_.use("UPDATE transactions SET status = 'confirmed', server_nonce = ?2 WHERE id = ?1");
  s->bind(1, id);
  s->bind(2, server_nonce);
  s->step();
}

std::vector<Transaction> Store::list_transactions(const std::optional<std::string>& client_id) {
  Lock lock(db_.mutex());
  auto s = db_.use(
      "SELECT id, client_id, namespace_id, tx_type, tx_payload, nonce, username, status, server_nonce, created_at "
      "FROM transactions WHERE ?1 IS NULL OR client_id = ?1 ORDER BY created_at, id");
  s->bind_optional(1, client_id);
  return all_rows<Transaction>(s, read_transaction);
}

void Store::insert_challenge(const Challenge& c) {
  Lock lock(db_.mutex());
  auto s = db_.use(
      "INSERT INTO challenges (id, user_id, credential_uuid, client_id, challenge, expires_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  s->bind(1, c.id);
  s->bind(2, c.user_id);
  s->bind(3, c.credential_uuid);
  s->bind(4, c.client_id);
  s->bind(5, c.challenge);
  s->bind(6, c.expires_at);
  s->step();
}

std::optional<Challenge> Store::find_challenge(std::string_view id) {
  Lock lock(db_.mutex());
  auto s = db_.use(
      "SELECT id, user_id, credential_uuid, client_id, challenge, expires_at FROM challenges WHERE id = ?1");
  s->bind(1, id);
  return first_row<Challenge>(s, [](Statement& st) {
    return Challenge{st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.int64(5)};
  });
}

bool Store::delete_challenge(std::string_view id) {
  Lock lock(db_.mutex());
  auto s = db_.use("DELETE FROM challenges WHERE id = ?1");
  s->bind(1, id);
  s->step();
  return s->changes() == 1;
}

namespace {

constexpr const char* kFido2ChallengeColumns =
    "SELECT challenge, ceremony, user_id, username, client_id, namespace_id, rp_id, user_verification, "
    "credential_uuid, code_type, code_purpose, tx_id, server_nonce, expires_at FROM fido2_challenges";

Fido2Challenge read_fido2_challenge(Statement& s) {
  return {s.text(0),          s.text(1),          s.text(2),           s.text(3),          s.text(4),
          s.text(5),          s.text(6),          s.text(7),           s.optional_text(8), s.optional_text(9),
          s.optional_text(10), s.optional_text(11), s.optional_text(12), s.int64(13)};
}

// A credentials row (columns 0-7) joined with its fido2_keys row (columns 8-20).
constexpr const char* kFido2CredentialColumns =
    "SELECT c.uuid, c.user_id, c.type, c.status, c.name, c.public_key_pem, c.created_at, c.updated_at, "
    "k.credential_uuid, k.namespace_id, k.credential_id, k.cose_key, k.alg, k.sign_count, k.transports, k.aaguid, "
    "k.rp_id, k.attestation_fmt, k.backup_eligible, k.backup_state, k.last_used_at "
    "FROM fido2_keys k JOIN credentials c ON c.uuid = k.credential_uuid";

std::pair<Credential, Fido2Key> read_fido2_credential(Statement& s) {
  std::optional<std::int64_t> last_used;
  if (s.optional_text(20)) last_used = s.int64(20);
  return {read_credential(s),
          Fido2Key{s.text(8), s.text(9), s.text(10), s.text(11), s.int64(12), s.int64(13), split_lines(s.text(14)),
                   s.text(15), s.text(16), s.text(17), s.int64(18) != 0, s.int64(19) != 0, last_used}};
}

/// Deletes the challenge; false when it was not there (used, pruned or never issued).
bool consume_fido2_challenge(Database& db, std::string_view challenge) {
  auto s = db.use("DELETE FROM fido2_challenges WHERE challenge = ?1");
  s->bind(1, challenge);
  s->step();
  return s->changes() == 1;
}

}  // namespace

void Store::insert_fido2_challenge(const Fido2Challenge& c) {
  Lock lock(db_.mutex());
  auto s = db_.use(
      "INSERT INTO fido2_challenges (challenge, ceremony, user_id, username, client_id, namespace_id, rp_id, "
      "user_verification, credential_uuid, code_type, code_purpose, tx_id, server_nonce, expires_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
  s->bind(1, c.challenge);
  s->bind(2, c.ceremony);
  s->bind(3, c.user_id);
  s->bind(4, c.username);
  s->bind(5, c.client_id);
  s->bind(6, c.namespace_id);
  s->bind(7, c.rp_id);
  s->bind(8, c.user_verification);
  s->bind_optional(9, c.credential_uuid);
  s->bind_optional(10, c.code_type);
  s->bind_optional(11, c.code_purpose);
  s->bind_optional(12, c.tx_id);
  s->bind_optional(13, c.server_nonce);
  s->bind(14, c.expires_at);
  s->step();
}

std::optional<Fido2Challenge> Store::find_fido2_challenge(std::string_view challenge) {
  Lock lock(db_.mutex());
  static const std::string sql = std::string(kFido2ChallengeColumns) + " WHERE challenge = ?1";
  auto s = db_.use(sql.c_str());
  s->bind(1, challenge);
  return first_row<Fido2Challenge>(s, read_fido2_challenge);
}

int Store::prune_fido2_challenges(std::int64_t before) {
  Lock lock(db_.mutex());
  auto s = db_.use("DELETE FROM fido2_challenges WHERE expires_at < ?1");
  s->bind(1, before);
  s->step();
  return s->changes();
}

std::optional<std::pair<Credential, Fido2Key>> Store::find_fido2_credential(std::string_view namespace_id,
                                                                            std::string_view credential_id) {
  Lock lock(db_.mutex());
  static const std::string sql =
      std::string(kFido2CredentialColumns) + " WHERE k.namespace_id = ?1 AND k.credential_id = ?2";
  auto s = db_.use(sql.c_str());
  s->bind(1, namespace_id);
  s->bind(2, credential_id);
  return first_row<std::pair<Credential, Fido2Key>>(s, read_fido2_credential);
}

std::vector<std::pair<Credential, Fido2Key>> Store::list_fido2_credentials(const std::optional<std::string>& user_id) {
  Lock lock(db_.mutex());
  static const std::string sql =
      std::string(kFido2CredentialColumns) + " WHERE ?1 IS NULL OR c.user_id = ?1 ORDER BY c.created_at, c.uuid";
  auto s = db_.use(sql.c_str());
  s->bind_optional(1, user_id);
  return all_rows<std::pair<Credential, Fido2Key>>(s, read_fido2_credential);
}

Store::Fido2Outcome Store::add_fido2_credential(std::string_view challenge,
                                                const std::optional<std::pair<User, std::string>>& new_user,
                                                const Credential& credential, const Fido2Key& key) {
  Lock lock(db_.mutex());
  Database::Transaction tx(db_);
  if (!consume_fido2_challenge(db_, challenge)) return Fido2Outcome::challenge_used;
  if (new_user && !insert_user_row(db_, new_user->first, new_user->second)) return Fido2Outcome::username_taken;
  {
    auto taken = db_.use("SELECT 1 FROM fido2_keys WHERE namespace_id = ?1 AND credential_id = ?2");
    taken->bind(1, key.namespace_id);
    taken->bind(2, key.credential_id);
    if (taken->step()) return Fido2Outcome::credential_exists;
  }
  insert_credential_row(db_, credential);
  auto s = db_.use(
      "INSERT INTO fido2_keys (credential_uuid, namespace_id, credential_id, cose_key, alg, sign_count, transports, "
      "aaguid, rp_id, attestation_fmt, backup_eligible, backup_state, last_used_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, NULL)");
  s->bind(1, key.credential_uuid);
  s->bind(2, key.namespace_id);
  s->bind(3, key.credential_id);
  s->bind(4, key.cose_key);
  s->bind(5, key.alg);
  s->bind(6, key.sign_count);
  s->bind(7, join_lines(key.transports));
  s->bind(8, key.aaguid);
  s->bind(9, key.rp_id);
  s->bind(10, key.attestation_fmt);
  s->bind(11, std::int64_t{key.backup_eligible ? 1 : 0});
  s->bind(12, std::int64_t{key.backup_state ? 1 : 0});
  s->step();
  tx.commit();
  return Fido2Outcome::done;
}

Store::Fido2Outcome Store::record_fido2_assertion(std::string_view challenge, std::string_view credential_uuid,
                                                  std::int64_t stored_count, std::int64_t new_count,
                                                  bool backup_state, std::int64_t now) {
  Lock lock(db_.mutex());
  Database::Transaction tx(db_);
  if (!consume_fido2_challenge(db_, challenge)) return Fido2Outcome::challenge_used;
  auto s = db_.use(
      "UPDATE fido2_keys SET sign_count = ?3, backup_state = ?4, last_used_at = ?5 "
      "WHERE credential_uuid = ?1 AND sign_count = ?2");
  s->bind(1, credential_uuid);
  s->bind(2, stored_count);
  s->bind(3, new_count);
  s->bind(4, std::int64_t{backup_state ? 1 : 0});
  s->bind(5, now);
  s->step();
  if (s->changes() != 1) return Fido2Outcome::counter_moved;
  tx.commit();
  return Fido2Outcome::done;
}

void Store::save_nonces(const std::vector<SeenNonce>& nonces, std::int64_t now) {
  auto& db = nonce_db();
  Lock lock(db.mutex());
  Database::Transaction tx(db);
  for (std::size_t first = 0; first < nonces.size(); first += kNoncesPerBatch) {
    const auto last = std::min(nonces.size(), first + kNoncesPerBatch);
    // The text nlohmann::json would dump for [[client_id, nonce, expires_at], ...], written directly:
    // building a JSON value per nonce was most of the batch's CPU.
    std::string batch = "[";
    batch.reserve(64 * (last - first));
    std::int64_t latest = 0;
    for (auto i = first; i < last; ++i) {
      if (i > first) batch += ',';
      batch += '[';
      append_json_string(batch, nonces[i].client_id);
      batch += ',';
      append_json_string(batch, nonces[i].nonce);
      batch += ',';
      batch += std::to_string(nonces[i].expires_at);
      batch += ']';
      latest = std::max(latest, nonces[i].expires_at);
    }
    batch += ']';
    auto s = db.use("INSERT INTO seen_nonce_batches (expires_at, nonces) VALUES (?1, ?2)");
    s->bind(1, latest);
    s->bind(2, batch);
    s->step();
  }
  auto prune = db.use("DELETE FROM seen_nonce_batches WHERE expires_at < ?1");
  prune->bind(1, now);
  prune->step();
  tx.commit();
}

std::vector<SeenNonce> Store::load_nonces(std::int64_t now) {
  auto& db = nonce_db();
  Lock lock(db.mutex());
  auto s = db.use("SELECT nonces FROM seen_nonce_batches WHERE expires_at >= ?1");
  s->bind(1, now);
  std::vector<SeenNonce> live;
  while (s->step()) {
    const auto batch = nlohmann::json::parse(s->text(0), nullptr, false);
    if (!batch.is_array()) throw StoreError("seen_nonce_batches: a row is not a JSON array");
    for (const auto& entry : batch) {
      if (!entry.is_array() || entry.size() != 3 || !entry[0].is_string() || !entry[1].is_string() ||
          !entry[2].is_number_integer()) {
        throw StoreError("seen_nonce_batches: an entry is not [client_id, nonce, expires_at]");
      }
      const auto expires_at = entry[2].get<std::int64_t>();
      if (expires_at >= now) live.push_back({entry[0].get<std::string>(), entry[1].get<std::string>(), expires_at});
    }
  }
  return live;
}

}  // namespace loginid::detail::store
