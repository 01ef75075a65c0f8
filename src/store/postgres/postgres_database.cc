#include "store/postgres/postgres_database.h"

#include <mutex>
#include <vector>

#include "store/guarded.h"
#include "store/migrations.h"
#include "store/postgres/postgres_connection.h"

namespace lw {

namespace {

// How often a transaction that lost a serialization conflict or a deadlock
// is run again before its error is returned.
constexpr int kAttempts = 4;
// Any fixed number: the key of the lock that serializes migrations across nodes.
constexpr int64_t kMigrationLock = 0x4c65616477697265;  // "Leadwire"

class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(std::string conninfo) : conninfo_(std::move(conninfo)) {}

  Status Read(const std::function<Status(sql::Connection&)>& fn) override {
    return Run("BEGIN READ ONLY", fn);
  }

  Status Write(const std::function<Status(sql::Connection&)>& fn) override {
    Status st;
    for (int attempt = 1; attempt <= kAttempts; ++attempt) {
      bool retry = false;
      st = Run("BEGIN", fn, &retry);
      if (!retry) break;
    }
    if (st) NotifyCommitted();
    return st;
  }

  Status Migrate() override {
    return Write([](sql::Connection& c) -> Status {
      // Held until this transaction ends: a node starting at the same time
      // waits here, then finds the migrations applied.
      c.Query("SELECT pg_advisory_xact_lock(?)", {kMigrationLock});
      ApplyMigrations(c, "postgresql");
      return {};
    });
  }

 private:
  // One transaction on a pooled connection. `retry` (if given) is set when
  // the failure was a serialization conflict or deadlock.
  Status Run(const char* begin, const std::function<Status(sql::Connection&)>& fn,
             bool* retry = nullptr) {
    sql::DbError::Kind failure = sql::DbError::Kind::kOther;
    auto step = [&](auto&& body) {
      return Guarded([&]() -> Status {
        try {
          return body();
        } catch (const sql::DbError& e) {
          failure = e.kind;
          throw;
        }
      });
    };
    std::unique_ptr<PostgresConnection> conn;
    Status st;
    // A pooled connection may have died with a server restart while idle: its
    // first statement fails, and one fresh connection is tried instead.
    for (bool fresh : {false, true}) {
      failure = sql::DbError::Kind::kOther;
      st = step([&]() -> Status {
        conn = fresh ? std::make_unique<PostgresConnection>(conninfo_) : Take();
        conn->ExecScript(begin);
        return {};
      });
      if (st || fresh || failure != sql::DbError::Kind::kUnavailable) break;
    }
    if (st) st = step([&] { return fn(*conn); });
    if (st)
      st = step([&]() -> Status {
        conn->ExecScript("COMMIT");
        return {};
      });
    if (!st && conn && conn->Usable())
      (void)step([&]() -> Status {
        conn->ExecScript("ROLLBACK");
        return {};
      });
    if (retry) *retry = failure == sql::DbError::Kind::kBusy;
    if (conn) GiveBack(std::move(conn));
    return st;
  }

  std::unique_ptr<PostgresConnection> Take() {
    {
      std::lock_guard lock(pool_mutex_);
      while (!idle_.empty()) {
        auto conn = std::move(idle_.back());
        idle_.pop_back();
        if (conn->Usable()) return conn;
      }
    }
    return std::make_unique<PostgresConnection>(conninfo_);
  }

  void GiveBack(std::unique_ptr<PostgresConnection> conn) {
    if (!conn->Usable()) return;  // lost: the next Take connects again
    std::lock_guard lock(pool_mutex_);
    idle_.push_back(std::move(conn));
  }

  std::string conninfo_;
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<PostgresConnection>> idle_;
};

}  // namespace

Result<std::unique_ptr<Database>> OpenPostgres(const std::string& url) {
  // libpq waits forever for an unreachable host unless told otherwise; a
  // request must rather answer 503 within seconds.
  std::string conninfo = url;
  if (conninfo.find("connect_timeout=") == std::string::npos)
    conninfo +=
        (conninfo.find('?') == std::string::npos ? "?" : "&") + std::string("connect_timeout=5");
  try {
    PostgresConnection probe(conninfo);
  } catch (const sql::DbError& e) {
    return Fail(Error{ErrorKind::kBadRequest, "database_unreachable", e.what(), {}});
  }
  return std::make_unique<PostgresDatabase>(conninfo);
}

}  // namespace lw
