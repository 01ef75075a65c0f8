#include "store/postgres/postgres_database.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "store/committed_ids.h"
#include "store/guarded.h"
#include "store/migrations.h"
#include "store/postgres/connector.h"
#include "store/postgres/postgres_connection.h"
#include "store/postgres/work_announcer.h"
#include "store/postgres/work_listener.h"

namespace lw {

namespace {

// How often a transaction that lost a serialization conflict or a deadlock
// is run again before its error is returned.
constexpr int kAttempts = 4;
// Any fixed number: the key of the lock that serializes migrations across nodes.
constexpr int64_t kMigrationLock = 0x4c65616477697265;  // "Leadwire"
// How long a transaction waits for a pooled connection when all are in use
// before it answers "unavailable" (a pool that small is a configuration error).
constexpr auto kPoolWait = std::chrono::seconds(10);

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(std::string conninfo, int pool_size)
      : connector_(conninfo), announcer_(conninfo), pool_size_(std::max(pool_size, 1)) {}

  // A read sees one snapshot, as on SQLite: under READ COMMITTED each
  // statement would see its own, and a listing read in two statements (the
  // deliveries, then their attempts) could pair rows from before a commit
  // with rows from after it. The BEGIN goes out with the first statement;
  // the COMMIT is the one round trip this costs. A read is not run again on
  // a dead connection, as `fn` may have half-filled its output; instead the
  // idle connections are dropped, which were most likely cut by the same
  // server restart.
  Status Read(const std::function<Status(sql::Connection&)>& fn) override {
    return RunRead(fn, /*in_transaction=*/true);
  }

  Status ReadOneStatement(const std::function<Status(sql::Connection&)>& fn) override {
    return RunRead(fn, /*in_transaction=*/false);
  }

  Status Write(const std::function<Status(sql::Connection&)>& fn) override {
    Status st;
    for (int attempt = 1; attempt <= kAttempts; ++attempt) {
      bool retry = false;
      st = Run(fn, &retry);
      if (!retry) break;
      // Apart at random, so two transactions that deadlocked do not meet again.
      thread_local std::minstd_rand rng(std::random_device{}());
      std::this_thread::sleep_for(std::chrono::milliseconds(1 + rng() % (5 * attempt)));
    }
    if (st) NotifyCommitted();
    return Observed(std::move(st), /*write=*/true);
  }

  Status Migrate() override {
    return Write([](sql::Connection& c) -> Status {
      // A migration may rewrite a large table, and a node starting at the
      // same time waits for the lock below: no session timeout applies here.
      c.ExecScript("SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0");
      // Held until this transaction ends: a node starting at the same time
      // waits here, then finds the migrations applied.
      c.Query("SELECT pg_advisory_xact_lock(?)", {kMigrationLock});
      return ApplyMigrations(c, "postgresql");
    });
  }

  std::unique_ptr<WorkWatch> WatchForWork(std::function<void()> wake) override {
    return std::make_unique<WorkListener>(connector_, std::move(wake));
  }

