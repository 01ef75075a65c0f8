// The write-ahead log's checkpoints (store/sqlite/wal_checkpointer) against a
// real file: a big commit is copied back by the checkpointer's own thread,
// and the log starts over however busy the writer and however long a read.
#include "store/sqlite/wal_checkpointer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "store/sqlite/sqlite_connection.h"
#include "support/test_databases.h"

namespace lw {
namespace {

class WalCheckpoints : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = test_db_.url().substr(std::strlen("sqlite:"));
    writer_ = std::make_unique<SqliteConnection>(path_);
    writer_->ExecScript("CREATE TABLE blobs (b BLOB)");
  }
  // Commits `pages` pages of new rows in one transaction.
  void Commit(int pages) {
    writer_->ExecScript("BEGIN");
    writer_->Exec(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
        " INSERT INTO blobs SELECT randomblob(3500) FROM n",
        {pages});
    writer_->ExecScript("COMMIT");
  }
  // The log's frames and how many of them are copied back, as the
  // wal-index (the -shm file, format documented by SQLite) records them.
  std::pair<uint32_t, uint32_t> LogAndCopied() const {
    std::ifstream shm(path_ + "-shm", std::ios::binary);
    char header[100] = {};
    shm.read(header, sizeof header);
    uint32_t max_frame = 0, backfilled = 0;
    std::memcpy(&max_frame, header + 16, 4);   // WalIndexHdr.mxFrame
    std::memcpy(&backfilled, header + 96, 4);  // WalCkptInfo.nBackfill
    return {max_frame, backfilled};
  }
  uintmax_t LogBytes() const { return std::filesystem::file_size(path_ + "-wal"); }

  testing::TestDatabase test_db_{testing::kSqlite};
  std::string path_;
  std::unique_ptr<SqliteConnection> writer_;
};

// One commit past the threshold: the writer only wakes the checkpointer (it
// copies nothing itself below 2,000 pages), and the checkpointer's thread
// copies the whole log back.
TEST_F(WalCheckpoints, ABigCommitIsCopiedBackOnTheCheckpointersThread) {
  WalCheckpointer checkpointer(path_);
  checkpointer.Watch(*writer_);
  Commit(1500);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  auto [log, copied] = LogAndCopied();
  while (copied < log && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::tie(log, copied) = LogAndCopied();
  }
  EXPECT_GE(log, 1500u);
  EXPECT_EQ(copied, log) << "the checkpointer copied the log back";
}

// A writer committing without pause (the dispatcher under load) adds to the
// log while the checkpointer copies; the log still starts over by the
// writers' limit instead of growing with what is written.
TEST_F(WalCheckpoints, ABusyWritersLogStartsOverInsteadOfGrowing) {
  WalCheckpointer checkpointer(path_);
  checkpointer.Watch(*writer_);
  for (int i = 0; i < 1200; ++i) Commit(10);  // 12,000 pages, 48 MB
  EXPECT_LT(LogBytes(), uintmax_t(WalCheckpointer::kWriterCheckpointsAtPages + 100) * 4096)
      << "the log started over instead of growing";
}

// A long read holds the log's first pages: nothing can be copied meanwhile,
// and the log grows past the writers' limit. Once the read ends, the
// next commit copies the log and the one after starts it over.
TEST_F(WalCheckpoints, ALogALongReadHeldIsCopiedAndStartedOverWhenItEnds) {
  WalCheckpointer checkpointer(path_);
  checkpointer.Watch(*writer_);
  // A reader holds the log's first pages: no checkpoint can finish, and the
  // log cannot start over while it reads.
  SqliteConnection reader(path_);
  reader.ExecScript("BEGIN");
  reader.Query("SELECT COUNT(*) FROM blobs", {});
  for (int i = 0; i < 5; ++i) Commit(1000);
  reader.ExecScript("COMMIT");
  Commit(1);  // this commit copies the log itself
  Commit(1);  // and this one starts it over
  const auto [log, copied] = LogAndCopied();
  EXPECT_LT(log, 100u) << "the log started over (" << copied << " copied)";
}

}  // namespace
}  // namespace lw
