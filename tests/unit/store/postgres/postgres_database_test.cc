// What only the PostgreSQL backend does: work announced in one node's
// transaction wakes the other nodes (LISTEN/NOTIFY, sent after the commit
// and not on rollback), and the pool never opens more connections than asked.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "common/metrics.h"
#include "store/availability.h"
#include "store/database.h"
#include "store/postgres/postgres_connection.h"
#include "support/org_rows.h"
#include "support/test_databases.h"

namespace lw {
namespace {

using namespace std::chrono_literals;

class PostgresDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test_db_ = std::make_unique<testing::TestDatabase>(testing::kPostgres);
    if (test_db_->url().empty())
      GTEST_SKIP() << "no PostgreSQL: set LEADWIRE_TEST_PG (scripts/test.sh does)";
  }
  std::unique_ptr<Database> Open(int pool_size = 8) {
    auto db = OpenDatabase(test_db_->url(), DatabaseOptions{pool_size});
    EXPECT_TRUE(db) << db.error().message;
    return db ? std::move(*db) : nullptr;
  }

  std::unique_ptr<testing::TestDatabase> test_db_;
};

// Counts the wake-ups a watch delivers; waits for the next one.
class Wakes {
 public:
  void Add() {
    std::lock_guard lock(mutex_);
    ++count_;
    changed_.notify_all();
  }
  bool WaitFor(int n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return count_ >= n; });
  }
  int Count() {
    std::lock_guard lock(mutex_);
    return count_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int count_ = 0;
};

TEST_F(PostgresDatabaseTest, WorkAnnouncedOnOneNodeWakesTheOthersOnCommitOnly) {
  auto worker = Open();
  auto api = Open();
  Wakes wakes;
  auto watch = worker->WatchForWork([&] { wakes.Add(); });
  ASSERT_TRUE(watch);
  ASSERT_TRUE(wakes.WaitFor(1, 5s)) << "one wake once listening (work may have been missed)";

  auto st = api->Write([](sql::Connection& c) -> Status {
    c.AnnounceWork();
    return Fail(Error::Field("x", "rolled back"));
  });
  ASSERT_FALSE(st);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(wakes.Count(), 1) << "a rolled-back transaction announced nothing";

  ASSERT_TRUE(api->Write([](sql::Connection& c) -> Status {
    c.AnnounceWork();
    c.AnnounceWork();  // several deliveries in one transaction: one notification
    return {};
  }));
  EXPECT_TRUE(wakes.WaitFor(2, 5s)) << "the commit woke the other node";
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(wakes.Count(), 2);
}

// The NOTIFY goes out from a session of its own after the commit, not
// inside the writing transaction, whose commit it would serialize with every
// other notifying commit.
TEST_F(PostgresDatabaseTest, WorkIsAnnouncedFromOutsideTheWritingTransaction) {
  auto db = Open();
  PostgresConnection listener(test_db_->url());
  listener.ExecScript("LISTEN leadwire_work");
  std::vector<int> senders;
  auto collect = [&](std::chrono::milliseconds within) {
    const auto until = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < until) {
      for (int pid : listener.TakeNotifications()) senders.push_back(pid);
      std::this_thread::sleep_for(5ms);
    }
  };
  std::vector<int64_t> writers;
  for (int i = 0; i < 50; ++i) {
    auto pid = WriteResult<int64_t>(*db, [](sql::Connection& c) -> Result<int64_t> {
      c.AnnounceWork();
      return c.QueryOne("SELECT pg_backend_pid()")->Int(0);
    });
    ASSERT_TRUE(pid) << pid.error().message;
    writers.push_back(*pid);
  }
  collect(500ms);
  ASSERT_FALSE(senders.empty()) << "the writes were announced";
  for (int sender : senders)
    EXPECT_EQ(std::count(writers.begin(), writers.end(), int64_t(sender)), 0)
        << "sent by a writing transaction's session";

  senders.clear();
  ASSERT_TRUE(db->Write([](sql::Connection& c) -> Status {
    c.AnnounceWork();
    return {};
  }));
  collect(300ms);
  EXPECT_EQ(senders.size(), 1u) << "a write after a quiet spell is announced on its own";
}

