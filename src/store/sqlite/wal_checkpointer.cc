#include "store/sqlite/wal_checkpointer.h"

#include <sqlite3.h>

#include <chrono>

#include "common/named_thread.h"
#include "store/sqlite/sqlite_connection.h"

namespace lw {

namespace {
// A pass that could not finish (a reader still on old pages) is not
// repeated at once on every commit's wake-up.
constexpr auto kPauseBetweenPasses = std::chrono::milliseconds(5);

// PASSIVE: copies what no reader still needs, without waiting for the writer
// or blocking it. A failure (a full disk) leaves the log longer, which
// the commits' own copy past kWriterCheckpointsAtPages takes up again.
void CopyBack(sqlite3* db, const char* schema) {
  (void)sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
}
}  // namespace

WalCheckpointer::WalCheckpointer(const std::string& path)
    : conn_(std::make_unique<SqliteConnection>(path)),
      thread_(NamedThread("lw-checkpoint", [this] { Loop(); })) {}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void WalCheckpointer::Watch(SqliteConnection& writer) {
  sqlite3_wal_hook(writer.Handle(), &WalCheckpointer::OnCommit, this);
}

int WalCheckpointer::OnCommit(void* self, sqlite3* db, const char* schema, int pages) {
  if (pages < kCheckpointAtPages) return SQLITE_OK;
  if (pages >= kWriterCheckpointsAtPages) {
    CopyBack(db, schema);
    return SQLITE_OK;
  }
  auto* me = static_cast<WalCheckpointer*>(self);
  {
    std::lock_guard lock(me->mutex_);
    me->due_ = true;
  }
  me->wake_.notify_one();
  return SQLITE_OK;
}

void WalCheckpointer::Loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return due_ || stop_; });
    if (stop_) return;
    due_ = false;
    lock.unlock();
    CopyBack(conn_->Handle(), "main");
    std::this_thread::sleep_for(kPauseBetweenPasses);
    lock.lock();
  }
}

}  // namespace lw
