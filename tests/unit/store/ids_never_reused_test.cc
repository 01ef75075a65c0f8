// Ids are never given twice (store/sqlite/ids_never_reused, migration 9): on
// both backends a deleted row's id does not come back, and a SQLite database
// made before AUTOINCREMENT is rebuilt with its rows, ids and indexes, its
// counters above the ids other rows still name.
#include <gtest/gtest.h>

#include <string>

#include "store/database.h"
#include "store/migrations.h"
#include "support/backend_test.h"
#include "support/test_databases.h"

namespace lw {
namespace {

using IdsNeverReused = testing::BackendTest;

int64_t InsertRule(sql::Connection& c, int64_t org_id) {
  return c.InsertId(
      "INSERT INTO webhook_rules (org_id, title, enabled, url, trigger_id, creation_rules, "
      "created_at, updated_at) VALUES (?, 't', 0, 'https://x.test/', 1, '{}', 0, 0) RETURNING id",
      {org_id});
}

int64_t InsertOrg(sql::Connection& c) {
  return c.InsertId(
      "INSERT INTO organizations (name, webhook_key, created_at) VALUES ('o', 'k', 0) RETURNING id",
      {});
}

TEST_P(IdsNeverReused, TheHighestDeletedIdIsNotGivenAgain) {
  auto ids = WriteResult<std::pair<int64_t, int64_t>>(
      *db_, [](sql::Connection& c) -> Result<std::pair<int64_t, int64_t>> {
        const int64_t org = InsertOrg(c);
        const int64_t first = InsertRule(c, org);
        c.Exec("DELETE FROM webhook_rules WHERE id = ?", {first});
        return std::pair{first, InsertRule(c, org)};
      });
  ASSERT_TRUE(ids) << ids.error().message;
  EXPECT_GT(ids->second, ids->first);
}

INSTANTIATE_TEST_SUITE_P(Backends, IdsNeverReused, testing::kBothBackends, testing::BackendName);

// A database as the builds before migration 9 made it: plain INTEGER PRIMARY
// KEY, and rule 2 deleted while its deliveries and audit entries remain.
TEST(IdsNeverReusedUpgrade, AnOlderSqliteDatabaseIsRebuiltAndCountsAboveWhatIsReferred) {
  testing::TestDatabase file(testing::kSqlite);
  {
    auto db = OpenDatabase(file.url());
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->Write([](sql::Connection& c) -> Status {
      c.ExecScript(
          "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT "
          "NULL)");
      for (const Migration& m : MigrationsFor("sqlite")) {
        if (m.version >= 9) break;
        std::string sql = m.sql;
        for (size_t at; (at = sql.find(" AUTOINCREMENT")) != std::string::npos;)
          sql.erase(at, std::string_view(" AUTOINCREMENT").size());
        c.ExecScript(sql);
        c.Exec("INSERT INTO schema_migrations VALUES (?, 0)", {int64_t(m.version)});
      }
      const int64_t org = InsertOrg(c);
      InsertRule(c, org);
      const int64_t doomed = InsertRule(c, org);
      c.Exec("INSERT INTO events (org_id, trigger_id, created_at) VALUES (?, 1, 0)", {org});
      c.Exec(
          "INSERT INTO deliveries (org_id, rule_id, event_id, webhook_id, status, "
          "next_attempt_at, created_at, updated_at) VALUES (?, ?, 1, 'msg_1', 'delivered', 0, 0, "
          "0)",
          {org, doomed});
      c.Exec(
          "INSERT INTO audit_log (org_id, at, action, target_type, target_id, details) VALUES "
          "(?, 0, 'rule.deleted', 'webhook_rule', ?, '{}')",
          {org, doomed});
      c.Exec("DELETE FROM webhook_rules WHERE id = ?", {doomed});
      // Before: the next rule would get the deleted rule's id.
      EXPECT_EQ(c.QueryOne("SELECT MAX(id) + 1 FROM webhook_rules")->Int(0), doomed);
      return {};
    }));
  }
  auto db = OpenDatabase(file.url());
  ASSERT_TRUE(db);
  ASSERT_TRUE((*db)->Migrate());
  auto checked = WriteResult<int64_t>(**db, [](sql::Connection& c) -> Result<int64_t> {
    for (const auto& r :
         c.Query("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE "
                 "'%INTEGER PRIMARY KEY%' AND name <> 'schema_migrations'"))
      EXPECT_NE(r.Text(1).find("AUTOINCREMENT"), std::string::npos) << r.Text(0);
    // Rows and indexes came along.
    EXPECT_EQ(c.QueryOne("SELECT COUNT(*) FROM deliveries")->Int(0), 1);
    EXPECT_TRUE(c.QueryOne(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'deliveries_pending'"));
    return InsertRule(c, c.QueryOne("SELECT id FROM organizations")->Int(0));
  });
  ASSERT_TRUE(checked) << checked.error().message;
  EXPECT_EQ(*checked, 3) << "above the deleted rule 2 its deliveries still name";
}

}  // namespace
}  // namespace lw
