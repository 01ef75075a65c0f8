// The SQLite store against a real file: transactions commit or roll back
// whole, migrations re-run safely, constraint violations become 409s.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "store/database.h"

namespace lw {
namespace {

class SqliteStore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("leadwire-unit-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto db = OpenDatabase("sqlite:" + (dir_ / "t.db").string());
    ASSERT_TRUE(db);
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Migrate());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  int64_t Count() {
    return *ReadResult<int64_t>(*db_, [](sql::Connection& c) -> Result<int64_t> {
      return c.QueryOne("SELECT COUNT(*) FROM organizations")->Int(0);
    });
  }
  Status InsertOrg(sql::Connection& c) {
    c.Exec("INSERT INTO organizations (name, webhook_key, created_at) VALUES ('A', 'k', 0)");
    return {};
  }

  std::filesystem::path dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(SqliteStore, CommitsOnSuccess) {
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) { return InsertOrg(c); }));
  EXPECT_EQ(Count(), 1);
}

TEST_F(SqliteStore, RollsBackOnAnErrorValue) {
  auto st = db_->Write([&](sql::Connection& c) -> Status {
    (void)InsertOrg(c);
    return Fail(Error::Field("x", "bad"));
  });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kValidation);
  EXPECT_EQ(Count(), 0);
}

TEST_F(SqliteStore, RollsBackOnADatabaseErrorAndReportsIt) {
  auto st = db_->Write([&](sql::Connection& c) -> Status {
    (void)InsertOrg(c);
    c.Exec("INSERT INTO no_such_table VALUES (1)");
    return {};
  });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kInternal);
  EXPECT_EQ(Count(), 0);
}

// Many threads writing at once share commits (group commit); each still gets
// its own answer, and a failing piece rolls back alone.
TEST_F(SqliteStore, ConcurrentWritersEachGetTheirOwnOutcome) {
  constexpr int kThreads = 16, kWrites = 100;
  std::atomic<int> ok{0}, failed{0}, wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        const bool fail = (t * kWrites + i) % 7 == 0;
        auto st = db_->Write([&](sql::Connection& c) -> Status {
          (void)InsertOrg(c);
          if (fail) return Fail(Error::Field("x", "bad"));
          return {};
        });
        if (bool(st) == fail) ++wrong;
        ++(st ? ok : failed);
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(ok + failed, kThreads * kWrites);
  EXPECT_EQ(Count(), ok.load());
  EXPECT_EQ(failed, (kThreads * kWrites + 6) / 7);
}

TEST_F(SqliteStore, UniqueViolationIsAConflict) {
  auto st = db_->Write([&](sql::Connection& c) -> Status {
    (void)InsertOrg(c);
    c.Exec(
        "INSERT INTO users (org_id, email, name, role, created_at) VALUES (1, 'a@b.c', 'A', "
        "'admin', 0)");
    c.Exec(
        "INSERT INTO users (org_id, email, name, role, created_at) VALUES (1, 'a@b.c', 'A', "
        "'admin', 0)");
    return {};
  });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(Count(), 0);
}

TEST_F(SqliteStore, MigrationsAreSafeToReRun) {
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) { return InsertOrg(c); }));
  EXPECT_TRUE(db_->Migrate());
  EXPECT_TRUE(db_->Migrate());
  EXPECT_EQ(Count(), 1);
}

TEST_F(SqliteStore, IsInWalModeWithFullSync) {
  auto mode = ReadResult<std::string>(*db_, [](sql::Connection& c) -> Result<std::string> {
    return c.QueryOne("PRAGMA journal_mode")->Text(0) + "/" +
           std::to_string(c.QueryOne("PRAGMA synchronous")->Int(0));
  });
  ASSERT_TRUE(mode);
  EXPECT_EQ(*mode, "wal/2");  // 2 = FULL
}

TEST_F(SqliteStore, RejectsUnknownUrls) {
  EXPECT_FALSE(OpenDatabase("mysql://x"));
  EXPECT_FALSE(OpenDatabase("sqlite:/no/such/folder/x.db"));
}

}  // namespace
}  // namespace lw
