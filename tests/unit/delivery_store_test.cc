// The dispatcher's bookkeeping against a real SQLite file, with time passed in:
// claiming with leases, the retry schedule, 410, and the five-day auto-disable.
#include "delivery/delivery_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "domain/organizations.h"
#include "store/database.h"
#include "webhooks/outbox.h"

namespace lw {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kDay = 24LL * 3600 * 1000;

class DeliveryStore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("leadwire-delivery-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    db_ = std::move(*OpenDatabase("sqlite:" + (dir_ / "t.db").string()));
    ASSERT_TRUE(db_->Migrate());
    ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      org_ = CreateOrganization(c, "Acme", kT0);
      c.Exec("UPDATE organizations SET webhooks_enabled = 1 WHERE id = ?", {org_});
      rule_ = c.InsertId(
          "INSERT INTO webhook_rules (org_id, title, enabled, url, trigger_id, creation_rules, "
          "created_at, updated_at) VALUES (?, 'r', 1, 'https://hooks.example/x', 1, '{}', 0, 0) "
          "RETURNING id",
          {org_});
      return {};
    }));
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  int64_t Queue(int64_t at) {
    int64_t id = 0;
    EXPECT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      const int64_t event = c.InsertId(
          "INSERT INTO events (org_id, trigger_id, created_at, payload) VALUES (?, 1, ?, '{}') "
          "RETURNING id",
          {org_, at});
      id = c.InsertId(
          "INSERT INTO deliveries (org_id, rule_id, event_id, webhook_id, status, next_attempt_at, "
          "created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?) RETURNING id",
          {org_, rule_, event, NewWebhookId(), at, at, at});
      return {};
    }));
    return id;
  }
  std::vector<ClaimedDelivery> Claim(int64_t now) {
    return *WriteResult<std::vector<ClaimedDelivery>>(
        *db_, [&](sql::Connection& c) -> Result<std::vector<ClaimedDelivery>> {
          return ClaimDueDeliveries(c, "sqlite", now, 100, {});
        });
  }
  void Answer(int64_t id, std::optional<int> status, int64_t now) {
    DeliveryResult r;
    r.delivery_id = id;
    r.started_at_ms = now;
    r.http_status = status;
    if (!status) r.error = "Couldn't connect to server";
    ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      RecordResults(c, {r}, now, [] { return 0.5; });
      return {};
    }));
  }
  sql::Row Delivery(int64_t id) {
    return *ReadResult<sql::Row>(*db_, [&](sql::Connection& c) -> Result<sql::Row> {
      return *c.QueryOne(
          "SELECT status, attempt_count, next_attempt_at FROM deliveries WHERE id = ?", {id});
    });
  }
  sql::Row RuleRow() {
    return *ReadResult<sql::Row>(*db_, [&](sql::Connection& c) -> Result<sql::Row> {
      return *c.QueryOne("SELECT enabled, disabled_reason FROM webhook_rules WHERE id = ?",
                         {rule_});
    });
  }

  std::filesystem::path dir_;
  std::unique_ptr<Database> db_;
  int64_t org_ = 0, rule_ = 0;
};

TEST_F(DeliveryStore, ClaimsDueDeliveriesOnceUntilTheLeaseRunsOut) {
  const int64_t id = Queue(kT0);
  Queue(kT0 + 10 * kLeaseMs);  // not yet due
  auto first = Claim(kT0);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].id, id);
  EXPECT_EQ(first[0].keys.size(), 1u);
  EXPECT_TRUE(Claim(kT0 + 1000).empty()) << "leased";
  EXPECT_EQ(Claim(kT0 + kLeaseMs + 1).size(), 1u) << "a dead node's lease runs out";
}

TEST_F(DeliveryStore, SignsWithBothKeysDuringARotation) {
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    RotateWebhookKey(c, Actor{org_, 0, "", true, kT0});
    return {};
  }));
  Queue(kT0);
  auto claimed = Claim(kT0);
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

TEST_F(DeliveryStore, FollowsTheRetryScheduleToFailed) {
  const int64_t id = Queue(kT0);
  int64_t now = kT0;
  for (int attempt = 1; attempt <= 7; ++attempt) {
    Answer(id, 500, now);
    auto d = Delivery(id);
    EXPECT_EQ(d.Text(0), "pending");
    EXPECT_EQ(d.Int(1), attempt);
    now = d.Int(2);
  }
  Answer(id, 500, now);
  EXPECT_EQ(Delivery(id).Text(0), "failed");
  EXPECT_EQ(Delivery(id).Int(1), 8);
  // 5 s + 5 min + 30 min + 2 h + 5 h + 10 h + 10 h ≈ 27.6 h of retries.
  EXPECT_NEAR(double(now - kT0) / 3600000.0, 27.6, 0.1);
}

TEST_F(DeliveryStore, GoneDisablesTheRuleWithAReason) {
  const int64_t id = Queue(kT0);
  Answer(id, 410, kT0);
  EXPECT_EQ(Delivery(id).Text(0), "failed");
  EXPECT_FALSE(RuleRow().Bool(0));
  EXPECT_NE(RuleRow().Text(1).find("410"), std::string::npos);
}

TEST_F(DeliveryStore, FiveDaysOfOnlyFailuresDisableTheRule) {
  Answer(Queue(kT0), std::nullopt, kT0);
  Answer(Queue(kT0 + 4 * kDay), 500, kT0 + 4 * kDay);
  EXPECT_TRUE(RuleRow().Bool(0)) << "four days is not five";
  Answer(Queue(kT0 + 5 * kDay + 1), 500, kT0 + 5 * kDay + 1);
  EXPECT_FALSE(RuleRow().Bool(0));
  EXPECT_NE(RuleRow().Text(1).find("5 days"), std::string::npos) << RuleRow().Text(1);
}

TEST_F(DeliveryStore, ASuccessResetsTheFailureClock) {
  Answer(Queue(kT0), 500, kT0);
  Answer(Queue(kT0 + 3 * kDay), 200, kT0 + 3 * kDay);
  Answer(Queue(kT0 + 6 * kDay), 500, kT0 + 6 * kDay);
  EXPECT_TRUE(RuleRow().Bool(0));
  Answer(Queue(kT0 + 11 * kDay + 1), 500, kT0 + 11 * kDay + 1);
  EXPECT_FALSE(RuleRow().Bool(0));
}

TEST_F(DeliveryStore, DeferringASlowRulesBacklogTakesItsFrontOutOfTheClaim) {
  for (int i = 0; i < 3; ++i) Queue(kT0);
  int64_t deferred = 0;
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    deferred = DeferDueDeliveries(c, rule_, kT0, kT0 + 2000, 2);
    return {};
  }));
  EXPECT_EQ(deferred, 2);
  EXPECT_EQ(Claim(kT0).size(), 1u);
  EXPECT_EQ(Claim(kT0 + 2000).size(), 2u) << "deferred, not dropped";
}

TEST_F(DeliveryStore, DisabledWebhooksOrRulesHoldDeliveries) {
  Queue(kT0);
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    c.Exec("UPDATE organizations SET webhooks_enabled = 0");
    return {};
  }));
  EXPECT_TRUE(Claim(kT0).empty());
  ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
    c.Exec("UPDATE organizations SET webhooks_enabled = 1");
    c.Exec("UPDATE webhook_rules SET enabled = 0");
    return {};
  }));
  EXPECT_TRUE(Claim(kT0).empty());
}

}  // namespace
}  // namespace lw
