#include "store/sqlite/sqlite_database.h"

#include <fcntl.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <vector>

#include "store/committed_ids.h"
#include "store/guarded.h"
#include "store/migrations.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/sqlite/wal_checkpointer.h"

namespace lw {

namespace {

Status Exec(SqliteConnection& conn, const char* statement) {
  return Guarded([&]() -> Status {
    conn.Exec(statement, {});
    return {};
  });
}

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(std::string path)
      : path_(std::move(path)),
        writer_(std::make_unique<SqliteConnection>(path_)),
        checkpointer_(path_) {
    checkpointer_.Watch(*writer_);
  }

  Status Read(const std::function<Status(sql::Connection&)>& fn) override {
    std::unique_ptr<SqliteConnection> conn = TakeReader();
    Status st = Run(*conn, "BEGIN", fn);
    GiveBack(std::move(conn));
    return Observed(std::move(st), /*write=*/false);
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
    return Observed(std::move(me.result), /*write=*/true);
  }

  // Called before anything else uses the database. Foreign keys are off
  // meanwhile (outside a transaction is the only place that setting takes),
  // because a migration may rebuild a table others refer to; the rebuild
  // checks the references itself.
  Status Migrate() override {
    LW_CHECK(Exec(*writer_, "PRAGMA foreign_keys=OFF"));
    Status st = Write([](sql::Connection& c) -> Status { return ApplyMigrations(c, "sqlite"); });
    LW_CHECK(Exec(*writer_, "PRAGMA foreign_keys=ON"));
    return st;
  }

  // Transaction control goes through Exec, whose prepared statements are
  // cached: parsing BEGIN/COMMIT on every request was measurable.
  Status Run(SqliteConnection& conn, const char* begin,
             const std::function<Status(sql::Connection&)>& fn) {
    LW_CHECK(Exec(conn, begin));
    conn.BeganTransaction(&remembered_);
    Status st = Guarded([&] { return fn(conn); });
    if (st) st = Exec(conn, "COMMIT");
    // COMMIT may have failed after SQLite already rolled back on its own.
    if (!st) (void)Exec(conn, "ROLLBACK");
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
    const Status begun = Exec(*writer_, "BEGIN IMMEDIATE");
    writer_->BeganTransaction(&remembered_);
    for (PendingWrite* p : batch) {
      if (!begun) {
        p->result = begun;
        continue;
      }
      p->result = Guarded([&]() -> Status {
        LW_CHECK(Exec(*writer_, "SAVEPOINT lw_write"));
        writer_->ForgetReadsOnce();  // each request reads for itself
        return (*p->fn)(*writer_);
      });
      if (!p->result) {
        // Undo this piece alone; if even that fails, the whole batch must go,
        // for the piece's reason: SQLite rolls the whole transaction back on
        // its own after some errors (a full disk), and the savepoint is gone.
        if (auto undone = Exec(*writer_, "ROLLBACK TO lw_write"); !undone) {
          AbandonBatch(batch, p->result.error());
          return;
        }
      }
      if (auto released = Exec(*writer_, "RELEASE lw_write"); !released) {
        AbandonBatch(batch, released.error());
        return;
      }
    }
    if (!begun) return;
    if (auto committed = Exec(*writer_, "COMMIT"); !committed) {
      AbandonBatch(batch, committed.error());
    }
  }

  // Rolls the whole group back: no piece of it is stored, so none may answer success.
  void AbandonBatch(const std::vector<PendingWrite*>& batch, const Error& why) {
    for (PendingWrite* p : batch)
      if (p->result) p->result = Fail(why);
    (void)Exec(*writer_, "ROLLBACK");
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
  WalCheckpointer checkpointer_;              // stopped before writer_ closes
  std::mutex queue_mutex_;
  std::vector<PendingWrite*> queue_;  // under queue_mutex_
  bool leader_active_ = false;        // likewise
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<SqliteConnection>> readers_;
  sql::CommittedIds remembered_;
};

}  // namespace

Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path) {
  // A new database file is readable by this user only: it holds the
  // organizations' signing keys and password hashes. (SQLite gives its WAL
  // and shared-memory files the same mode as the database.)
  if (const int fd = open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600); fd >= 0)
    close(fd);
  try {
    return std::make_unique<SqliteDatabase>(path);
  } catch (const sql::DbError& e) {
    return Fail(Error::Internal(e.what()));
  }
}

}  // namespace lw
