// Writing attempt results back, against a real SQLite file with time passed
// in: the retry schedule to failed, 410, and the five-day auto-disable.
#include "delivery/result_recorder.h"

#include <gtest/gtest.h>

#include "support/delivery_db.h"

namespace lw {
namespace {

using testing::kDay;
using testing::kT0;

class ResultRecorder : public testing::DeliveryDb {
 protected:
  // Node "node-a" claimed delivery `id` at `now` and got `status` (nullopt:
  // no answer). `node`: the node whose result it is.
  void Answer(int64_t id, std::optional<int> status, int64_t now,
              const std::string& node = "node-a") {
    Lease(id, "node-a", now + 60'000);
    Record(id, status, now, node);
  }
  // The result only: whatever the lease is now.
  void Record(int64_t id, std::optional<int> status, int64_t now,
              const std::string& node = "node-a") {
    DeliveryResult r;
    r.delivery_id = id;
    r.started_at_ms = now;
    r.http_status = status;
    if (!status) r.error = "Couldn't connect to server";
    ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      RecordResults(c, {r}, node, now, [] { return 0.5; });
      return {};
    }));
  }
};

TEST_F(ResultRecorder, FollowsTheRetryScheduleToFailed) {
  const int64_t id = Queue(kT0);
  int64_t now = kT0;
  for (int attempt = 1; attempt <= 7; ++attempt) {
    Answer(id, 500, now);
    auto d = Delivery(id);
    EXPECT_EQ(d.status, "pending");
    EXPECT_EQ(d.attempt_count, attempt);
    EXPECT_EQ(d.attempts.size(), size_t(attempt));
    now = d.next_attempt_at;
  }
  Answer(id, 500, now);
  EXPECT_EQ(Delivery(id).status, "failed");
  EXPECT_EQ(Delivery(id).attempt_count, 8);
  // 5 s + 5 min + 30 min + 2 h + 5 h + 10 h + 10 h ≈ 27.6 h of retries.
  EXPECT_NEAR(double(now - kT0) / 3600000.0, 27.6, 0.1);
}

TEST_F(ResultRecorder, ADeliveryAnsweredTwiceInOneBatchCountsOnce) {
  const int64_t id = Queue(kT0);
  DeliveryResult ok;
  ok.delivery_id = id;
  ok.http_status = 200;
  ResultTally tally;
  Lease(id, "node-a", kT0 + 60'000);
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    tally = RecordResults(c, {ok, ok}, "node-a", kT0, [] { return 0.5; });
    return {};
  }));
  EXPECT_EQ(tally.delivered, 1);
  EXPECT_EQ(Delivery(id).status, "delivered");
  EXPECT_EQ(Delivery(id).attempt_count, 1);
}

TEST_F(ResultRecorder, GoneDisablesTheRuleWithAReason) {
  const int64_t id = Queue(kT0);
  Answer(id, 410, kT0);
  EXPECT_EQ(Delivery(id).status, "failed");
  EXPECT_FALSE(RuleState().first);
  EXPECT_NE(RuleState().second.find("410"), std::string::npos);
}

TEST_F(ResultRecorder, FiveDaysOfOnlyFailuresDisableTheRule) {
  Answer(Queue(kT0), std::nullopt, kT0);
  Answer(Queue(kT0 + 4 * kDay), 500, kT0 + 4 * kDay);
  EXPECT_TRUE(RuleState().first) << "four days is not five";
  Answer(Queue(kT0 + 5 * kDay + 1), 500, kT0 + 5 * kDay + 1);
  EXPECT_FALSE(RuleState().first);
  EXPECT_NE(RuleState().second.find("5 days"), std::string::npos) << RuleState().second;
}

