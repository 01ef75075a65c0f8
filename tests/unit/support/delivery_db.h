// A test fixture: a fresh SQLite database with one organization (webhooks on)
// and one enabled rule, and helpers to queue, claim and inspect deliveries
// with time passed in. Shared by the repository, recorder and dispatcher tests.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "domain/actor.h"
#include "domain/events.h"
#include "domain/organizations.h"
#include "store/database.h"
#include "webhooks/delivery_repository.h"
#include "webhooks/webhook_settings.h"

namespace lw::testing {

inline constexpr int64_t kT0 = 1'700'000'000'000;
inline constexpr int64_t kDay = 24LL * 3600 * 1000;

class DeliveryDb : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("leadwire-" + std::string(info->test_suite_name()) + "-" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    db_ = std::move(*OpenDatabase("sqlite:" + (dir_ / "t.db").string()));
    ASSERT_TRUE(db_->Migrate());
    ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      org_ = CreateOrganization(c, "Acme", kT0);
      LW_CHECK(UpdateWebhookSettings(c, Admin(kT0), boost::json::object{{"enabled", true}}));
      rule_ = AddRule(c, "https://hooks.example/x");
      return {};
    }));
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  Actor Admin(int64_t now) const { return Actor{org_, 0, "Admin", true, now}; }

  // An enabled Lead Created rule of `org` (the fixture's by default) to `url`.
  int64_t AddRule(sql::Connection& c, const std::string& url, int64_t org = 0) {
    return c.InsertId(
        "INSERT INTO webhook_rules (org_id, title, enabled, url, trigger_id, creation_rules, "
        "created_at, updated_at) VALUES (?, ?, 1, ?, 1, '{}', 0, 0) RETURNING id",
        {org ? org : org_, url, url});
  }
  // Another organization with webhooks on.
  int64_t AddOrg(sql::Connection& c, const std::string& name) {
    const int64_t org = CreateOrganization(c, name, kT0);
    (void)UpdateWebhookSettings(c, Actor{org, 0, name, true, kT0},
                                boost::json::object{{"enabled", true}});
    return org;
  }

  // A delivery of a test event to `rule` (the fixture's by default), due at
  // `at`, about `subject`.
  int64_t Queue(int64_t at, int64_t rule = 0, const std::string& subject = "test") {
    int64_t id = 0;
    EXPECT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      if (!rule) rule = rule_;
      const int64_t org =
          c.QueryOne("SELECT org_id FROM webhook_rules WHERE id = ?", {rule})->Int(0);
      const int64_t event = RecordTestEvent(c, Actor{org, 0, "Admin", true, at}, 1, "{}");
      id = deliveries::Enqueue(c, org, rule, event, subject, at);
      return {};
    }));
    return id;
  }
  std::vector<deliveries::Claimed> Claim(int64_t now, int64_t lease_ms = 60'000,
                                         const std::string& node = "node-a") {
    return *WriteResult<std::vector<deliveries::Claimed>>(
        *db_, [&](sql::Connection& c) -> Result<std::vector<deliveries::Claimed>> {
          return deliveries::Claim(c, now, 100, 100, {}, {node, now + lease_ms});
        });
  }
  // Gives `node` a lease on delivery `id` until `until`, as its claim would.
  void Lease(int64_t id, const std::string& node, int64_t until) {
    ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      c.Exec("UPDATE deliveries SET lease_owner = ?, lease_until = ? WHERE id = ?",
             {node, until, id});
      return {};
    }));
  }
  // Sets the leases `node` holds among `ids` (see deliveries::SetLeases).
  void SetLeases(const std::vector<int64_t>& ids, const std::string& node, int64_t until) {
    ASSERT_TRUE(db_->Write([&](sql::Connection& c) -> Status {
      deliveries::SetLeases(c, ids, {node, until});
      return {};
    }));
  }
  deliveries::DeliveryRow Delivery(int64_t id) {
    return *ReadResult<deliveries::DeliveryRow>(
        *db_, [&](sql::Connection& c) -> Result<deliveries::DeliveryRow> {
          return *deliveries::Find(c, org_, id);
        });
  }
  // (enabled, disabled_reason) of the fixture's rule.
  std::pair<bool, std::string> RuleState() {
    return *ReadResult<std::pair<bool, std::string>>(
        *db_, [&](sql::Connection& c) -> Result<std::pair<bool, std::string>> {
          auto r = c.QueryOne("SELECT enabled, disabled_reason FROM webhook_rules WHERE id = ?",
                              {rule_});
          return std::pair{r->Bool(0), r->OptText(1).value_or("")};
        });
  }

  std::filesystem::path dir_;
  std::unique_ptr<Database> db_;
  int64_t org_ = 0, rule_ = 0;
};

}  // namespace lw::testing
