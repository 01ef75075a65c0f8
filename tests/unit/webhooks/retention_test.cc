// Retention on both stores, with the clock injected: finished deliveries past
// their time go with their attempts, pending ones stay however old, recent
// ones stay, and events go once nothing refers to them; in small batches.
#include "webhooks/retention.h"

#include <gtest/gtest.h>

#include "domain/events.h"
#include "domain/organizations.h"
#include "support/backend_test.h"
#include "support/interposing_connection.h"
#include "webhooks/delivery_repository.h"

namespace lw {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kDay = 24LL * 3600 * 1000;

class RetentionTest : public testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      org_ = CreateOrganization(c, "Acme", kT0);
      rule_ = c.InsertId(
          "INSERT INTO webhook_rules (org_id, title, enabled, url, trigger_id, creation_rules, "
          "created_at, updated_at) VALUES (?, 'r', 1, 'https://hooks.example/x', 1, '{}', 0, 0) "
          "RETURNING id",
          {org_});
      return {};
    }));
  }

  int64_t Event(int64_t at) {
    int64_t id = 0;
    EXPECT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      id = RecordTestEvent(c, Actor{org_, 0, "Admin", true, at}, 1, "{}");
      return {};
    }));
    return id;
  }
  // A delivery of a new event created at `at`; `finish` (at `finished_at`):
  // "delivered" (after two attempts), "failed", or "" (still pending).
  int64_t Delivery(int64_t at, const std::string& finish, int64_t finished_at = 0) {
    const int64_t event = Event(at);
    int64_t id = 0;
    EXPECT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      id = deliveries::Enqueue(c, org_, rule_, event, "test", at);
      const int64_t done = finished_at ? finished_at : at;
      c.Exec("UPDATE deliveries SET lease_owner = 'node-a' WHERE id = ?", {id});
      if (finish == "delivered") {
        deliveries::InsertAttempts(c, {{id, at, 500, 10, "", ""}, {id, done, 200, 10, "", ""}});
        deliveries::MarkDelivered(c, {id}, "node-a", done);
      } else if (finish == "failed") {
        deliveries::RecordFailure(c, {}, id, "node-a", false, 1, done, done);
      }
      return {};
    }));
    return id;
  }
  int64_t Count(const std::string& sql) {
    int64_t n = 0;
    EXPECT_TRUE(db_->Read([&](sql::Connection& c) -> Status {
      n = c.Query(sql)[0].Int(0);
      return {};
    }));
    return n;
  }
  bool Exists(const std::string& table, int64_t id) {
    return Count("SELECT COUNT(*) FROM " + table + " WHERE id = " + std::to_string(id)) == 1;
  }
  int64_t EventOf(int64_t delivery) {
    return Count("SELECT event_id FROM deliveries WHERE id = " + std::to_string(delivery));
  }

  int64_t org_ = 0, rule_ = 0;
};

TEST_P(RetentionTest, DeletesFinishedDeliveriesPastTheirTimeWithAttemptsAndFreedEvents) {
  // Created in time order, as ids are.
  const int64_t lonely_old = Event(kT0);
  const int64_t delivered = Delivery(kT0, "delivered");
  const int64_t failed = Delivery(kT0, "failed");
  const int64_t pending = Delivery(kT0, "");
  const int64_t redelivered_lately = Delivery(kT0, "delivered", kT0 + 25 * kDay);
  const int64_t recent = Delivery(kT0 + 20 * kDay, "delivered");
  const int64_t pending_event = EventOf(pending);
  const int64_t freed_event = EventOf(delivered);
  ManualClock clock(kT0 + 31 * kDay);
  const int64_t lonely_recent = Event(kT0 + 30 * kDay);

  auto report = Retention(*db_, clock, 30).RunOnce();
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->deliveries, 2);
  EXPECT_EQ(report->attempts, 2);
  EXPECT_EQ(report->events, 3) << "the two finished deliveries' events and the lonely old one";
  EXPECT_FALSE(Exists("deliveries", delivered));
  EXPECT_FALSE(Exists("deliveries", failed));
  EXPECT_TRUE(Exists("deliveries", pending)) << "pending stays however old";
  EXPECT_TRUE(Exists("deliveries", redelivered_lately)) << "judged by its last change";
  EXPECT_TRUE(Exists("deliveries", recent));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM delivery_attempts WHERE delivery_id = " +
                  std::to_string(delivered)),
            0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM delivery_attempts"), 4) << "the kept deliveries' attempts";
  EXPECT_FALSE(Exists("events", freed_event));
  EXPECT_FALSE(Exists("events", lonely_old));
  EXPECT_TRUE(Exists("events", pending_event)) << "a delivery still refers to it";
  EXPECT_TRUE(Exists("events", lonely_recent));

  auto again = Retention(*db_, clock, 30).RunOnce();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->deliveries + again->events, 0) << "nothing twice";
}

