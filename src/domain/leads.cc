#include "domain/leads.h"

#include <boost/json.hpp>

#include "common/json_fields.h"
#include "domain/contacts.h"
#include "domain/events.h"
#include "domain/lead_input.h"
#include "domain/lead_json.h"
#include "domain/lead_record.h"
#include "domain/lookups.h"
#include "domain/triggers.h"

namespace lw {

namespace json = boost::json;

namespace {

std::string NotFound(int64_t id) { return "No lead has id " + std::to_string(id) + "."; }

// A contact made in the same transaction has no tags yet: nothing to ask.
json::value Render(sql::Connection& c, int64_t org_id, const LeadRecord& lead,
                   bool contact_is_new = false) {
  if (lead.contact_row && lead.contact_row->IsNull(kContactColumnsInLeadRow))
    return LeadJson(lead, nullptr);
  if (lead.contact_row)
    return LeadJson(
        lead, ContactJsonAt(*lead.contact_row, kContactColumnsInLeadRow,
                            contact_is_new ? json::array() : ContactTags(c, lead.contact_id)));
  auto contact = GetContact(c, org_id, lead.contact_id);
  return LeadJson(lead, contact ? std::move(*contact) : json::value(nullptr));
}

// Records a lead trigger with the lead as it is now (`now`, rendered as
// `lead` when the caller has done so), rendered once for both the payload and
// the caller's answer.
Result<json::value> RecordLeadEvent(sql::Connection& c, const Actor& actor, int trigger_id,
                                    int64_t lead_id, std::optional<LeadRecord> now = std::nullopt,
                                    std::optional<json::value> lead = std::nullopt) {
  if (!now) now = LoadLeadRecord(c, actor.org_id, lead_id);
  if (!now) return Fail(Error::NotFound(NotFound(lead_id)));
  if (!lead) lead = Render(c, actor.org_id, *now);
  RecordEvent(c, actor, trigger_id,
              {.lead_id = lead_id,
               .contact_id = now->contact_id,
               .subject_id = lead_id,
               .lead_json = &lead->as_object(),
               .lead_facts = &now->facts});
  return std::move(*lead);
}

}  // namespace

int64_t InsertLead(sql::Connection& c, const Actor& actor, int64_t contact_id, int64_t status_id,
                   std::optional<int64_t> marketing_source_id,
                   std::optional<int64_t> opportunity_source_id, const std::string& summary,
                   int64_t opportunity_id) {
  LeadInput in;
  in.lookups["marketing_source_id"] = marketing_source_id;
  in.lookups["opportunity_source_id"] = opportunity_source_id;
  if (!summary.empty()) in.summary = summary;
  const int64_t id =
      InsertLeadRow(c, actor, contact_id, status_id, std::nullopt, in, opportunity_id);
  if (auto st = RecordLeadEvent(c, actor, trigger::kLeadCreated, id); !st)
    throw sql::DbError(sql::DbError::Kind::kOther, st.error().message);  // the lead just written
  return id;
}

Result<json::value> CreateLead(sql::Connection& c, const Actor& actor, const json::object& body) {
  FieldReader f(body);
  const json::object* contact = f.Object("contact");
  if (!contact && f.ok()) f.Fail("contact", "is required");
  std::optional<int64_t> contact_id;
  json::object contact_data;
  if (contact) {
    FieldReader cf(*contact, "contact");
    contact_id = cf.Int("id");
    if (contact_id) {
      if (!ContactExists(c, actor.org_id, *contact_id)) cf.Fail("id", "no such contact");
    } else {
      ReadContactFields(cf, contact_data, true);
    }
    f.errors().merge(cf.errors());
  }
  std::optional<int64_t> status_id, substatus_id;
  const bool status_given = f.Has("status");
  (void)ReadStatus(c, actor.org_id, f, false, status_id, substatus_id);
  if (!status_given) status_id = FindLookup(c, actor.org_id, lookup_kind::kStatus, "New");
  if (!status_id && f.ok())
    f.Fail("status", status_given ? "must name one of the organization's statuses"
                                  : "is required (the organization has no \"New\" status)");
  LeadInput in = ReadLeadInput(c, actor.org_id, f, body);
  LW_CHECK(f.Check());

  const bool contact_is_new = !contact_id;
  if (contact_is_new) contact_id = InsertContact(c, actor, contact_data);
  const int64_t id = InsertLeadRow(c, actor, *contact_id, *status_id, substatus_id, in);
  auto now = LoadLeadRecord(c, actor.org_id, id);
  if (!now) return Fail(Error::NotFound(NotFound(id)));
  json::value lead = Render(c, actor.org_id, *now, contact_is_new);
  return RecordLeadEvent(c, actor, trigger::kLeadCreated, id, std::move(now), std::move(lead));
}

Result<json::value> EditLead(sql::Connection& c, const Actor& actor, int64_t id,
                             const json::object& body) {
  auto lead = LoadLeadRecord(c, actor.org_id, id);
  if (!lead) return Fail(Error::NotFound(NotFound(id)));
  FieldReader f(body);
  for (const char* key : {"status", "substatus"})
    if (body.contains(key)) f.Fail(key, "is changed with POST /api/leads/{id}/status");
  if (body.contains("code") || body.contains("id"))
    f.Fail(body.contains("id") ? "id" : "code", "cannot be changed");
  LeadInput in = ReadLeadInput(c, actor.org_id, f, body);
  const json::object* contact = f.Object("contact");
  LW_CHECK(f.Check());
  const json::value before = Render(c, actor.org_id, *lead);
  if (contact) {
    auto changed = UpdateContactData(c, actor, lead->contact_id, *contact, "contact");
    if (!changed) return Fail(changed.error());
  }
  ApplyLeadInput(c, id, in, actor.now_ms);
  auto now = LoadLeadRecord(c, actor.org_id, id);
  json::value after = Render(c, actor.org_id, *now);
  auto without_times = [](json::value v) {
    v.as_object().erase("updated_at");
    if (auto* contact = v.as_object()["contact"].if_object()) contact->erase("updated_at");
    return v;
  };
  if (without_times(after) == without_times(before)) {
    // Nothing changed: keep the old updated_at and fire nothing.
    RestoreLeadUpdatedAt(c, id, lead->updated_at);
    return before;
  }
  return RecordLeadEvent(c, actor, trigger::kLeadEdited, id, std::move(now), std::move(after));
}

Result<json::value> ChangeLeadStatus(sql::Connection& c, const Actor& actor, int64_t id,
                                     const json::object& body) {
  auto lead = LoadLeadRecord(c, actor.org_id, id);
  if (!lead) return Fail(Error::NotFound(NotFound(id)));
  FieldReader f(body);
  std::optional<int64_t> status_id, substatus_id;
  LW_CHECK(ReadStatus(c, actor.org_id, f, true, status_id, substatus_id));
  if (lead->facts.status_id == status_id && lead->facts.substatus_id == substatus_id)
    return Render(c, actor.org_id, *lead);
  SetLeadStatus(c, id, *status_id, substatus_id, actor.now_ms);
  return RecordLeadEvent(c, actor, trigger::kLeadStatusChanged, id);
}

Result<json::value> GetLead(sql::Connection& c, int64_t org_id, int64_t id) {
  auto lead = LoadLeadRecord(c, org_id, id);
  if (!lead) return Fail(Error::NotFound(NotFound(id)));
  return Render(c, org_id, *lead);
}

Result<json::value> ListLeads(sql::Connection& c, int64_t org_id, const std::string& status,
                              const std::string& q, int64_t limit, int64_t offset) {
  std::string filter;
  std::vector<sql::Value> params;
  if (!Trim(status).empty()) {
    auto status_id = FindLookup(c, org_id, lookup_kind::kStatus, Trim(status));
    if (!status_id) return Fail(Error::Field("status", "unknown status \"" + status + "\""));
    filter += " AND l.status_id = ?";
    params.emplace_back(*status_id);
  }
  if (!Trim(q).empty()) {
    filter += std::string(" AND (ct.search_text LIKE ?") + sql::kLikeEscape +
              " OR lower(l.code) LIKE ?" + sql::kLikeEscape +
              " OR lower(COALESCE(l.summary, '')) LIKE ?" + sql::kLikeEscape + ")";
    const std::string pattern = sql::LikeContaining(Lower(Trim(q)));
    params.insert(params.end(), {pattern, pattern, pattern});
  }
  const int64_t total = CountLeads(c, org_id, filter, params);
  const auto leads = LoadLeadPage(c, org_id, filter, params, limit, offset);
  // The page's contacts in one go, not one lookup per lead.
  std::vector<int64_t> contact_ids;
  for (const auto& lead : leads) contact_ids.push_back(lead.contact_id);
  auto contacts = GetContacts(c, org_id, contact_ids);
  json::array records;
  for (const auto& lead : leads) {
    auto contact = contacts.find(lead.contact_id);
    records.push_back(
        LeadJson(lead, contact == contacts.end() ? json::value(nullptr) : contact->second));
  }
  return json::object{{"records", std::move(records)}, {"total", total}};
}

}  // namespace lw
