// The SQLite database (store/sqlite/sqlite_database) against a real file: what
// is its own — group commit (concurrent writers, a throwing piece in a group)
// and WAL with full sync. What every backend promises is database_contract_test.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "store/database.h"
#include "support/org_rows.h"
#include "support/test_databases.h"

namespace lw {
namespace {

using testing::InsertOrg;

class SqliteStore : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = OpenDatabase(test_db_.url());
    ASSERT_TRUE(db);
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Migrate());
  }
  void TearDown() override { db_.reset(); }
  int64_t Count() { return int64_t(Names().size()); }
  std::set<std::string> Names() { return testing::OrgNames(*db_); }

  testing::TestDatabase test_db_{testing::kSqlite};
  std::unique_ptr<Database> db_;
};

// Many threads writing at once share commits (group commit); each still gets
// its own answer, and a failing piece rolls back alone: exactly the writes
// that answered success are stored.
TEST_F(SqliteStore, ConcurrentWritersEachGetTheirOwnOutcome) {
  constexpr int kThreads = 16, kWrites = 100;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        const int n = t * kWrites + i;
        const bool fail = n % 7 == 0;
        auto st = db_->Write([&](sql::Connection& c) -> Status {
          InsertOrg(c, "org-" + std::to_string(n));
          if (fail) return Fail(Error::Field("x", "bad"));
          return {};
        });
        if (bool(st) == fail) ++wrong;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong, 0);
  std::set<std::string> expected;
  for (int n = 0; n < kThreads * kWrites; ++n)
    if (n % 7 != 0) expected.insert("org-" + std::to_string(n));
  EXPECT_EQ(Names(), expected);
}

// A write that throws something other than a DbError is rolled back, answers
// an internal error, leaves the other writes of its group alone and does not
// strand the writer: later writes go through.
TEST_F(SqliteStore, AWriteThatThrowsAnythingRollsBackAloneAndLaterWritesSucceed) {
  // Alone (the single-write path).
  auto lone = db_->Write([&](sql::Connection& c) -> Status {
    InsertOrg(c, "lone");
    throw std::out_of_range("vector::at");
  });
  ASSERT_FALSE(lone);
  EXPECT_EQ(lone.error().kind, ErrorKind::kInternal);
  EXPECT_EQ(lone.error().code, "internal");

  // In a group: the first write holds the writer until the others have queued
  // behind it, so they are most likely run as one transaction (the outcome
  // asserted below is the same either way).
  std::atomic<int> queued{0};
  std::atomic<bool> release{false};
  std::thread holder([&] {
    EXPECT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      InsertOrg(c, "holder");
      while (!release) std::this_thread::yield();
      return {};
    }));
  });
  const std::vector<std::string> kinds = {"ok-1", "runtime", "ok-2", "db", "ok-3"};
  std::vector<Status> results(kinds.size());
  std::vector<std::thread> group;
  for (size_t i = 0; i < kinds.size(); ++i)
    group.emplace_back([&, i] {
      ++queued;
      results[i] = db_->Write([&](sql::Connection& c) -> Status {
        InsertOrg(c, kinds[i]);
        if (kinds[i] == "runtime") throw std::runtime_error("boom");
        if (kinds[i] == "db") c.Exec("INSERT INTO no_such_table VALUES (1)");
        return {};
      });
    });
  while (queued < int(kinds.size())) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let them reach the queue
  release = true;
  holder.join();
  for (auto& th : group) th.join();
  for (size_t i = 0; i < kinds.size(); ++i) {
    const bool should_fail = kinds[i] == "runtime" || kinds[i] == "db";
    EXPECT_EQ(bool(results[i]), !should_fail) << kinds[i];
    if (should_fail && !results[i]) {
      EXPECT_EQ(results[i].error().kind, ErrorKind::kInternal) << kinds[i];
    }
  }
  EXPECT_EQ(Names(), (std::set<std::string>{"holder", "ok-1", "ok-2", "ok-3"}));

  // The writer is free again: a thousand more writes from several threads.
  std::vector<std::thread> after;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t)
    after.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i)
        if (db_->Write([&](sql::Connection& c) -> Status {
              InsertOrg(c, "after-" + std::to_string(t * 250 + i));
              return {};
            }))
          ++ok;
    });
  for (auto& th : after) th.join();
  EXPECT_EQ(ok, 1000);
  EXPECT_EQ(Count(), 1004);
}

// A full disk (here: the writer's page limit, SQLITE_FULL): writes answer 503
// unavailable and store nothing, concurrent writes in the same group too;
// reads go on; once there is room, writes succeed again.
TEST_F(SqliteStore, AFullDiskAnswersUnavailableKeepsReadingAndRecovers) {
  ASSERT_TRUE(db_->Write([](sql::Connection& c) -> Status {
    InsertOrg(c, "before");
    return {};
  }));
  // The writer is one connection: the limit set in a Write stays with it.
  ASSERT_TRUE(db_->Write([](sql::Connection& c) -> Status {
    const int64_t pages = c.Query("PRAGMA page_count")[0].Int(0);
    c.Query("PRAGMA max_page_count = " + std::to_string(pages));
    return {};
  }));
  std::atomic<int> unavailable{0}, other{0}, stored{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        auto st = db_->Write([&](sql::Connection& c) -> Status {
          InsertOrg(c,
                    "big-" + std::to_string(t) + "-" + std::to_string(i) + std::string(20000, 'x'));
          return {};
        });
        if (st)
          ++stored;
        else if (st.error().kind == ErrorKind::kUnavailable &&
                 st.error().message.find("disk is full") != std::string::npos)
          ++unavailable;
        else if (++other == 1)
          ADD_FAILURE() << st.error().message;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(other, 0);
  EXPECT_EQ(unavailable, 160 - stored);
  EXPECT_GT(unavailable, 0);
  EXPECT_EQ(Count(), 1 + stored) << "exactly what answered success is stored";
  EXPECT_TRUE(Names().contains("before")) << "reads go on";

  ASSERT_TRUE(db_->Write([](sql::Connection& c) -> Status {
    c.Query("PRAGMA max_page_count = 1073741823");
    return {};
  }));
  EXPECT_TRUE(db_->Write([](sql::Connection& c) -> Status {
    InsertOrg(c, "after" + std::string(20000, 'x'));
    return {};
  })) << "room again: writes go through";
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
