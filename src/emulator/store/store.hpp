#pragma once
// All SQL of the emulator. Each public function is one atomic operation (one lock, and one
// transaction when it changes more than one row). No rules live here: the service decides.

#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/store/records.hpp"
#include "emulator/store/sqlite.hpp"

namespace loginid::detail::store {

class Store {
 public:
  /// Opens the database and applies every pending forward migration (up to `up_to_version` when
  /// given: tests build the database an older emulator would have left).
  /// `busy_timeout`: see Database (tests lengthen it to hold a write waiting for as long as they
  /// need).
  explicit Store(const std::string& path, std::optional<int> up_to_version = std::nullopt,
                 std::chrono::milliseconds busy_timeout = Database::kBusyTimeout);

  [[nodiscard]] int schema_version();
  /// The version this emulator migrates every database to.
  [[nodiscard]] static int latest_schema_version();

  std::optional<std::string> get_setting(std::string_view key);
  void set_setting(std::string_view key, std::string_view value);

  /// First-start set-up in one transaction: the default namespace, applications and signing key,
  /// plus the settings naming them.
  void insert_defaults(const Namespace& ns, const Application& web, const Application& management,
                       const SigningKey& key);

  void insert_namespace(const Namespace& ns);
  std::optional<Namespace> find_namespace(std::string_view id);
  std::vector<Namespace> list_namespaces();

  void insert_application(const Application& app);
  std::optional<Application> find_application(std::string_view client_id);
  std::vector<Application> list_applications(const std::optional<std::string>& namespace_id);
  /// false when there is no such application.
  bool update_web_settings(std::string_view client_id, const WebSettings& settings);

  /// Inserts `key` as the only active key; the previous ones stay, retired, up to `keep` keys in
  /// all (the newest; older retired keys are deleted in the same transaction).
  void insert_active_signing_key(const SigningKey& key, std::size_t keep);
  std::vector<SigningKey> list_signing_keys();

  /// false when the lowercased username is taken in the namespace.
  bool insert_user(const User& user, std::string_view username_key);
  /// A new user with a credential holding a secret (register_password), in one transaction; false
  /// (and nothing written) when the username is taken.
  bool insert_user_with_secret(const User& user, std::string_view username_key, const Credential& credential,
                               const SecretHash& secret);
  /// Revokes the user's earlier credentials of `credential.type` and inserts this one with its secret,
  /// in one transaction (a new recovery code replaces the old one).
  void replace_secret_credential(const Credential& credential, const SecretHash& secret, std::int64_t now);
  /// The user's newest active credential of `type` that has a secret, with its hash.
  std::optional<std::pair<Credential, SecretHash>> find_active_secret(std::string_view user_id, std::string_view type);
  std::optional<SecretHash> find_secret(std::string_view credential_uuid);
  // The reads the event loops make (find_application, find_user, find_user_by_username,
  // find_code_by_id) go through read connections on file databases: WAL readers never wait for a
  // writer, nor for the main connection, whose lock a write holds while it waits on SQLite's
  // write lock (busy_timeout) or on fsync.
  std::optional<User> find_user(std::string_view namespace_id, std::string_view user_id);
  /// Answered from memory when the same user was read since the last write through this store
  /// (the user cache: filled by reads, emptied by any write, see Database::write_epoch); a change
  /// made to the file by another process while this store is open is not seen until then.
  std::optional<User> find_user_by_username(std::string_view namespace_id, std::string_view username_key);
  std::optional<User> find_user_any_namespace(std::string_view user_id);
  bool set_user_status(std::string_view user_id, std::string_view status, std::int64_t now);
  /// Removes the user; credentials, codes and challenges go with it (ON DELETE CASCADE).
  bool delete_user(std::string_view user_id);
  std::vector<User> list_users(const std::optional<std::string>& namespace_id);

  void insert_credential(const Credential& credential);
  std::optional<Credential> find_credential(std::string_view uuid);
  std::vector<Credential> list_credentials(const std::optional<std::string>& user_id);
  void update_credential(const Credential& credential);

  void insert_code(const Code& code);
  /// The live (unused) code `code` of that type for the user, authorized or not.
  std::optional<Code> find_code(std::string_view user_id, std::string_view code_type, std::string_view code);
  std::optional<Code> find_code_by_id(std::int64_t id);
  bool authorize_code(std::int64_t id);
  /// Deletes the code when it is still there; false when someone else used it first.
  bool consume_code(std::int64_t id);
  int delete_codes(std::string_view user_id, std::string_view code_type, std::string_view purpose);
  std::vector<Code> list_codes(const std::optional<std::string>& user_id);
  int prune_codes(std::int64_t now);

