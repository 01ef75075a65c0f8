#include "store/sqlite/ids_never_reused.h"

#include <string>
#include <vector>

#include "common/log.h"

namespace lw {

namespace {

constexpr std::string_view kPlainKey = "INTEGER PRIMARY KEY";

// Ids that rows elsewhere still name, though their own row may be gone: the
// counter of `table` starts above them.
struct Referrer {
  const char* table;
  const char* max_query;
};
constexpr Referrer kReferrers[] = {
    {"webhook_rules", "SELECT MAX(rule_id) FROM deliveries"},
    {"webhook_rules", "SELECT MAX(rule_id) FROM delivery_sequences"},
    {"webhook_rules", "SELECT MAX(target_id) FROM audit_log WHERE target_type = 'webhook_rule'"},
    {"deliveries", "SELECT MAX(delivery_id) FROM delivery_attempts"},
    {"events", "SELECT MAX(event_id) FROM deliveries"},
    {"leads", "SELECT MAX(lead_id) FROM events"},
    {"contacts", "SELECT MAX(contact_id) FROM events"},
    {"opportunities", "SELECT MAX(opportunity_id) FROM events"},
};

void RaiseCounter(sql::Connection& c, const std::string& table, int64_t at_least) {
  if (at_least <= 0) return;
  if (c.Exec("UPDATE sqlite_sequence SET seq = ? WHERE name = ? AND seq < ?",
             {at_least, table, at_least}) == 0 &&
      !c.QueryOne("SELECT 1 FROM sqlite_sequence WHERE name = ?", {table}))
    c.Exec("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", {table, at_least});
}

}  // namespace

void RebuildTablesWithAutoincrement(sql::Connection& c) {
  // References broken before (SQLite enforces foreign keys only where asked)
  // are not the rebuild's doing: only new ones stop it.
  const size_t broken_before = c.Query("PRAGMA foreign_key_check").size();
  struct Table {
    std::string name, create;
  };
  std::vector<Table> tables;
  for (const auto& r : c.Query(
           "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
           "AND name <> 'schema_migrations'"))
    if (r.Text(1).find(kPlainKey) != std::string::npos &&
        r.Text(1).find("AUTOINCREMENT") == std::string::npos)
      tables.push_back({r.Text(0), r.Text(1)});
  for (const Table& t : tables) {
    log::Info("migration 9: giving " + t.name + " ids that are never reused (" +
              std::to_string(c.QueryOne("SELECT COUNT(*) FROM " + t.name)->Int(0)) + " rows)");
    // The same table under a new name, its key AUTOINCREMENT; the rows move
    // with their ids; then it takes the old one's name and indexes.
    const std::string staging = "lw_rebuild_" + t.name;
    std::string create = t.create;
    const size_t name_at = create.find(t.name, std::string_view("CREATE TABLE ").size());
    create.replace(name_at, t.name.size(), staging);
    const size_t key_at = create.find(kPlainKey);
    create.insert(key_at + kPlainKey.size(), " AUTOINCREMENT");
    std::vector<std::string> indexes;
    for (const auto& r :
         c.Query("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND "
                 "sql IS NOT NULL",
                 {t.name}))
      indexes.push_back(r.Text(0));
    c.ExecScript(create);
    c.ExecScript("INSERT INTO " + staging + " SELECT * FROM " + t.name);
    c.ExecScript("DROP TABLE " + t.name);
    c.ExecScript("ALTER TABLE " + staging + " RENAME TO " + t.name);
    for (const auto& index : indexes) c.ExecScript(index);
  }
  for (const Referrer& r : kReferrers) {
    const auto row = c.QueryOne(r.max_query);
    if (row && !row->IsNull(0)) RaiseCounter(c, r.table, row->Int(0));
  }
  if (c.Query("PRAGMA foreign_key_check").size() > broken_before)
    throw sql::DbError(sql::DbError::Kind::kOther,
                       "rebuilding the tables broke a reference between them");
}

}  // namespace lw
