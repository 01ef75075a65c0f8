// What every store backend promises, run against SQLite and PostgreSQL alike
// (the SQLite-only parts, group commit and WAL, are sqlite_database_test):
// transactions commit or roll back whole (also when a write throws), errors
// map to the same kinds, migrations run once even when nodes start together,
// values round-trip, and `?` inside a literal stays text.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "domain/lookups.h"
#include "store/database.h"
#include "store/migrations.h"
#include "support/backend_test.h"
#include "support/org_rows.h"

namespace lw {
namespace {

using testing::InsertOrg;

class DatabaseContract : public testing::BackendTest {
 protected:
  std::set<std::string> Names() { return testing::OrgNames(*db_); }
};

TEST_P(DatabaseContract, CommitsOnSuccessAndRollsBackOnAnErrorValue) {
  ASSERT_TRUE(db_->Write([](sql::Connection& c) -> Status {
    InsertOrg(c, "kept");
    return {};
  }));
  auto st = db_->Write([](sql::Connection& c) -> Status {
    InsertOrg(c, "gone");
    return Fail(Error::Field("x", "bad"));
  });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kValidation);
  EXPECT_EQ(Names(), std::set<std::string>{"kept"});
}

TEST_P(DatabaseContract, ADatabaseErrorRollsBackAndIsInternal) {
  auto st = db_->Write([](sql::Connection& c) -> Status {
    InsertOrg(c, "gone");
    c.Exec("INSERT INTO no_such_table VALUES (1)");
    return {};
  });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kInternal);
  EXPECT_TRUE(Names().empty());
}

TEST_P(DatabaseContract, AWriteThatThrowsAnythingRollsBackAndLaterWritesSucceed) {
  auto st = db_->Write([](sql::Connection& c) -> Status {
    InsertOrg(c, "gone");
    throw std::runtime_error("boom");
  });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, "internal");
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      InsertOrg(c, "after-" + std::to_string(i));
      return {};
    }));
  EXPECT_EQ(Names().size(), 20u);
}

TEST_P(DatabaseContract, AReadThatThrowsAnswersAnInternalError) {
  auto st = db_->Read([](sql::Connection&) -> Status { throw std::runtime_error("boom"); });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kInternal);
  EXPECT_TRUE(db_->Read([](sql::Connection& c) -> Status {
    c.Query("SELECT 1");
    return {};
  }));
}

TEST_P(DatabaseContract, MigrationsAreSafeToReRun) {
  ASSERT_TRUE(db_->Write([](sql::Connection& c) -> Status {
    InsertOrg(c, "A");
    return {};
  }));
  EXPECT_TRUE(db_->Migrate());
  EXPECT_TRUE(db_->Migrate());
  EXPECT_EQ(Names(), std::set<std::string>{"A"});
}

TEST_P(DatabaseContract, AUniqueViolationIsAConflict) {
  auto st = db_->Write([](sql::Connection& c) -> Status {
    InsertOrg(c, "A");
    for (int i = 0; i < 2; ++i)
      c.Exec(
          "INSERT INTO users (org_id, email, name, role, created_at) VALUES (1, 'a@b.c', 'A', "
          "'admin', 0)");
    return {};
  });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kConflict);
  EXPECT_TRUE(Names().empty());
}

// Defer(): held back on PostgreSQL until the next statement or the commit,
// run at once on SQLite; either way the transaction sees it, commits it and
// fails whole when it fails.
void DeferOrg(sql::Connection& c, const std::string& name) {
  c.Defer("INSERT INTO organizations (name, webhook_key, created_at) VALUES (?, 'k', 0)", {name});
}
constexpr const char* kDuplicateUser =
    "INSERT INTO users (org_id, email, name, role, created_at) VALUES (1, 'a@b.c', 'A', 'admin', "
    "0)";

TEST_P(DatabaseContract, DeferredWritesAreSeenByTheNextStatementAndCommitted) {
  ASSERT_TRUE(db_->Write([](sql::Connection& c) -> Status {
    DeferOrg(c, "first");
    DeferOrg(c, "second");
    EXPECT_EQ(c.Query("SELECT name FROM organizations ORDER BY id").size(), 2u);
    DeferOrg(c, "third");  // nothing after it but the commit
    return {};
  }));
  EXPECT_EQ(Names(), (std::set<std::string>{"first", "second", "third"}));
}

TEST_P(DatabaseContract, ATransactionOfDeferredWritesOnlyCommitsThemAll) {
  ASSERT_TRUE(db_->Write([](sql::Connection& c) -> Status {
    for (int i = 0; i < 600; ++i) DeferOrg(c, "org-" + std::to_string(i));  // past any batch
    return {};
  }));
  EXPECT_EQ(Names().size(), 600u);
}

