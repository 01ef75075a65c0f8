#include "store/sqlite/sqlite_database.h"

#include <condition_variable>
#include <mutex>
#include <vector>

#include "store/migrations.h"
#include "store/sqlite/sqlite_connection.h"

namespace lw {

namespace {

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(std::string path)
      : path_(std::move(path)), writer_(std::make_unique<SqliteConnection>(path_)) {}

  Status Read(const std::function<Status(sql::Connection&)>& fn) override {
    std::unique_ptr<SqliteConnection> conn = TakeReader();
    Status st = Run(*conn, "BEGIN", fn);
    GiveBack(std::move(conn));
    return st;
  }

  // Group commit: writers queue their work; whoever holds the writer runs
  // everything queued in one transaction, each piece in its own savepoint, so
  // one fsync makes many concurrent requests durable and a failing piece rolls
  // back alone.
  Status Write(const std::function<Status(sql::Connection&)>& fn) override {
    PendingWrite me;
    me.fn = &fn;
    std::unique_lock lock(queue_mutex_);
    queue_.push_back(&me);
    // One leader at a time runs what is queued. The others sleep, each on its
    // own condition, until their piece is done or the leadership is handed to
    // them: no thundering herd of waiters that only go back to sleep.
    if (leader_active_) me.wake.wait(lock, [&] { return me.done || me.lead; });
    if (!me.done) Lead(lock, me);
    lock.unlock();
    if (me.result) NotifyCommitted();
    return me.result;
  }

  Status Migrate() override {
    return Write([](sql::Connection& c) -> Status {
      c.ExecScript(
          "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
          "applied_at BIGINT NOT NULL)");
      for (const Migration& m : MigrationsFor("sqlite")) {
        if (c.QueryOne("SELECT 1 FROM schema_migrations WHERE version = ?", {int64_t(m.version)}))
          continue;
        c.ExecScript(m.sql);
        c.Exec(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?, "
            "CAST(strftime('%s','now') AS INTEGER) * 1000)",
            {int64_t(m.version)});
      }
      return {};
    });
  }

  std::string Dialect() const override { return "sqlite"; }

 private:
  // Transaction control goes through Exec, whose prepared statements are
  // cached: parsing BEGIN/COMMIT on every request was measurable.
  static Status Run(SqliteConnection& conn, const char* begin,
                    const std::function<Status(sql::Connection&)>& fn) {
    try {
      conn.Exec(begin, {});
    } catch (const sql::DbError& e) {
      return Fail(ToError(e));
    }
    Status st;
    try {
      st = fn(conn);
      if (st) conn.Exec("COMMIT", {});
    } catch (const sql::DbError& e) {
      st = Fail(ToError(e));
    }
    if (!st) {
      try {
        conn.Exec("ROLLBACK", {});
      } catch (const sql::DbError&) {
        // COMMIT may have failed after SQLite already rolled back on its own.
      }
    }
    return st;
  }

  struct PendingWrite {
    const std::function<Status(sql::Connection&)>* fn = nullptr;
    Status result;
    bool done = false;
    bool lead = false;  // the leadership was handed to this writer
    std::condition_variable wake;
  };

  // Runs everything queued (with `me` in it) as one transaction, then wakes
  // each writer of the batch and hands the leadership on. Called and
  // returns with queue_mutex_ held.
  void Lead(std::unique_lock<std::mutex>& lock, PendingWrite& me) {
    leader_active_ = true;
    std::vector<PendingWrite*> batch;
    batch.swap(queue_);
    lock.unlock();
    RunBatch(batch);
    lock.lock();
    // Notified under the lock: a waiter cannot return (and destroy its
    // condition) before it has the lock again.
    for (PendingWrite* p : batch) {
      p->done = true;
      if (p != &me) p->wake.notify_one();
    }
    if (queue_.empty()) {
      leader_active_ = false;
    } else {
      queue_.front()->lead = true;
      queue_.front()->wake.notify_one();
    }
  }

  void RunBatch(const std::vector<PendingWrite*>& batch) {
    if (batch.size() == 1) {
      batch[0]->result = Run(*writer_, "BEGIN IMMEDIATE", *batch[0]->fn);
      return;
    }
    Status begun;
    try {
      writer_->Exec("BEGIN IMMEDIATE", {});
    } catch (const sql::DbError& e) {
      begun = Fail(ToError(e));
    }
    for (PendingWrite* p : batch) {
      if (!begun) {
        p->result = begun;
        continue;
      }
      try {
        writer_->Exec("SAVEPOINT lw_write", {});
        p->result = (*p->fn)(*writer_);
      } catch (const sql::DbError& e) {
        p->result = Fail(ToError(e));
      }
      try {
        if (!p->result) writer_->Exec("ROLLBACK TO lw_write", {});
        writer_->Exec("RELEASE lw_write", {});
      } catch (const sql::DbError& e) {
        p->result = Fail(ToError(e));
      }
    }
    if (begun) {
      try {
        writer_->Exec("COMMIT", {});
      } catch (const sql::DbError& e) {
        for (PendingWrite* p : batch)
          if (p->result) p->result = Fail(ToError(e));
        try {
          writer_->Exec("ROLLBACK", {});
        } catch (const sql::DbError&) {
        }
      }
    }
  }

  std::unique_ptr<SqliteConnection> TakeReader() {
    {
      std::lock_guard lock(pool_mutex_);
      if (!readers_.empty()) {
        auto conn = std::move(readers_.back());
        readers_.pop_back();
        return conn;
      }
    }
    return std::make_unique<SqliteConnection>(path_);
  }

  void GiveBack(std::unique_ptr<SqliteConnection> conn) {
    std::lock_guard lock(pool_mutex_);
    readers_.push_back(std::move(conn));
  }

  std::string path_;
  std::unique_ptr<SqliteConnection> writer_;  // used by the leader only
  std::mutex queue_mutex_;
  std::vector<PendingWrite*> queue_;  // under queue_mutex_
  bool leader_active_ = false;        // likewise
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<SqliteConnection>> readers_;
};

}  // namespace

Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path) {
  try {
    return std::make_unique<SqliteDatabase>(path);
  } catch (const sql::DbError& e) {
    return Fail(
        Error::Internal(std::string(e.what()) + ". Check that the folder exists and is writable."));
  }
}

}  // namespace lw
