// Database: the store interface the services use. Work runs inside explicit
// transactions: Read for queries, Write for changes that must be durable when
// it returns. Backends (sqlite/, later postgres/) own connections and dialect.
// Thread-safe: any number of threads may call Read/Write at once.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/error.h"
#include "store/sql.h"

namespace lw {

// A running watch for other nodes' work (Database::WatchForWork); destroying
// it stops the watch.
class WorkWatch {
 public:
  virtual ~WorkWatch() = default;
};

struct DatabaseOptions {
  // PostgreSQL: connections this node opens at most; a transaction waits for
  // a free one beyond that. (SQLite has one writer and a reader per thread.)
  int pool_size = 8;
};

class Database {
 public:
  virtual ~Database() = default;

  // Runs `fn` to read, in one read transaction: every statement sees the same
  // snapshot (PostgreSQL: REPEATABLE READ, READ ONLY). A DbError
  // thrown inside becomes an Error.
  virtual Status Read(const std::function<Status(sql::Connection&)>& fn) = 0;
  // Runs `fn`, which makes one statement, to read: that statement sees one
  // snapshot on its own, so no transaction goes around it (on PostgreSQL one
  // round trip where Read takes two: the COMMIT).
  virtual Status ReadOneStatement(const std::function<Status(sql::Connection&)>& fn) {
    return Read(fn);
  }
  // Runs `fn` in a write transaction, committed (durably) only if `fn` succeeds;
  // on an error value or a DbError everything `fn` wrote is rolled back.
  virtual Status Write(const std::function<Status(sql::Connection&)>& fn) = 0;

  // Applies pending migrations; safe to call on every start.
  virtual Status Migrate() = 0;

  // Calls `wake` (from another thread) whenever a transaction that announced
  // work (Connection::AnnounceWork) commits on any node, and after each
  // reconnection, since notifications may have been missed meanwhile. Null
  // where one process is all there is (SQLite: the commit listener does it).
  virtual std::unique_ptr<WorkWatch> WatchForWork(std::function<void()> /*wake*/) {
    return nullptr;
  }

  // Called after every committed Write (the dispatcher wakes on it). Set it
  // before other threads use the database.
  void SetCommitListener(std::function<void()> listener) { commit_listener_ = std::move(listener); }

 protected:
  void NotifyCommitted() const {
    if (commit_listener_) commit_listener_();
  }
  // What a transaction's outcome says about reaching the database
  // (store/availability.h); returns `st`. Backends pass every outcome here.
  // A read that works ends an outage, but not a full disk's: reads work
  // while writes cannot, and the state must not flap between them.
  static Status Observed(Status st, bool write);

 private:
  std::function<void()> commit_listener_;
};

// Sets a database's commit listener for as long as it lives, and clears it
// when it goes: the listener's target (a dispatcher) often dies before the
// database does. Made and destroyed while no other thread writes.
class ScopedCommitListener {
 public:
  ScopedCommitListener(Database& db, std::function<void()> listener) : db_(db) {
    db_.SetCommitListener(std::move(listener));
  }
  ~ScopedCommitListener() { db_.SetCommitListener(nullptr); }
  ScopedCommitListener(const ScopedCommitListener&) = delete;
  ScopedCommitListener& operator=(const ScopedCommitListener&) = delete;

 private:
  Database& db_;
};

// Opens a --db URL (see database_url.h).
Result<std::unique_ptr<Database>> OpenDatabase(const std::string& url,
                                               const DatabaseOptions& options = {});

// `leadwire backup`: an online, consistent copy of the SQLite database `url`
// names in the new file `target` (sqlite_backup.h). On PostgreSQL the answer
// is an error that names PostgreSQL's own tools.
struct BackupReport {
  int64_t pages = 0;
  int64_t bytes = 0;
};
Result<BackupReport> BackupDatabase(const std::string& url, const std::string& target);

// Turns a DbError into the Error a transaction returns.
Error ToError(const sql::DbError& e);

}  // namespace lw

namespace lw {

namespace detail {
template <typename T>
Result<T> Collect(Status (Database::*run)(const std::function<Status(sql::Connection&)>&),
                  Database& db, const std::function<Result<T>(sql::Connection&)>& fn) {
  std::optional<T> out;
  auto st = (db.*run)([&](sql::Connection& c) -> Status {
    auto r = fn(c);
    if (!r) return Fail(std::move(r.error()));
    out = std::move(*r);
    return {};
  });
  if (!st) return Fail(std::move(st.error()));
  return std::move(*out);
}
}  // namespace detail

// Runs `fn` in a Write/Read transaction and hands back the value it produced.
template <typename T>
Result<T> WriteResult(Database& db, const std::function<Result<T>(sql::Connection&)>& fn) {
  return detail::Collect<T>(&Database::Write, db, fn);
}
template <typename T>
Result<T> ReadResult(Database& db, const std::function<Result<T>(sql::Connection&)>& fn) {
  return detail::Collect<T>(&Database::Read, db, fn);
}

}  // namespace lw
