#include "domain/lookups.h"

#include <boost/json.hpp>

#include "common/json_fields.h"
#include "store/committed_ids.h"

namespace lw {

namespace json = boost::json;

const std::vector<DefaultStatus>& DefaultStatuses() {
  static const std::vector<DefaultStatus> kStatuses = {
      {"New", {}},
      {"Assigned", {}},
      {"Under Review", {}},
      {"Chase", {"First Attempt", "Second Attempt", "Third Attempt"}},
      {"Hold", {}},
      {"Scheduled", {}},
      {"Pending Sign Up", {}},
      {"Signed Up", {}},
      {"Referred", {}},
      {"Rejected", {}},
      {"Lost", {"Hired Another Attorney"}},
      {"Closed", {}},
  };
  return kStatuses;
}

std::optional<int64_t> FindLookup(sql::Connection& c, int64_t org_id, const std::string& kind,
                                  const std::string& name, int64_t parent_id) {
  const std::string lower = Lower(name);
  // Lookups are only ever added, so an id once found stays right.
  std::string key = std::to_string(org_id) + '/' + kind + '/' + std::to_string(parent_id) + '/';
  key += lower;
  sql::CommittedIds* remembered = c.Remembered();
  if (remembered)
    if (auto id = remembered->Find(key)) return id;
  // One probe of lookups_lower_name. (`position` is read so that SQLite's
  // planner, without statistics, does not prefer scanning the covering
  // lookups_name index over the organization's names.) Of names that differ
  // only in case (two nodes adding one at once) the oldest, so that every
  // node remembers the same one.
  auto row = c.QueryOne(
      "SELECT id, position FROM lookups WHERE org_id = ? AND kind = ? AND parent_id = ? AND "
      "lower(name) = ? ORDER BY id LIMIT 1",
      {org_id, kind, parent_id, lower});
  if (!row) return std::nullopt;
  if (remembered) remembered->Remember(key, row->Int(0));
  return row->Int(0);
}

std::optional<std::string> LookupName(sql::Connection& c, int64_t org_id,
                                      std::optional<int64_t> id) {
  if (!id) return std::nullopt;
  auto row = c.QueryOne("SELECT name FROM lookups WHERE id = ? AND org_id = ?", {*id, org_id});
  if (!row) return std::nullopt;
  return row->Text(0);
}

Result<int64_t> AddLookup(sql::Connection& c, int64_t org_id, const std::string& kind,
                          const std::string& name, int64_t parent_id) {
  if (FindLookup(c, org_id, kind, name, parent_id))
    return Fail(Error::Conflict("duplicate_name", "\"" + name + "\" already exists."));
  auto pos = c.QueryOne(
      "SELECT COALESCE(MAX(position), 0) + 1 FROM lookups WHERE org_id = ? AND kind = ? AND "
      "parent_id = ?",
      {org_id, kind, parent_id});
  // From here this transaction may see a lookup that is rolled back yet.
  c.WroteRememberedKind();
  return c.InsertId(
      "INSERT INTO lookups (org_id, kind, parent_id, name, position) VALUES (?, ?, ?, ?, ?) "
      "RETURNING id",
      {org_id, kind, parent_id, name, pos->Int(0)});
}

Result<json::value> AddStatus(sql::Connection& c, int64_t org_id, const std::string& name,
                              const std::vector<std::string>& substatuses) {
  auto id = AddLookup(c, org_id, lookup_kind::kStatus, name);
  if (!id) return Fail(id.error());
  json::array subs;
  for (const auto& sub : substatuses) {
    auto sub_id = AddLookup(c, org_id, lookup_kind::kSubstatus, sub, *id);
    if (!sub_id) return Fail(Error::Field("substatuses", "\"" + sub + "\" is listed twice"));
    subs.push_back(json::object{{"id", *sub_id}, {"name", sub}});
  }
  return json::object{{"id", *id}, {"name", name}, {"substatuses", std::move(subs)}};
}

LookupNames LoadLookupNames(sql::Connection& c, int64_t org_id) {
  LookupNames names;
  for (const auto& r : c.Query("SELECT id, name FROM lookups WHERE org_id = ?", {org_id}))
    names.emplace(r.Int(0), r.Text(1));
  return names;
}

json::value ListLookups(sql::Connection& c, int64_t org_id) {
  json::object out;
  json::array statuses;
  for (const char* kind : {lookup_kind::kCaseType, lookup_kind::kOffice,
                           lookup_kind::kMarketingSource, lookup_kind::kOpportunitySource})
    out[std::string(kind) + "s"] = json::array();
  std::map<int64_t, json::array> subs;
  const auto rows = c.Query(
      "SELECT id, kind, parent_id, name FROM lookups WHERE org_id = ? ORDER BY position, id",
      {org_id});
  for (const auto& r : rows)
    if (r.Text(1) == lookup_kind::kSubstatus)
      subs[r.Int(2)].push_back(json::object{{"id", r.Int(0)}, {"name", r.Text(3)}});
  for (const auto& r : rows) {
    const std::string& kind = r.Text(1);
    if (kind == lookup_kind::kSubstatus) continue;
    json::object item{{"id", r.Int(0)}, {"name", r.Text(3)}};
    if (kind == lookup_kind::kStatus) {
      item["substatuses"] = std::move(subs[r.Int(0)]);
      statuses.push_back(std::move(item));
    } else {
      out[kind + "s"].as_array().push_back(std::move(item));
    }
  }
  out["statuses"] = std::move(statuses);
  return out;
}

}  // namespace lw