TEST_P(RetentionTest, NothingGoesBeforeItsTimeAndEverythingDueGoesInSmallBatches) {
  for (int i = 0; i < 40; ++i) Delivery(kT0 + i, "delivered");
  ManualClock clock(kT0 + 29 * kDay);
  Retention retention(*db_, clock, 30, /*batch=*/7);
  auto early = retention.RunOnce();
  ASSERT_TRUE(early);
  EXPECT_EQ(early->deliveries + early->events, 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM deliveries"), 40);

  clock.Advance(2 * kDay);
  auto due = retention.RunOnce();
  ASSERT_TRUE(due);
  EXPECT_EQ(due->deliveries, 40);
  EXPECT_EQ(due->events, 40);
  EXPECT_GE(due->batches, 12) << "40 deliveries and 40 events, 7 at a time";
  EXPECT_EQ(Count("SELECT COUNT(*) FROM deliveries"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events"), 0);
}

// A Redeliver that commits between retention's read and its delete (the API
// answered it 202) keeps its delivery, attempts and event.
TEST_P(RetentionTest, ARedeliverCommittedMidwayKeepsItsDelivery) {
  const int64_t redelivered = Delivery(kT0, "delivered");
  const int64_t event = EventOf(redelivered);
  const int64_t now = kT0 + 31 * kDay;
  ASSERT_TRUE(db_->Write([&](sql::Connection& real) -> Status {
    testing::InterposingConnection c(real, "DELETE FROM deliveries", [&](sql::Connection& other) {
      EXPECT_TRUE(deliveries::MakeDueAgain(other, redelivered, now));
    });
    EXPECT_EQ(deliveries::PurgeDeliveries(c, 0, now - 30 * kDay, 100).deleted, 0);
    testing::InterposingConnection e(real, "DELETE FROM events", [&](sql::Connection& other) {
      // A new test event's delivery, made between the read and the delete.
      deliveries::Enqueue(other, org_, rule_, event, "test", now);
    });
    c.Exec("DELETE FROM deliveries WHERE id = ?", {redelivered});  // events' turn: it alone
    EXPECT_EQ(deliveries::PurgeEvents(e, 0, now - 30 * kDay, 100).deleted, 0);
    return {};
  }));
  EXPECT_TRUE(Exists("events", event));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM delivery_attempts WHERE delivery_id = " +
                  std::to_string(redelivered)),
            2);
}

TEST(RetentionInterval, TenMinutesOrATenthOfAShortWindow) {
  EXPECT_EQ(RetentionInterval(30), std::chrono::minutes(10));
  EXPECT_EQ(RetentionInterval(1.0 / 24), std::chrono::minutes(6)) << "an hour's window";
  EXPECT_EQ(RetentionInterval(0.0001), std::chrono::seconds(5)) << "at least every 5 s";
}

INSTANTIATE_TEST_SUITE_P(Backends, RetentionTest, testing::kBothBackends, testing::BackendName);

}  // namespace
}  // namespace lw
