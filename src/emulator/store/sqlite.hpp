#pragma once
// A thin RAII layer over SQLite: one connection, cached prepared statements, scoped transactions.
// Callers hold Database::mutex() for the whole of an operation; nothing here locks on its own.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace loginid::detail::store {

/// A SQLite failure that is not the caller's fault (disk, corruption, a bug in a statement).
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A prepared statement that stays compiled for the connection's lifetime. Bind, step, read; the
/// Binder resets it on scope exit so the next user starts clean.
class Statement {
 public:
  /// `write_epoch`: the connection's (see Database::write_epoch), moved around each step of a
  /// statement that writes outside a transaction.
  Statement(sqlite3* db, sqlite3_stmt* stmt, std::atomic<std::uint64_t>& write_epoch);
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  void bind(int index, std::string_view text);
  void bind(int index, std::int64_t value);
  void bind_optional(int index, const std::optional<std::string>& text);
  void bind_null(int index);
  /// true while there is a row; false when done. Throws StoreError on failure; a constraint
  /// violation throws ConstraintError so callers can map it (e.g. a taken username).
  bool step();
  [[nodiscard]] std::string text(int column) const;
  [[nodiscard]] std::optional<std::string> optional_text(int column) const;
  [[nodiscard]] std::int64_t int64(int column) const;
  void reset() noexcept;
  [[nodiscard]] int changes() const noexcept;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::atomic<std::uint64_t>& write_epoch_;
  const bool writes_;  // not sqlite3_stmt_readonly
};

class ConstraintError : public StoreError {
 public:
  using StoreError::StoreError;
};

/// Resets a cached statement when the scope ends (also on exceptions).
class StatementUse {
 public:
  explicit StatementUse(Statement& stmt) : stmt_(stmt) {}
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;
  ~StatementUse() { stmt_.reset(); }
  Statement* operator->() { return &stmt_; }

 private:
  Statement& stmt_;
};

class Database {
 public:
  enum class Access {
    read_write,
    /// query_only, on a database a read_write connection has already set up (WAL): it never
    /// writes, so it never waits for the write lock.
    read_only,
  };
  /// Opens (creating when absent) and applies the durability pragmas: WAL, synchronous=FULL,
  /// foreign_keys=ON, busy_timeout (how long a statement waits for a lock another connection
  /// holds before it fails). ":memory:" gives a throwaway database.
  explicit Database(const std::string& path, Access access = Access::read_write,
                    std::chrono::milliseconds busy_timeout = kBusyTimeout);
  static constexpr std::chrono::milliseconds kBusyTimeout{5000};
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  /// A statement compiled once per SQL text and reused (prepared statements only, never built SQL).
  StatementUse use(const char* sql);
  /// For fixed DDL and pragmas only.
  void exec(const char* sql);
  std::mutex& mutex() noexcept { return mutex_; }
  /// Odd while a write through this connection is under way (from before its first change to
  /// after its commit or rollback), even between writes, and never the same even value twice
  /// around a write. A reader that loads the same even value before and after reading knows that
  /// no write of this connection overlapped its read (Store's user cache). Writes by other
  /// processes are not counted. Any thread.
  [[nodiscard]] std::uint64_t write_epoch() const noexcept { return write_epoch_.load(std::memory_order_acquire); }

  /// BEGIN IMMEDIATE ... COMMIT; rolls back when destroyed without commit().
  class Transaction {
   public:
    explicit Transaction(Database& db);
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();
    void commit();

   private:
    Database& db_;
    bool done_ = false;
  };

 private:
  sqlite3* db_ = nullptr;
  std::map<std::string, std::unique_ptr<Statement>, std::less<>> statements_;
  std::mutex mutex_;
  std::atomic<std::uint64_t> write_epoch_{0};
};

}  // namespace loginid::detail::store
