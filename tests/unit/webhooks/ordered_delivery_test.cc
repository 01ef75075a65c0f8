// In-order delivery per subject, on both stores: sequences per rule and
// subject with no gaps; an ordered rule's delivery is claimed only once no
// earlier one of its subject is pending (waiting, retrying or in flight on
// another node); a final failure lets the next one go; unordered rules and
// other subjects are never held back; the delivery log says what waits for what.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "domain/events.h"
#include "domain/organizations.h"
#include "support/backend_test.h"
#include "support/interposing_connection.h"
#include "webhooks/delivery_repository.h"
#include "webhooks/webhook_settings.h"

namespace lw {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kLease = 60'000;

class OrderedDelivery : public testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      org_ = CreateOrganization(c, "Acme", kT0);
      LW_CHECK(UpdateWebhookSettings(c, Actor{org_, 0, "Admin", true, kT0},
                                     boost::json::object{{"enabled", true}}));
      ordered_ = AddRule(c, true);
      unordered_ = AddRule(c, false);
      return {};
    }));
  }

  int64_t AddRule(sql::Connection& c, bool ordered) {
    return c.InsertId(
        "INSERT INTO webhook_rules (org_id, title, enabled, url, trigger_id, creation_rules, "
        "created_at, updated_at, ordered) VALUES (?, 'r', 1, 'https://hooks.example/x', 3, '{}', "
        "0, 0, ?) RETURNING id",
        {org_, int64_t(ordered)});
  }
  int64_t Queue(int64_t rule, const std::string& subject) {
    int64_t id = 0;
    EXPECT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      const int64_t event = RecordTestEvent(c, Actor{org_, 0, "Admin", true, kT0}, 3, "{}");
      id = deliveries::Enqueue(c, org_, rule, event, subject, kT0);
      return {};
    }));
    return id;
  }
  // The way the outbox queues for an ordered rule, at `now`.
  int64_t QueueOrdered(const std::string& subject, int64_t now = kT0) {
    EXPECT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      const int64_t event = RecordTestEvent(c, Actor{org_, 0, "Admin", true, now}, 3, "{}");
      deliveries::EnqueueAll(c, org_, {{ordered_, true}}, event, subject, now);
      return {};
    }));
    return *ReadResult<int64_t>(*db_, [](sql::Connection& c) -> Result<int64_t> {
      return c.QueryOne("SELECT MAX(id) FROM deliveries")->Int(0);
    });
  }
  int64_t DueNow(int64_t now) {
    return *ReadResult<int64_t>(*db_, [&](sql::Connection& c) -> Result<int64_t> {
      return deliveries::CountQueue(c, now).due;
    });
  }
  // The ids a claim at `now` by `node` takes.
  std::set<int64_t> Claim(int64_t now, const std::string& node = "node-a") {
    auto claimed = *WriteResult<std::vector<deliveries::Claimed>>(
        *db_, [&](sql::Connection& c) -> Result<std::vector<deliveries::Claimed>> {
          return deliveries::Claim(c, now, 100, 100, {}, {node, now + kLease});
        });
    std::set<int64_t> ids;
    for (const auto& d : claimed) ids.insert(d.id);
    return ids;
  }
  // The result of node-a's attempt (whether or not a claim of the test's took it).
  void Delivered(int64_t id) {
    ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      HeldByNodeA(c, id);
      deliveries::MarkDelivered(c, {id}, "node-a", kT0);
      return {};
    }));
  }
  // A failed attempt: retried at `next`, or (retry false) finally failed.
  void Failed(int64_t id, bool retry, int64_t next = 0) {
    ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      HeldByNodeA(c, id);
      const auto state = deliveries::LeaseStates(c, {id}, "node-a").at(id);
      deliveries::RecordFailure(c, state, id, "node-a", retry, 1, next, kT0);
      return {};
    }));
  }
  static void HeldByNodeA(sql::Connection& c, int64_t id) {
    c.Exec("UPDATE deliveries SET lease_owner = 'node-a' WHERE id = ?", {id});
  }
  deliveries::DeliveryRow Row(int64_t id) {
    return *ReadResult<deliveries::DeliveryRow>(
        *db_, [&](sql::Connection& c) -> Result<deliveries::DeliveryRow> {
          return *deliveries::Find(c, org_, id);
        });
  }

  int64_t org_ = 0, ordered_ = 0, unordered_ = 0;
};

TEST_P(OrderedDelivery, SequencesCountPerRuleAndSubjectFromOne) {
  const int64_t a1 = Queue(ordered_, "lead:1"), a2 = Queue(ordered_, "lead:1");
  const int64_t b1 = Queue(ordered_, "lead:2"), a3 = Queue(ordered_, "lead:1");
  const int64_t other = Queue(unordered_, "lead:1");
  EXPECT_EQ(Row(a1).sequence, 1);
  EXPECT_EQ(Row(a2).sequence, 2);
  EXPECT_EQ(Row(a3).sequence, 3);
  EXPECT_EQ(Row(b1).sequence, 1);
  EXPECT_EQ(Row(other).sequence, 1) << "each rule counts on its own";
  EXPECT_EQ(Row(a3).subject, "lead:1");
}

