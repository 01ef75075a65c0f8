// The deliveries repository against a real SQLite file, with time passed in:
// claims with leases, keys during a rotation, deferral, held deliveries, the
// delivery log's fixed query count, and id lists longer than one statement.
#include "webhooks/delivery_repository.h"

#include <gtest/gtest.h>

#include "delivery/signed_job.h"
#include "support/counting_connection.h"
#include "support/delivery_db.h"

namespace lw {
namespace {

using testing::kT0;
constexpr int64_t kLease = 60'000;

class DeliveryRepository : public testing::DeliveryDb {};

TEST_F(DeliveryRepository, ClaimsDueDeliveriesOnceUntilTheLeaseRunsOut) {
  const int64_t id = Queue(kT0);
  Queue(kT0 + 10 * kLease);  // not yet due
  auto first = Claim(kT0, kLease);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].id, id);
  EXPECT_EQ(first[0].keys.size(), 1u);
  EXPECT_TRUE(Claim(kT0 + 1000).empty()) << "leased";
  EXPECT_EQ(Claim(kT0 + kLease + 1).size(), 1u) << "a dead node's lease runs out";
}

TEST_F(DeliveryRepository, GivenBackLeasesAreClaimableAtOnce) {
  const int64_t id = Queue(kT0);
  ASSERT_EQ(Claim(kT0).size(), 1u);
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    deliveries::SetLeases(c, {id}, 0);
    return {};
  }));
  EXPECT_EQ(Claim(kT0 + 1).size(), 1u);
}

TEST_F(DeliveryRepository, SignsWithBothKeysDuringARotation) {
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    RotateWebhookKey(c, Admin(kT0));
    return {};
  }));
  Queue(kT0);
  auto claimed = Claim(kT0, kLease);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].keys.size(), 2u);
  const DeliveryJob job = BuildSignedJob(claimed[0], kT0);
  const auto sig = std::find_if(job.headers.begin(), job.headers.end(), [](const std::string& h) {
    return h.starts_with("webhook-signature: ");
  });
  ASSERT_NE(sig, job.headers.end());
  EXPECT_NE(sig->find(' ', 19), std::string::npos) << *sig;
  Queue(kT0 + kKeyGraceMs + 1);
  auto later = Claim(kT0 + kKeyGraceMs + 1);  // the new one and the first (its lease ran out)
  ASSERT_EQ(later.size(), 2u);
  for (const auto& d : later)
    EXPECT_EQ(d.keys.size(), 1u) << "the previous key stops signing after 24 hours";
}

TEST_F(DeliveryRepository, DeferringASlowRulesBacklogTakesItsFrontOutOfTheClaim) {
  for (int i = 0; i < 3; ++i) Queue(kT0);
  int64_t deferred = 0;
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    deferred = deliveries::DeferDue(c, rule_, kT0, kT0 + 2000, 2);
    return {};
  }));
  EXPECT_EQ(deferred, 2);
  EXPECT_EQ(Claim(kT0).size(), 1u);
  EXPECT_EQ(Claim(kT0 + 2000).size(), 2u) << "deferred, not dropped";
}

TEST_F(DeliveryRepository, DisabledWebhooksOrRulesHoldDeliveries) {
  Queue(kT0);
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    LW_CHECK(UpdateWebhookSettings(c, Admin(kT0), boost::json::object{{"enabled", false}}));
    return {};
  }));
  EXPECT_TRUE(Claim(kT0).empty());
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    LW_CHECK(UpdateWebhookSettings(c, Admin(kT0), boost::json::object{{"enabled", true}}));
    c.Exec("UPDATE webhook_rules SET enabled = 0");
    return {};
  }));
  EXPECT_TRUE(Claim(kT0).empty());
}

TEST_F(DeliveryRepository, CancelledDeliveriesAreNeitherClaimedNorPending) {
  const int64_t id = Queue(kT0);
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    deliveries::CancelPending(c, rule_, kT0);
    return {};
  }));
  EXPECT_EQ(Delivery(id).status, "cancelled");
  EXPECT_TRUE(Claim(kT0).empty());
}

// Long id lists are split across statements; every id still counts once.
TEST_F(DeliveryRepository, LeasesAndStatesOfManyDeliveriesAtOnce) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 600; ++i) ids.push_back(Queue(kT0));
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    deliveries::SetLeases(c, ids, kT0 + kLease);
    EXPECT_EQ(deliveries::PendingStates(c, ids).size(), ids.size());
    return {};
  }));
  EXPECT_TRUE(Claim(kT0).empty());
  EXPECT_EQ(Claim(kT0 + kLease).size(), 100u) << "the claim's own limit";
}

TEST_F(DeliveryRepository, TheDeliveryLogRunsAFixedNumberOfQueries) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 30; ++i) ids.push_back(Queue(kT0));
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    std::vector<deliveries::AttemptRecord> attempts;
    for (int64_t id : ids) attempts.push_back({id, kT0, 500, 12, "", "oops"});
    deliveries::InsertAttempts(c, attempts);
    return {};
  }));
  ASSERT_TRUE(db_->Read([&](sql::Connection& real) -> Status {
    testing::CountingConnection c(real);
    auto page = deliveries::ListForRule(c, org_, rule_, "", 25, 0);
    EXPECT_EQ(page.total, 30);
    EXPECT_EQ(page.rows.size(), 25u);
    for (const auto& row : page.rows) {
      EXPECT_EQ(row.attempts.size(), 1u);
      if (row.attempts.empty()) continue;
      EXPECT_EQ(row.attempts[0].http_status, 500);
      EXPECT_EQ(row.attempts[0].response_excerpt, "oops");
    }
    EXPECT_EQ(c.statements(), 3) << "count, page, attempts";
    return {};
  }));
}

}  // namespace
}  // namespace lw