TEST_F(ResultRecorder, ASuccessResetsTheFailureClock) {
  Answer(Queue(kT0), 500, kT0);
  Answer(Queue(kT0 + 3 * kDay), 200, kT0 + 3 * kDay);
  Answer(Queue(kT0 + 6 * kDay), 500, kT0 + 6 * kDay);
  EXPECT_TRUE(RuleState().first);
  Answer(Queue(kT0 + 11 * kDay + 1), 500, kT0 + 11 * kDay + 1);
  EXPECT_FALSE(RuleState().first);
}

// A node whose lease ran out (a paused VM, a cut to the database) and whose
// delivery another node took: its late answer is history, nothing more. It
// neither decides the delivery (the other node's attempt does) nor disables
// the rule with a stale 410.
TEST_F(ResultRecorder, AResultWhoseLeaseWasLostIsKeptButChangesNothing) {
  const int64_t id = Queue(kT0);
  Lease(id, "node-b", kT0 + 120'000);  // node-a's lease ran out; node-b holds it now
  Record(id, 410, kT0 + 70'000, "node-a");
  auto d = Delivery(id);
  EXPECT_EQ(d.status, "pending");
  EXPECT_EQ(d.attempt_count, 0);
  EXPECT_EQ(d.attempts.size(), 1u) << "the request did reach the receiver";
  EXPECT_TRUE(RuleState().first) << "a stale 410 disables nothing";
  Record(id, 200, kT0 + 71'000, "node-b");
  EXPECT_EQ(Delivery(id).status, "delivered");
}

// A node stalled past its lease; meanwhile an Admin redelivered the delivery
// (allowed: no lease held it any more). The stalled node's late answer is
// kept as an attempt, but it belongs to the attempt before the Redeliver
// and decides nothing.
TEST_F(ResultRecorder, AnAnswerFromBeforeARedeliverChangesNothing) {
  const int64_t id = Queue(kT0);
  Lease(id, "node-a", kT0 + 60'000);
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    EXPECT_TRUE(deliveries::MakeDueAgain(c, id, kT0 + 61'000));
    return {};
  }));
  Record(id, 410, kT0 + 62'000);
  auto d = Delivery(id);
  EXPECT_EQ(d.status, "pending") << "due again, for the Redeliver's own attempt";
  EXPECT_EQ(d.attempt_count, 0);
  EXPECT_EQ(d.attempts.size(), 1u);
  EXPECT_TRUE(RuleState().first);
}

// A result whose request went out twice (the transport sent it again on a
// new connection) keeps both as attempts, so every request a receiver saw
// has its row; the delivery counts one attempt.
TEST_F(ResultRecorder, EachRequestSentIsKeptAsAnAttempt) {
  const int64_t id = Queue(kT0);
  Lease(id, "node-a", kT0 + 60'000);
  DeliveryResult r;
  r.delivery_id = id;
  r.started_at_ms = kT0;
  r.http_status = 200;
  r.requests_sent = 2;
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    RecordResults(c, {r}, "node-a", kT0, [] { return 0.5; });
    return {};
  }));
  const auto d = Delivery(id);
  EXPECT_EQ(d.status, "delivered");
  EXPECT_EQ(d.attempt_count, 1);
  ASSERT_EQ(d.attempts.size(), 2u);
  EXPECT_FALSE(d.attempts[0].http_status);
  EXPECT_NE(d.attempts[0].error.value_or("").find("sent again"), std::string::npos);
  EXPECT_EQ(d.attempts[1].http_status, 200);
}

// The same result written twice (its first commit went through, but its
// answer was lost, as in a failover): the second changes nothing, and the
// attempt is kept once.
TEST_F(ResultRecorder, AResultWrittenAgainCountsOnce) {
  const int64_t id = Queue(kT0);
  Answer(id, 500, kT0);
  Record(id, 500, kT0);
  const auto d = Delivery(id);
  EXPECT_EQ(d.attempt_count, 1);
  EXPECT_EQ(d.attempts.size(), 1u);
  EXPECT_EQ(d.status, "pending");
}

}  // namespace
}  // namespace lw