TEST_P(DatabaseContract, ADeferredWriteThatFailsAtTheNextStatementFailsTheWholeTransaction) {
  auto st = db_->Write([](sql::Connection& c) -> Status {
    InsertOrg(c, "A");
    c.Defer(kDuplicateUser, {});
    c.Defer(kDuplicateUser, {});
    DeferOrg(c, "after the failure");
    c.Query("SELECT 1");
    ADD_FAILURE() << "the failed deferred write went unnoticed";
    return {};
  });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kConflict);
  EXPECT_TRUE(Names().empty());
  ASSERT_TRUE(db_->Write([](sql::Connection& c) -> Status {  // the connection is fine after
    DeferOrg(c, "next");
    return {};
  }));
  EXPECT_EQ(Names(), std::set<std::string>{"next"});
}

TEST_P(DatabaseContract, ADeferredWriteThatFailsAtTheCommitFailsTheWholeTransaction) {
  auto st = db_->Write([](sql::Connection& c) -> Status {
    InsertOrg(c, "A");
    c.Defer(kDuplicateUser, {});
    c.Defer(kDuplicateUser, {});
    return {};
  });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kConflict);
  EXPECT_TRUE(Names().empty());
}

TEST_P(DatabaseContract, DeferredWritesOfATransactionThatAnswersAnErrorAreNotKept) {
  auto st = db_->Write([](sql::Connection& c) -> Status {
    DeferOrg(c, "gone");
    return Fail(Error::Field("x", "bad"));
  });
  ASSERT_FALSE(st);
  auto thrown = db_->Write([](sql::Connection& c) -> Status {
    DeferOrg(c, "gone too");
    throw std::runtime_error("boom");
  });
  ASSERT_FALSE(thrown);
  ASSERT_TRUE(db_->Write([](sql::Connection& c) -> Status {
    DeferOrg(c, "kept");
    return {};
  }));
  EXPECT_EQ(Names(), std::set<std::string>{"kept"});
}

TEST_P(DatabaseContract, CountersStartAboveTheirFloorAndCountEachOnTheirOwn) {
  int floors_asked = 0;
  std::vector<int64_t> a, b;
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    for (int i = 0; i < 3; ++i)
      a.push_back(c.NextNumber("org_1", [&] { return ++floors_asked, int64_t(41); }));
    b.push_back(c.NextNumber("org_2", [&] { return ++floors_asked, int64_t(0); }));
    return {};
  }));
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    a.push_back(c.NextNumber("org_1", [&] { return ++floors_asked, int64_t(1000); }));
    return {};
  }));
  EXPECT_EQ(a, (std::vector<int64_t>{42, 43, 44, 45}));
  EXPECT_EQ(b, std::vector<int64_t>{1});
  EXPECT_EQ(floors_asked, 2) << "the floor is asked only when a counter starts";
}

TEST_P(DatabaseContract, CountersStartedByManyWritersAtOnceNeverRepeatANumber) {
  constexpr int kThreads = 8, kEach = 20;
  std::vector<std::vector<int64_t>> got(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> failed{0}, arrived{0};
  // The first numbers are asked for together, inside open transactions (up to
  // 0.3 s wait where a backend runs writes one at a time): every writer
  // finds the counter missing, and all but one must then find it made.
  const auto together = [&] {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
    ++arrived;
    while (arrived < kThreads && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  };
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto st = db_->Write([&](sql::Connection& c) -> Status {
          if (i == 0) together();
          got[t].push_back(c.NextNumber("shared", [] { return int64_t(0); }));
          return {};
        });
        if (!st) ++failed;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed.load(), 0);
  std::set<int64_t> all;
  for (const auto& numbers : got) all.insert(numbers.begin(), numbers.end());
  EXPECT_EQ(all.size(), size_t(kThreads * kEach));
  EXPECT_GE(*all.begin(), 1);
}

TEST_P(DatabaseContract, ConcurrentWritersEachGetTheirOwnOutcome) {
  constexpr int kThreads = 8, kWrites = 25;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        const int n = t * kWrites + i;
        auto st = db_->Write([&](sql::Connection& c) -> Status {
          InsertOrg(c, "org-" + std::to_string(n));
          if (n % 7 == 0) return Fail(Error::Field("x", "bad"));
          return {};
        });
        if (bool(st) == (n % 7 == 0)) ++wrong;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong, 0);
  std::set<std::string> expected;
  for (int n = 0; n < kThreads * kWrites; ++n)
    if (n % 7 != 0) expected.insert("org-" + std::to_string(n));
  EXPECT_EQ(Names(), expected);
}

TEST_P(DatabaseContract, MigrationsRunOnceEvenWhenNodesStartTogether) {
  std::vector<std::thread> nodes;
  std::atomic<int> failed{0};
  for (int i = 0; i < 3; ++i)
    nodes.emplace_back([&] {
      auto db = OpenDatabase(test_db_->url());
      if (!db || !(*db)->Migrate()) ++failed;
    });
  for (auto& n : nodes) n.join();
  EXPECT_EQ(failed, 0);
  auto versions = ReadResult<int64_t>(*db_, [](sql::Connection& c) -> Result<int64_t> {
    return c.QueryOne("SELECT COUNT(*) FROM schema_migrations")->Int(0);
  });
  ASSERT_TRUE(versions);
  EXPECT_EQ(*versions, int64_t(MigrationsFor(GetParam()).size()));
}

