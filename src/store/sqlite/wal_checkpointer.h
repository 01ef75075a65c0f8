// WalCheckpointer: copies the write-ahead log back into the database file on
// a thread of its own, so the writers' commits mostly do not. SQLite
// otherwise runs that checkpoint inside whichever commit finds the log past
// 1,000 pages: with deliveries spread over many rules each commit dirties
// pages all over the table, and the dispatcher spent 15% of its time copying
// them back (bench/delivery (g) with 1,000 endpoints) while a core sat idle.
//
// The log can only start over from its beginning once everything in it is
// copied, and a busy writer adds to it while this thread copies. So the
// commit that finds the log past 2,000 pages copies what is left itself (a
// fraction of it, what arrived since the last pass; all of it if this
// thread is stalled), and the commit after that starts the log over. In
// (g) with 1,000 endpoints this drained 5% faster than SQLite's own
// checkpoint in the commit (A/B in one run); restarting at 4,000 or 10,000
// pages instead read the same within the VM's noise.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace lw {

class SqliteConnection;

class WalCheckpointer {
 public:
  // SQLite's own threshold for a checkpoint: the log's size in pages.
  static constexpr int kCheckpointAtPages = 1000;
  // Past this the committing writer copies what is left itself.
  static constexpr int kWriterCheckpointsAtPages = 2 * kCheckpointAtPages;

  // Opens its own connection to the database at `path` (throws DbError when
  // it cannot) and starts its thread.
  explicit WalCheckpointer(const std::string& path);
  ~WalCheckpointer();  // stops the thread; the log is left as it is
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Commits of `writer` (one connection; its commits are serialized) hand
  // their checkpoints to this thread as above.
  void Watch(SqliteConnection& writer);

 private:
  static int OnCommit(void* self, sqlite3* db, const char* schema, int pages);
  void Loop();

  std::unique_ptr<SqliteConnection> conn_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool due_ = false;   // under mutex_
  bool stop_ = false;  // likewise
  std::thread thread_;
};

}  // namespace lw