TEST_P(OrderedDelivery, OneAtATimePerSubjectInSequence) {
  const int64_t a1 = Queue(ordered_, "lead:1"), a2 = Queue(ordered_, "lead:1");
  const int64_t a3 = Queue(ordered_, "lead:1"), b1 = Queue(ordered_, "lead:2");
  const int64_t u1 = Queue(unordered_, "lead:1"), u2 = Queue(unordered_, "lead:1");
  EXPECT_EQ(Claim(kT0), (std::set<int64_t>{a1, b1, u1, u2}))
      << "the first of each subject, and all of the unordered rule";
  EXPECT_EQ(Row(a2).waiting_for, 1);
  EXPECT_EQ(Row(a3).waiting_for, 1);
  EXPECT_EQ(Row(u2).waiting_for, std::nullopt) << "an unordered rule waits for nothing";
  EXPECT_TRUE(Claim(kT0 + 1).empty()) << "a1 is in flight: a2 waits";
  Delivered(a1);
  EXPECT_EQ(Claim(kT0 + 2), (std::set<int64_t>{a2}));
  EXPECT_EQ(Row(a3).waiting_for, 2);
  Delivered(a2);
  EXPECT_EQ(Claim(kT0 + 3), (std::set<int64_t>{a3}));
}

TEST_P(OrderedDelivery, ARetryHoldsItsSuccessorsAndAFinalFailureReleasesThem) {
  const int64_t a1 = Queue(ordered_, "lead:1"), a2 = Queue(ordered_, "lead:1");
  EXPECT_EQ(Claim(kT0), (std::set<int64_t>{a1}));
  Failed(a1, true, kT0 + 5'000);
  EXPECT_TRUE(Claim(kT0 + 1'000).empty()) << "a1 retries later; a2 must not overtake it";
  EXPECT_EQ(Claim(kT0 + 5'000), (std::set<int64_t>{a1}));
  Failed(a1, false);
  EXPECT_EQ(Row(a1).status, "failed");
  EXPECT_EQ(Claim(kT0 + 6'000), (std::set<int64_t>{a2})) << "a final failure lets the next go";
}

// Behind a subject head that waits for its retry, the rest of the subject is
// due with that retry, not now: no claim steps over a backlog that only waits
// (with heads retrying, every claim used to walk all of it, for every tenant
// of the node), and the queue's "due" count says what can really go.
TEST_P(OrderedDelivery, WhatWaitsBehindARetryIsDueWithIt) {
  const int64_t a1 = QueueOrdered("lead:1"), a2 = QueueOrdered("lead:1");
  EXPECT_EQ(Claim(kT0), (std::set<int64_t>{a1}));
  const int64_t retry_at = kT0 + 300'000;
  Failed(a1, true, retry_at);
  EXPECT_EQ(Row(a2).next_attempt_at, retry_at) << "held back when a1 was rescheduled";
  const int64_t a3 = QueueOrdered("lead:1", kT0 + 1'000);
  EXPECT_EQ(Row(a3).next_attempt_at, retry_at) << "queued behind a retry: due with it";
  const int64_t b1 = QueueOrdered("lead:2", kT0 + 1'000);
  EXPECT_EQ(Row(b1).next_attempt_at, kT0 + 1'000) << "another lead waits for nothing";
  EXPECT_EQ(DueNow(kT0 + 1'000), 1);
  EXPECT_EQ(Claim(kT0 + 1'000), (std::set<int64_t>{b1}));
  Delivered(b1);
  EXPECT_EQ(Claim(retry_at), (std::set<int64_t>{a1}));
  Delivered(a1);
  EXPECT_EQ(Claim(retry_at + 1), (std::set<int64_t>{a2}));
  Delivered(a2);
  EXPECT_EQ(Claim(retry_at + 2), (std::set<int64_t>{a3}));
}

// A head redelivered before its retry: what waited for that retry goes now.
// A rule no longer ordered lets go of everything it held back.
TEST_P(OrderedDelivery, WhatWasHeldBackGoesOnceItsRetryIsNoLongerAwaited) {
  const int64_t a1 = QueueOrdered("lead:1"), a2 = QueueOrdered("lead:1");
  const int64_t b1 = QueueOrdered("lead:2"), b2 = QueueOrdered("lead:2");
  EXPECT_EQ(Claim(kT0), (std::set<int64_t>{a1, b1}));
  Failed(a1, true, kT0 + 3'600'000);
  Failed(b1, true, kT0 + 3'600'000);
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    EXPECT_TRUE(deliveries::MakeDueAgain(c, a1, kT0 + 2'000));
    return {};
  }));
  EXPECT_EQ(Row(a2).next_attempt_at, kT0 + 2'000);
  EXPECT_EQ(Row(b2).next_attempt_at, kT0 + 3'600'000) << "another subject still waits";
  EXPECT_EQ(Claim(kT0 + 2'000), (std::set<int64_t>{a1}));
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    deliveries::ReleaseHeldBack(c, ordered_, std::nullopt, kT0 + 3'000);
    return {};
  }));
  EXPECT_EQ(Row(b2).next_attempt_at, kT0 + 3'000);
  EXPECT_EQ(Row(b1).next_attempt_at, kT0 + 3'600'000) << "a retry keeps its own schedule";
}

// #1 delivered, #2 in flight, then #1 redelivered (or recovered): #1 waits
// until #2's attempt has ended, so two of one subject are never out at once.
TEST_P(OrderedDelivery, ARedeliveredEarlierOneWaitsForALaterOneInFlight) {
  const int64_t a1 = QueueOrdered("lead:1"), a2 = QueueOrdered("lead:1");
  EXPECT_EQ(Claim(kT0), (std::set<int64_t>{a1}));
  Delivered(a1);
  EXPECT_EQ(Claim(kT0 + 1), (std::set<int64_t>{a2}));  // in flight
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    EXPECT_TRUE(deliveries::MakeDueAgain(c, a1, kT0 + 2));
    return {};
  }));
  EXPECT_TRUE(Claim(kT0 + 3).empty()) << "#2 is out: #1 waits";
  Delivered(a2);
  EXPECT_EQ(Claim(kT0 + 4), (std::set<int64_t>{a1}));
}

// The same across nodes, at the worst moment: node A's claim of #2 has not
// committed its lease when #1 is redelivered and node B claims. B must not
// take #1 (it cannot see A's lease yet): A's claim holds #1's subject.
TEST_P(OrderedDelivery, AnotherNodeDoesNotTakeASubjectWhileAClaimOfItIsUnderWay) {
  if (std::string(GetParam()) != testing::kPostgres) GTEST_SKIP() << "one writer on SQLite";
  const int64_t a1 = QueueOrdered("lead:1"), a2 = QueueOrdered("lead:1");
  EXPECT_EQ(Claim(kT0), (std::set<int64_t>{a1}));
  Delivered(a1);
  auto node_b = OpenDatabase(test_db_->url());
  ASSERT_TRUE(node_b);
  std::vector<deliveries::Claimed> by_a, by_b;
  ASSERT_TRUE(db_->Write([&](sql::Connection& real) -> Status {
    testing::InterposingConnection a(real, "SELECT d.id, d.org_id", [&](sql::Connection&) {
      EXPECT_TRUE((*node_b)->Write([&](sql::Connection& c) -> Status {
        EXPECT_TRUE(deliveries::MakeDueAgain(c, a1, kT0 + 2));
        return {};
      }));
      EXPECT_TRUE((*node_b)->Write([&](sql::Connection& c) -> Status {
        by_b = deliveries::Claim(c, kT0 + 3, 100, 100, {}, {"node-b", kT0 + 3 + kLease});
        return {};
      }));
    });
    by_a = deliveries::Claim(a, kT0 + 1, 100, 100, {}, {"node-a", kT0 + 1 + kLease});
    return {};
  }));
  ASSERT_EQ(by_a.size(), 1u);
  EXPECT_EQ(by_a[0].id, a2);
  EXPECT_TRUE(by_b.empty()) << "#1 must wait for #2, whose claim was under way";
  EXPECT_TRUE(Claim(kT0 + 4, "node-b").empty()) << "and still while #2 is out";
}

// Two nodes claiming from one database: a subject's next delivery is never
// taken while another node has the one before it, also once that node is
// gone and its lease runs out (the same one is taken again, not the next).
TEST_P(OrderedDelivery, AnotherNodeNeverTakesTheNextWhileOneIsInFlight) {
  const int64_t a1 = Queue(ordered_, "lead:1");
  Queue(ordered_, "lead:1");
  EXPECT_EQ(Claim(kT0, "node-a"), (std::set<int64_t>{a1}));
  EXPECT_TRUE(Claim(kT0 + 1, "node-b").empty());
  EXPECT_EQ(Claim(kT0 + kLease + 1, "node-b"), (std::set<int64_t>{a1}))
      << "node-a died: its delivery is taken again, still before the next";
}

INSTANTIATE_TEST_SUITE_P(Backends, OrderedDelivery, testing::kBothBackends, testing::BackendName);

}  // namespace
}  // namespace lw