 private:
  Status RunRead(const std::function<Status(sql::Connection&)>& fn, bool in_transaction) {
    sql::DbError::Kind failure = sql::DbError::Kind::kOther;
    std::unique_ptr<PostgresConnection> conn;
    Status st = Guarded([&]() -> Status {
      try {
        conn = Take(false);
        if (in_transaction) conn->Begin("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        conn->BeganTransaction(&remembered_);
        Status out = fn(*conn);
        if (in_transaction) (void)conn->Commit();  // a read announces nothing
        // Outside a transaction nothing would send a deferred statement.
        if (!in_transaction && !conn->AtRest())
          throw sql::DbError(sql::DbError::Kind::kOther,
                             "a one-statement read left a statement unsent");
        return out;
      } catch (const sql::DbError& e) {
        failure = e.kind;
        throw;
      }
    });
    if (!st && conn)
      (void)Guarded([&]() -> Status {
        conn->Rollback();
        return {};
      });
    if (failure == sql::DbError::Kind::kUnavailable) DropIdle();
    if (conn) Release(std::move(conn));
    return Observed(std::move(st), /*write=*/false);
  }

  // One transaction on a pooled connection. `retry` is set when the failure
  // was a serialization conflict or deadlock.
  Status Run(const std::function<Status(sql::Connection&)>& fn, bool* retry) {
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
    // first round trip (BEGIN goes out with the first statement) fails before
    // the server answered anything, and the transaction runs again on a fresh
    // connection. Past that point an unreachable server is the answer.
    for (bool fresh : {false, true}) {
      failure = sql::DbError::Kind::kOther;
      st = step([&]() -> Status {
        if (conn) Release(std::move(conn));
        conn = Take(fresh);
        conn->Begin();
        conn->BeganTransaction(&remembered_);
        Status body = fn(*conn);
        if (body && conn->Commit()) announcer_.Announce();
        return body;
      });
      // A commit whose answer was lost may have gone through: a wake-up
      // that finds nothing costs one claim, a missing one the poll's wait.
      if (!st && conn && conn->MayHaveCommittedAnnouncedWork()) announcer_.Announce();
      if (!st && conn)
        (void)step([&]() -> Status {
          conn->Rollback();
          return {};
        });
      const bool cut_before_answer = failure == sql::DbError::Kind::kUnavailable && conn &&
                                     !conn->Usable() && conn->SafeToRunElsewhere();
      if (st || fresh || !cut_before_answer) break;
    }
    if (retry) *retry = failure == sql::DbError::Kind::kBusy;
    if (conn) Release(std::move(conn));
    return st;
  }

  // A connection of the pool: an idle one, else a new one while fewer than
  // pool_size_ are open, else the next one given back. `fresh`: a pooled
  // connection just failed as after a server restart, so the idle ones are
  // suspect too and are dropped.
  std::unique_ptr<PostgresConnection> Take(bool fresh) {
    if (fresh) DropIdle();
    std::unique_lock lock(pool_mutex_);
    for (;;) {
      while (!idle_.empty()) {
        auto conn = std::move(idle_.back());
        idle_.pop_back();
        if (conn->StillOpen()) return conn;
        --open_;  // closed by the server while idle
      }
      if (open_ < pool_size_) break;
      if (!returned_.wait_for(lock, kPoolWait,
                              [&] { return !idle_.empty() || open_ < pool_size_; }))
        throw sql::DbError(sql::DbError::Kind::kUnavailable,
                           "all " + std::to_string(pool_size_) +
                               " database connections stayed busy (see --db-pool)");
    }
    ++open_;  // counted before connecting, so the pool never overshoots
    lock.unlock();
    try {
      return connector_.Connect();
    } catch (...) {
      lock.lock();
      --open_;
      returned_.notify_one();
      throw;
    }
  }

  void DropIdle() {
    std::lock_guard lock(pool_mutex_);
    open_ -= int(idle_.size());
    idle_.clear();
  }

  void Release(std::unique_ptr<PostgresConnection> conn) {
    {
      std::lock_guard lock(pool_mutex_);
      // Only a connection at rest goes back: one left inside a transaction,
      // in pipeline mode or mid-COPY would fail whoever took it next.
      if (conn->AtRest())
        idle_.push_back(std::move(conn));
      else
        --open_;  // lost: the next Take connects again
    }
    returned_.notify_one();
  }

  Connector connector_;
  WorkAnnouncer announcer_;
  sql::CommittedIds remembered_;
  const int pool_size_;
  std::mutex pool_mutex_;
  std::condition_variable returned_;
  int open_ = 0;  // connections counted against pool_size_, idle or in use
  std::vector<std::unique_ptr<PostgresConnection>> idle_;
};

}  // namespace

Result<std::unique_ptr<Database>> OpenPostgres(const std::string& url, int pool_size) {
  // libpq waits forever for an unreachable host unless told otherwise; a
  // request must rather answer 503 within seconds. TCP keepalives and a user
  // timeout notice a server that vanished (a failover, a cut cable) in
  // seconds rather than the kernel's two hours.
  std::string conninfo = url;
  for (const char* param :
       {"connect_timeout=5", "keepalives=1", "keepalives_idle=10", "keepalives_interval=5",
        "keepalives_count=3", "tcp_user_timeout=30000"}) {
    const std::string_view name(param, std::string_view(param).find('='));
    if (conninfo.find(std::string(name) + "=") != std::string::npos) continue;
    conninfo += (conninfo.find('?') == std::string::npos ? "?" : "&") + std::string(param);
  }
  try {
    PostgresConnection probe(conninfo);
  } catch (const sql::DbError& e) {
    return Fail(Error{ErrorKind::kBadRequest, "database_unreachable", e.what(), {}});
  }
  return std::make_unique<PostgresDatabase>(conninfo, pool_size);
}

}  // namespace lw