// The announcer's session closed by the server (a restart, a failover,
// pg_terminate_backend) is replaced before it costs a wake-up.
TEST_F(PostgresDatabaseTest, AnnouncementsGoOnAfterTheServerClosedTheAnnouncersSession) {
  auto db = Open();
  PostgresConnection listener(test_db_->url());
  listener.ExecScript("LISTEN leadwire_work");
  auto announce = [&] {
    return db->Write([](sql::Connection& c) -> Status {
      c.AnnounceWork();
      return {};
    });
  };
  auto notified_within = [&](std::chrono::milliseconds within) {
    const auto until = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < until) {
      if (!listener.TakeNotifications().empty()) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  };
  ASSERT_TRUE(announce());
  ASSERT_TRUE(notified_within(2s));
  listener.ExecScript(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%NOTIFY "
      "leadwire_work%' AND pid <> pg_backend_pid()");
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(announce());
  EXPECT_TRUE(notified_within(500ms)) << "sent again, on a new session";
}

TEST_F(PostgresDatabaseTest, ThePoolOpensAtMostItsSizeAndTransactionsWaitForIt) {
  auto db = Open(/*pool_size=*/2);
  std::atomic<int> inside{0}, most{0};
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int i = 0; i < 6; ++i)
    threads.emplace_back([&] {
      auto st = db->Read([&](sql::Connection& c) -> Status {
        const int now = ++inside;
        for (int seen = most; now > seen && !most.compare_exchange_weak(seen, now);) {
        }
        c.Query("SELECT pg_sleep(0.05)");
        --inside;
        return {};
      });
      if (!st) ++failed;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(most, 2);
  auto backends = ReadResult<int64_t>(*db, [](sql::Connection& c) -> Result<int64_t> {
    return c.QueryOne("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()")
        ->Int(0);
  });
  ASSERT_TRUE(backends);
  EXPECT_LE(*backends, 2);
}

TEST_F(PostgresDatabaseTest, WritesAfterTheServerClosedThePooledConnectionsRunOnFreshOnes) {
  auto db = Open(4);
  auto admin = Open(1);
  ASSERT_TRUE(db && admin && db->Migrate());
  auto insert = [&](const std::string& name, bool deferred) {
    return db->Write([&](sql::Connection& c) -> Status {
      const char* sql =
          "INSERT INTO organizations (name, webhook_key, created_at) VALUES (?, 'k', 0)";
      if (deferred)
        c.Defer(sql, {name});  // the BEGIN, the row and the COMMIT in one round trip
      else
        c.Exec(sql, {name});
      return {};
    });
  };
  for (bool deferred : {false, true}) {
    ASSERT_TRUE(insert("warm", deferred));  // leaves its connection idle in the pool
    // As a restart or an idle timeout would: the server ends every other session.
    ASSERT_TRUE(admin->Read([](sql::Connection& c) -> Status {
      c.Query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
          "current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
      return {};
    }));
    std::this_thread::sleep_for(100ms);  // the goodbye reaches the pooled sockets
    auto st = insert(deferred ? "deferred" : "direct", deferred);
    EXPECT_TRUE(st) << st.error().message;
  }
  auto names = testing::OrgNames(*db);
  EXPECT_TRUE(names.count("direct") && names.count("deferred"));
}

// Every session runs with timeouts, so one stuck inside a transaction (its
// node paused, or cut off) cannot hold row locks for the hours TCP takes.
TEST_F(PostgresDatabaseTest, SessionsRunWithTimeoutsThatEndStuckTransactions) {
  auto db = Open(1);
  ASSERT_TRUE(db);
  auto settings = ReadResult<std::vector<std::string>>(
      *db, [](sql::Connection& c) -> Result<std::vector<std::string>> {
        std::vector<std::string> out;
        for (const char* name : {"statement_timeout", "lock_timeout",
                                 "idle_in_transaction_session_timeout", "tcp_keepalives_idle"})
          out.push_back(c.QueryOne(std::string("SELECT current_setting('") + name + "')")->Text(0));
        return out;
      });
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_EQ(*settings, (std::vector<std::string>{"30s", "10s", "5s", "10"}));
  EXPECT_EQ(PostgresConnection::SessionSettings("postgresql://h/db?options=-c%20lock_timeout%3D1s")
                .find("lock_timeout"),
            std::string::npos)
      << "a setting given in --db is left as given";
}

// A lock not had within lock_timeout is "too busy, try again" (a 503), not
// an outage: the node does not log one, nor report the database down.
TEST_F(PostgresDatabaseTest, ALockTimeoutIsBusyNotAnOutage) {
  auto db = Open(2);
  ASSERT_TRUE(db && db->Migrate());
  ASSERT_TRUE(db->Write([](sql::Connection& c) -> Status {
    testing::InsertOrg(c, "locked");
    return {};
  }));
  std::promise<void> locked, release;
  std::thread holder([&] {
    (void)db->Write([&](sql::Connection& c) -> Status {
      c.Query("SELECT id FROM organizations WHERE name = 'locked' FOR UPDATE");
      locked.set_value();
      release.get_future().wait();
      return {};
    });
  });
  locked.get_future().wait();
  auto st = db->Write([](sql::Connection& c) -> Status {
    c.ExecScript("SET LOCAL lock_timeout = '200ms'");
    c.Exec("UPDATE organizations SET name = 'waited' WHERE name = 'locked'");
    return {};
  });
  release.set_value();
  holder.join();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kBusy);
  EXPECT_TRUE(availability::IsUp());
}

