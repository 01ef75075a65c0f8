#include "domain/lead_record.h"

#include <boost/json.hpp>

#include "domain/lead_input.h"

namespace lw {

namespace json = boost::json;

namespace {

// A lead with the names of its lookups, its creator and the opportunity it
// came from, in one query: columns 0–16 are the lead's own, 17–22 the lookup
// names (status, substatus, then LeadLookupFields()' order), 23–24 the
// creator's name and email, 25–28 the opportunity's id, fields, created and
// processed times.
constexpr const char* kLeadColumns =
    "SELECT lead.id, lead.contact_id, lead.code, lead.status_id, lead.substatus_id, "
    "lead.case_type_id, lead.office_id, lead.marketing_source_id, lead.opportunity_source_id, "
    "lead.case_tracker_code, lead.summary, lead.data, lead.custom_fields, lead.created_at, "
    "lead.created_by, lead.updated_at, lead.last_status_change_at, s.name, ss.name, ct.name, "
    "o.name, ms.name, os.name, u.name, u.email, op.id, op.data, op.created_at, op.processed_at ";
constexpr const char* kLeadJoins =
    "FROM leads lead "
    "LEFT JOIN lookups s ON s.id = lead.status_id AND s.org_id = lead.org_id "
    "LEFT JOIN lookups ss ON ss.id = lead.substatus_id AND ss.org_id = lead.org_id "
    "LEFT JOIN lookups ct ON ct.id = lead.case_type_id AND ct.org_id = lead.org_id "
    "LEFT JOIN lookups o ON o.id = lead.office_id AND o.org_id = lead.org_id "
    "LEFT JOIN lookups ms ON ms.id = lead.marketing_source_id AND ms.org_id = lead.org_id "
    "LEFT JOIN lookups os ON os.id = lead.opportunity_source_id AND os.org_id = lead.org_id "
    "LEFT JOIN users u ON u.id = lead.created_by "
    "LEFT JOIN opportunities op ON op.id = lead.opportunity_id ";
const std::string kLeadSelect = std::string(kLeadColumns) + kLeadJoins;

LeadRecord ToRecord(const sql::Row& r) {
  LeadRecord out;
  out.id = r.Int(0);
  out.contact_id = r.Int(1);
  out.code = r.Text(2);
  out.facts = {r.OptInt(3),
               r.OptInt(4),
               r.OptInt(5),
               r.OptInt(6),
               r.OptInt(8),
               r.OptInt(7),
               !r.IsNull(9) && !r.Text(9).empty()};
  out.case_tracker_code = r.OptText(9);
  out.summary = r.OptText(10);
  out.data = r.Text(11);
  out.custom_fields = r.Text(12);
  out.created_at = r.Int(13);
  out.created_by = r.OptInt(14);
  out.updated_at = r.Int(15);
  out.last_status_change_at = r.Int(16);
  out.status = r.OptText(17);
  out.substatus = r.OptText(18);
  for (size_t i = 0; i < LeadLookupFields().size(); ++i)
    out.lookup_names.push_back(r.OptText(19 + i));
  out.creator_name = r.OptText(23);
  out.creator_email = r.OptText(24);
  if (!r.IsNull(25))
    out.opportunity = LeadOpportunity{r.Int(25), r.Text(26), r.Int(27), r.OptInt(28)};
  return out;
}

std::string LeadCode(int64_t number) {
  std::string digits = std::to_string(number);
  if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
  return "L" + digits;
}

constexpr const char* kPageFrom =
    " FROM leads l JOIN contacts ct ON ct.id = l.contact_id WHERE l.org_id = ?";

}  // namespace

std::optional<LeadRecord> LoadLeadRecord(sql::Connection& c, int64_t org_id, int64_t id) {
  // Its contact comes along (columns 29–35, contacts.h ContactJsonAt): one
  // round trip fewer for every lead shown or sent.
  static const std::string kLeadWithContact =
      std::string(kLeadColumns) +
      ", cn.id, cn.data, cn.created_at, cn.updated_at, cn.created_by, cu.name, cu.email " +
      kLeadJoins +
      "LEFT JOIN contacts cn ON cn.id = lead.contact_id AND cn.org_id = lead.org_id "
      "LEFT JOIN users cu ON cu.id = "
      "cn.created_by "
      "WHERE lead.id = ? AND lead.org_id = ?";
  auto row = c.QueryOne(kLeadWithContact, {id, org_id});
  if (!row) return std::nullopt;
  LeadRecord out = ToRecord(*row);
  out.contact_row = std::move(row);
  return out;
}

std::vector<LeadRecord> LoadLeadPage(sql::Connection& c, int64_t org_id, const std::string& filter,
                                     const std::vector<sql::Value>& filter_params, int64_t limit,
                                     int64_t offset) {
  std::vector<sql::Value> params{org_id};
  params.insert(params.end(), filter_params.begin(), filter_params.end());
  params.insert(params.end(), {limit, offset});
  std::vector<LeadRecord> out;
  for (const auto& r : c.Query(kLeadSelect + "WHERE lead.id IN (SELECT l.id" + kPageFrom + filter +
                                   " ORDER BY l.id DESC LIMIT ? OFFSET ?) ORDER BY lead.id DESC",
                               params))
    out.push_back(ToRecord(r));
  return out;
}

int64_t CountLeads(sql::Connection& c, int64_t org_id, const std::string& filter,
                   const std::vector<sql::Value>& filter_params) {
  std::vector<sql::Value> params{org_id};
  params.insert(params.end(), filter_params.begin(), filter_params.end());
  return c.Query(std::string("SELECT COUNT(*)") + kPageFrom + filter, params).front().Int(0);
}

namespace {

// Writes the fields `in` sets over a lead whose stored data and custom fields
// are `data` and `custom`, with `extra` columns besides, in one UPDATE that
// nothing waits for (it goes out with the transaction's next statement).
void WriteLeadInput(sql::Connection& c, int64_t lead_id, const LeadInput& in, json::object data,
                    json::object custom, int64_t now_ms,
                    std::vector<std::pair<std::string, sql::Value>> extra = {}) {
  for (const auto& [key, value] : in.text) {
    if (value.is_null())
      data.erase(key);
    else
      data[key] = value;
  }
  if (in.custom_fields)
    for (const auto& [label, value] : *in.custom_fields) custom[label] = value;
  std::string sql = "UPDATE leads SET data = ?, custom_fields = ?, updated_at = ?";
  std::vector<sql::Value> params{json::serialize(data), json::serialize(custom), now_ms};
  for (const auto& [column, id] : in.lookups) extra.emplace_back(column, sql::Opt(id));
  if (in.case_tracker_code)
    extra.emplace_back("case_tracker_code", sql::Opt(*in.case_tracker_code));
  if (in.summary) extra.emplace_back("summary", sql::Opt(*in.summary));
  for (auto& [column, value] : extra) {
    sql += ", " + column + " = ?";
    params.push_back(std::move(value));
  }
  params.emplace_back(lead_id);
  c.Defer(sql + " WHERE id = ?", params);
}

}  // namespace

int64_t InsertLeadRow(sql::Connection& c, const Actor& actor, int64_t contact_id, int64_t status_id,
                      std::optional<int64_t> substatus_id, const LeadInput& in,
                      std::optional<int64_t> opportunity_id) {
  // Each organization numbers its own leads, so a firm's codes tell it
  // nothing about other firms. Before, codes were made from the global id:
  // an organization's counter starts above the highest it already has.
  const int64_t number = c.NextNumber("lead_codes_" + std::to_string(actor.org_id), [&] {
    return c.QueryOne("SELECT COALESCE(MAX(id), 0) FROM leads WHERE org_id = ?", {actor.org_id})
        ->Int(0);
  });
  const int64_t id = c.InsertId(
      "INSERT INTO leads (org_id, contact_id, code, status_id, substatus_id, data, custom_fields, "
      "created_at, created_by, updated_at, last_status_change_at, opportunity_id) "
      "VALUES (?, ?, ?, ?, ?, '{}', '{}', ?, ?, ?, ?, ?) RETURNING id",
      {actor.org_id, contact_id, LeadCode(number), status_id, sql::Opt(substatus_id), actor.now_ms,
       actor.user_id, actor.now_ms, actor.now_ms, sql::Opt(opportunity_id)});
  WriteLeadInput(c, id, in, {}, {}, actor.now_ms);
  return id;
}

void ApplyLeadInput(sql::Connection& c, int64_t lead_id, const LeadInput& in, int64_t now_ms) {
  auto row = c.QueryOne("SELECT data, custom_fields FROM leads WHERE id = ?", {lead_id});
  WriteLeadInput(c, lead_id, in, json::parse(row->Text(0)).as_object(),
                 json::parse(row->Text(1)).as_object(), now_ms);
}

void SetLeadStatus(sql::Connection& c, int64_t lead_id, int64_t status_id,
                   std::optional<int64_t> substatus_id, int64_t now_ms) {
  c.Defer(
      "UPDATE leads SET status_id = ?, substatus_id = ?, last_status_change_at = ?, updated_at = ? "
      "WHERE id = ?",
      {status_id, sql::Opt(substatus_id), now_ms, now_ms, lead_id});
}

void RestoreLeadUpdatedAt(sql::Connection& c, int64_t lead_id, int64_t updated_at) {
  c.Defer("UPDATE leads SET updated_at = ? WHERE id = ?", {updated_at, lead_id});
}

std::optional<LeadFacts> LoadLeadFacts(sql::Connection& c, int64_t org_id, int64_t id) {
  auto r = c.QueryOne(
      "SELECT status_id, substatus_id, case_type_id, office_id, opportunity_source_id, "
      "marketing_source_id, case_tracker_code FROM leads WHERE id = ? AND org_id = ?",
      {id, org_id});
  if (!r) return std::nullopt;
  return LeadFacts{r->OptInt(0),
                   r->OptInt(1),
                   r->OptInt(2),
                   r->OptInt(3),
                   r->OptInt(4),
                   r->OptInt(5),
                   !r->IsNull(6) && !r->Text(6).empty()};
}

bool LeadExists(sql::Connection& c, int64_t org_id, int64_t id) {
  return c.QueryOne("SELECT 1 FROM leads WHERE id = ? AND org_id = ?", {id, org_id}).has_value();
}

std::optional<int64_t> LeadContactId(sql::Connection& c, int64_t org_id, int64_t id) {
  auto r = c.QueryOne("SELECT contact_id FROM leads WHERE id = ? AND org_id = ?", {id, org_id});
  if (!r) return std::nullopt;
  return r->Int(0);
}

}  // namespace lw