  void insert_transaction(const Transaction& tx);
  std::optional<Transaction> find_transaction(std::string_view id);
  void confirm_transaction(std::string_view id, std::string_view server_nonce);
  std::vector<Transaction> list_transactions(const std::optional<std::string>& client_id);

  void insert_challenge(const Challenge& challenge);
  std::optional<Challenge> find_challenge(std::string_view id);
  bool delete_challenge(std::string_view id);

  // FIDO2 (WebAuthn)
  void insert_fido2_challenge(const Fido2Challenge& challenge);
  std::optional<Fido2Challenge> find_fido2_challenge(std::string_view challenge);
  /// Drops the challenges that expired before `before`; returns how many.
  int prune_fido2_challenges(std::int64_t before);
  /// The FIDO2 credential with that (base64url) credential id in the namespace, whoever owns it.
  std::optional<std::pair<Credential, Fido2Key>> find_fido2_credential(std::string_view namespace_id,
                                                                       std::string_view credential_id);
  /// A user's FIDO2 credentials (every user's when nullopt), oldest first, whatever their status.
  std::vector<std::pair<Credential, Fido2Key>> list_fido2_credentials(const std::optional<std::string>& user_id);

  enum class Fido2Outcome {
    done,
    challenge_used,     ///< the challenge was consumed by another complete (or never existed)
    username_taken,     ///< registration: the username was taken since the init
    credential_exists,  ///< the credential id is already registered in the namespace
    counter_moved,      ///< another assertion of the credential was recorded since it was read
  };
  /// One transaction: consumes the challenge, creates `new_user` (a registration: the user and its
  /// username key) when given, and stores the credential with its key. Nothing changes unless done.
  Fido2Outcome add_fido2_credential(std::string_view challenge,
                                    const std::optional<std::pair<User, std::string>>& new_user,
                                    const Credential& credential, const Fido2Key& key);
  /// One transaction: consumes the challenge and records an assertion (counter, backup state, time)
  /// when the stored counter is still `stored_count`. Nothing changes unless done.
  Fido2Outcome record_fido2_assertion(std::string_view challenge, std::string_view credential_uuid,
                                      std::int64_t stored_count, std::int64_t new_count, bool backup_state,
                                      std::int64_t now);

  /// Persists a batch of seen nonces in one transaction and drops the expired ones.
  void save_nonces(const std::vector<SeenNonce>& nonces, std::int64_t now);
  std::vector<SeenNonce> load_nonces(std::int64_t now);

 private:
  /// Connections that only read (query_only), one per thread reading at the moment (taken and given
  /// back around each read), so readers never share a lock with each other or with the writer.
  class ReadConnections {
   public:
    ReadConnections(std::string path, std::chrono::milliseconds busy_timeout)
        : path_(std::move(path)), busy_timeout_(busy_timeout) {}
    std::unique_ptr<Database> take();
    void give_back(std::unique_ptr<Database> db);

   private:
    const std::string path_;
    const std::chrono::milliseconds busy_timeout_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<Database>> idle_;
  };
  /// Runs `query(Database&)` on a read connection (on ":memory:", which has one connection only:
  /// on the main one, under its lock).
  template <class Read>
  auto read(Read&& query);
  std::optional<User> read_user_by_username(std::string_view namespace_id, std::string_view username_key);
  void migrate(std::optional<int> up_to_version);
  /// The connection for seen nonces: a second one on file databases, so a batch commit (and its
  /// fsync) never blocks the main connection's readers (WAL lets them proceed).
  Database& nonce_db() { return nonce_db_ ? *nonce_db_ : db_; }
  Database db_;
  std::unique_ptr<Database> nonce_db_;
  std::unique_ptr<ReadConnections> readers_;  // null on ":memory:"
  /// Users read by username ("<namespace_id>\n<username_key>"), valid for one write epoch of db_.
  struct UserCache {
    std::shared_mutex mutex;
    std::uint64_t epoch = 0;
    std::unordered_map<std::string, User> users;
  };
  UserCache user_cache_;
};

}  // namespace loginid::detail::store