// What bench/scale reports per lead and per delivery: one count per
// exchange with the server. A transaction's queued statements go out with
// the first one whose answer is read, the COMMIT is one more.
TEST_F(PostgresDatabaseTest, RoundTripsAreCountedOncePerExchange) {
  auto db = Open(1);
  ASSERT_TRUE(db && db->Migrate());
  auto round_trips = [] {
    const std::string text = metrics::Render({});
    const std::string name = "\nleadwire_database_round_trips_total ";
    return std::stoll(text.substr(text.find(name) + name.size()));
  };
  auto tx = [](sql::Connection& c) -> Status {
    c.Defer("UPDATE organizations SET name = name WHERE id = ?", {int64_t{0}});
    c.Query("SELECT COUNT(*) FROM organizations", std::vector<sql::Value>{});
    return {};
  };
  ASSERT_TRUE(db->Write(tx));  // prepares its statements: those are round trips too
  const int64_t before = round_trips();
  ASSERT_TRUE(db->Write(tx));
  EXPECT_EQ(round_trips() - before, 2) << "BEGIN, UPDATE and SELECT in one; the COMMIT";

  auto count = [](sql::Connection& c) -> Status {
    c.Query("SELECT COUNT(*) FROM organizations", std::vector<sql::Value>{});
    return {};
  };
  int64_t at = round_trips();
  ASSERT_TRUE(db->Read(count));
  EXPECT_EQ(round_trips() - at, 2) << "BEGIN and SELECT in one; the COMMIT";
  at = round_trips();
  ASSERT_TRUE(db->ReadOneStatement(count));
  EXPECT_EQ(round_trips() - at, 1) << "one statement needs no transaction around it";
  ASSERT_TRUE(db->Write(tx)) << "the connection is at rest after it";
}

// Only a connection at rest goes back to the pool (postgres_database's
// Release asks AtRest): not one still inside a transaction, nor one with
// statements queued for its pipeline.
TEST_F(PostgresDatabaseTest, AConnectionIsAtRestOnlyOutsideTransactionsWithNothingQueued) {
  PostgresConnection conn(test_db_->url());
  EXPECT_TRUE(conn.AtRest());
  conn.Begin();
  conn.Query("SELECT 1", std::vector<sql::Value>{});
  EXPECT_FALSE(conn.AtRest()) << "inside a transaction";
  conn.Defer("SELECT 1", {});
  EXPECT_FALSE(conn.AtRest()) << "a statement queued";
  EXPECT_FALSE(conn.Commit()) << "nothing announced";
  EXPECT_TRUE(conn.AtRest());
}

// Id lists of every length share a few prepared statements (one per power of
// two), not one per length: a connection otherwise held ~3,000 of them.
TEST_F(PostgresDatabaseTest, IdListsOfEveryLengthPrepareAFewStatements) {
  auto db = Open(1);
  ASSERT_TRUE(db && db->Migrate());
  auto prepared = WriteResult<int64_t>(*db, [](sql::Connection& c) -> Result<int64_t> {
    const int64_t before = c.QueryOne("SELECT COUNT(*) FROM pg_prepared_statements")->Int(0);
    std::vector<int64_t> ids;
    for (int64_t n = 1; n <= 256; ++n) {
      ids.push_back(n);
      c.QueryIn("SELECT id FROM organizations WHERE id IN (@ids)", {}, ids);
    }
    return c.QueryOne("SELECT COUNT(*) FROM pg_prepared_statements")->Int(0) - before;
  });
  ASSERT_TRUE(prepared) << prepared.error().message;
  EXPECT_LE(*prepared, 10);
}

}  // namespace
}  // namespace lw
