#include "domain/audit_log.h"

#include <boost/json.hpp>

#include "common/time_format.h"

namespace lw {

namespace json = boost::json;

void RecordAudit(sql::Connection& c, const Actor& actor, const std::string& action,
                 const std::string& target_type, int64_t target_id, const json::value& details) {
  c.Defer(
      "INSERT INTO audit_log (org_id, user_id, at, action, target_type, target_id, details) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)",
      {actor.org_id, actor.user_id ? sql::Value(actor.user_id) : sql::Value(nullptr), actor.now_ms,
       action, target_type, target_id, json::serialize(details)});
}

json::value ListAudit(sql::Connection& c, int64_t org_id, int64_t limit, int64_t offset) {
  json::array records;
  for (const auto& r : c.Query(
           "SELECT a.id, a.at, a.user_id, u.email, u.name, a.action, a.target_type, a.target_id, "
           "a.details FROM audit_log a LEFT JOIN users u ON u.id = a.user_id "
           "WHERE a.org_id = ? ORDER BY a.id DESC LIMIT ? OFFSET ?",
           {org_id, limit, offset})) {
    json::value user = nullptr;
    if (!r.IsNull(2))
      user = json::object{{"id", r.Int(2)}, {"email", r.Text(3)}, {"name", r.Text(4)}};
    records.push_back(json::object{{"id", r.Int(0)},
                                   {"at", FormatIsoMs(r.Int(1))},
                                   {"user", user},
                                   {"action", r.Text(5)},
                                   {"target_type", r.Text(6)},
                                   {"target_id", r.Int(7)},
                                   {"details", json::parse(r.Text(8))}});
  }
  const auto total = c.QueryOne("SELECT COUNT(*) FROM audit_log WHERE org_id = ?", {org_id});
  return json::object{{"records", std::move(records)}, {"total", total->Int(0)}};
}

}  // namespace lw
