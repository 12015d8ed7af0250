#include "emulator/store/sqlite.hpp"

#include <sqlite3.h>

namespace loginid::detail::store {
namespace {

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view what) {
  std::string message = std::string(what) + ": " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    throw ConstraintError(message);
  }
  throw StoreError(message);
}

}  // namespace

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt, std::atomic<std::uint64_t>& write_epoch)
    : db_(db), stmt_(stmt), write_epoch_(write_epoch), writes_(sqlite3_stmt_readonly(stmt) == 0) {}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::bind(int index, std::string_view text) {
  int rc = sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(db_, rc, "bind");
}

void Statement::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) fail(db_, rc, "bind");
}

void Statement::bind_optional(int index, const std::optional<std::string>& text) {
  if (text) {
    bind(index, std::string_view(*text));
  } else {
    bind_null(index);
  }
}

void Statement::bind_null(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) fail(db_, rc, "bind");
}

bool Statement::step() {
  // A write outside a transaction commits within this step: the epoch is odd around it. (Inside
  // a transaction, Database::Transaction keeps it odd until the commit or rollback.)
  struct WriteEpoch {
    std::atomic<std::uint64_t>* epoch;
    ~WriteEpoch() {
      if (epoch != nullptr) epoch->fetch_add(1, std::memory_order_acq_rel);
    }
  } after{writes_ && sqlite3_get_autocommit(db_) != 0 ? &write_epoch_ : nullptr};
  if (after.epoch != nullptr) write_epoch_.fetch_add(1, std::memory_order_acq_rel);
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, rc, "step");
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::optional<std::string> Statement::optional_text(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return text(column);
}

std::int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

void Statement::reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int Statement::changes() const noexcept { return sqlite3_changes(db_); }

Database::Database(const std::string& path, Access access, std::chrono::milliseconds busy_timeout) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = std::string("cannot open database ") + path + ": " +
                          (db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError(message);
  }
  sqlite3_extended_result_codes(db_, 1);
  // Wait for a lock held by another process (e.g. a second emulator on the same file) instead of failing.
  sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout.count()));
  if (access == Access::read_only) {
    // The journal mode is the database's (WAL, set by the read_write connection); a WAL reader
    // waits for nobody but a recovery of the WAL after a crash.
    exec("PRAGMA query_only=ON");
    return;
  }
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=FULL");
  exec("PRAGMA foreign_keys=ON");
}

Database::~Database() {
  statements_.clear();
  sqlite3_close(db_);
}

StatementUse Database::use(const char* sql) {
  auto it = statements_.find(std::string_view(sql));
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) fail(db_, rc, "prepare");
    it = statements_.emplace(sql, std::make_unique<Statement>(db_, stmt, write_epoch_)).first;
  }
  return StatementUse(*it->second);
}

void Database::exec(const char* sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message = std::string("exec: ") + (error != nullptr ? error : sqlite3_errstr(rc));
    sqlite3_free(error);
    if ((rc & 0xff) == SQLITE_CONSTRAINT) throw ConstraintError(message);
    throw StoreError(message);
  }
}

// The write epoch is odd from before BEGIN to after COMMIT or ROLLBACK (see write_epoch).
Database::Transaction::Transaction(Database& db) : db_(db) {
  db_.write_epoch_.fetch_add(1, std::memory_order_acq_rel);
  try {
    db_.exec("BEGIN IMMEDIATE");
  } catch (...) {
    db_.write_epoch_.fetch_add(1, std::memory_order_acq_rel);
    throw;
  }
}

Database::Transaction::~Transaction() {
  if (!done_) {
    sqlite3_exec(db_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
    db_.write_epoch_.fetch_add(1, std::memory_order_acq_rel);
  }
}

void Database::Transaction::commit() {
  db_.exec("COMMIT");  // throws on failure: the destructor rolls back
  done_ = true;
  db_.write_epoch_.fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace loginid::detail::store