TEST_P(DatabaseContract, ValuesRoundTripAndQuestionMarksInLiteralsStayText) {
  auto row = WriteResult<sql::Row>(*db_, [](sql::Connection& c) -> Result<sql::Row> {
    const int64_t id = c.InsertId(
        "INSERT INTO organizations (name, webhook_key, created_at, previous_webhook_key) "
        "VALUES (?, 'why?', ?, ?) RETURNING id",
        {std::string("Ann's firm ?"), int64_t(1'700'000'000'123), nullptr});
    return *c.QueryOne(
        "SELECT name, webhook_key, created_at, previous_webhook_key, id FROM organizations "
        "WHERE id = ? AND webhook_key = 'why?'",
        {id});
  });
  ASSERT_TRUE(row) << row.error().message;
  EXPECT_EQ(row->Text(0), "Ann's firm ?");
  EXPECT_EQ(row->Text(1), "why?");
  EXPECT_EQ(row->Int(2), 1'700'000'000'123);
  EXPECT_TRUE(row->IsNull(3));
  EXPECT_GT(row->Int(4), 0);
}

TEST_P(DatabaseContract, IdListsOfAnyLengthWork) {
  std::vector<int64_t> ids;
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    for (int i = 0; i < 300; ++i)
      ids.push_back(
          c.InsertId("INSERT INTO organizations (name, webhook_key, created_at) VALUES (?, 'k', 0) "
                     "RETURNING id",
                     {"o" + std::to_string(i)}));
    EXPECT_EQ(c.ExecIn("UPDATE organizations SET webhooks_enabled = ? WHERE id IN (@ids)",
                       {int64_t(1)}, ids),
              300);
    EXPECT_EQ(c.QueryIn("SELECT id FROM organizations WHERE id IN (@ids)", {}, ids).size(), 300u);
    return {};
  }));
}

// A commit listener set for a scope is called for commits in it, and never
// after it (its target, a dispatcher, is gone by then).
TEST_P(DatabaseContract, AScopedCommitListenerIsClearedWhenItGoes) {
  int calls = 0;
  auto write = [&] {
    ASSERT_TRUE(db_->Write([](sql::Connection& c) -> Status {
      testing::InsertOrg(c, "x");
      return {};
    }));
  };
  {
    ScopedCommitListener listening(*db_, [&] { ++calls; });
    write();
    EXPECT_EQ(calls, 1);
  }
  write();
  EXPECT_EQ(calls, 1);
}

// Lookup ids are remembered across transactions (store/committed_ids.h):
// found once, served without asking the database again; but never one that
// its transaction wrote and then rolled back.
TEST_P(DatabaseContract, LookupIdsAreRememberedOnlyOnceCommitted) {
  int64_t org = 0;
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    InsertOrg(c, "firm");
    org = c.QueryOne("SELECT id FROM organizations WHERE name = 'firm'")->Int(0);
    return {};
  }));
  auto find = [&](const std::string& name) {
    std::optional<int64_t> id;
    EXPECT_TRUE(db_->Read([&](sql::Connection& c) -> Status {
      id = FindLookup(c, org, lookup_kind::kOffice, name);
      return {};
    }));
    return id;
  };
  auto st = db_->Write([&](sql::Connection& c) -> Status {
    auto id = AddLookup(c, org, lookup_kind::kOffice, "Ghost");
    EXPECT_TRUE(id);
    EXPECT_EQ(FindLookup(c, org, lookup_kind::kOffice, "GHOST"), *id) << "seen by its own writer";
    return Fail(Error::Field("x", "rolled back"));
  });
  ASSERT_FALSE(st);
  EXPECT_EQ(find("Ghost"), std::nullopt) << "a rolled-back lookup is not remembered";

  int64_t kept = 0;
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    kept = *AddLookup(c, org, lookup_kind::kOffice, "Downtown");
    return {};
  }));
  EXPECT_EQ(find("downtown"), kept);
  // Lookups are never deleted; this one is, behind the memo's back, to show
  // that the next lookup by name does not ask the database.
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    c.Exec("DELETE FROM lookups WHERE id = ?", {kept});
    return {};
  }));
  EXPECT_EQ(find("Downtown"), kept);
  EXPECT_EQ(find("Uptown"), std::nullopt) << "names not found are asked for every time";
}

TEST_P(DatabaseContract, ReadsOnceAreAskedOncePerTransactionUntilForgotten) {
  auto name = [](sql::Connection& c) {
    return c.QueryOneOnce("SELECT name FROM organizations WHERE name LIKE ?", {"f%"})->Text(0);
  };
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    InsertOrg(c, "first");
    EXPECT_EQ(name(c), "first");
    c.Exec("UPDATE organizations SET name = 'fresh'");
    EXPECT_EQ(name(c), "first") << "the transaction's first answer";
    c.ForgetReadsOnce();
    EXPECT_EQ(name(c), "fresh");
    return {};
  }));
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    c.Exec("UPDATE organizations SET name = 'final'");
    EXPECT_EQ(name(c), "final") << "a new transaction asks again";
    return {};
  }));
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseContract, testing::kBothBackends, testing::BackendName);

}  // namespace
}  // namespace lw
