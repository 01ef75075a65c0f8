#include "domain/leads.h"

#include <boost/json.hpp>

#include "common/json_fields.h"
#include "common/time_format.h"
#include "domain/contacts.h"
#include "domain/events.h"
#include "domain/lookups.h"
#include "domain/users.h"
#include "webhooks/triggers.h"

namespace lw {

namespace json = boost::json;

const std::vector<LeadTextField>& LeadTextFields() {
  static const std::vector<LeadTextField> kFields = {
      {"severity_level", "LeadSeverityLevel"},
      {"injury_information", "LeadInjuryInformation"},
      {"marketing_source_details", "LeadMarketingSourceDetails"},
      {"contact_source", "LeadContactSource"},
      {"referring_url", "ReferringUrl"},
      {"current_url", "CurrentUrl"},
      {"utm", "UTM"},
      {"client_id", "ClientId"},
      {"click_id", "ClickId"},
      {"keywords", "Keywords"},
      {"campaign", "Campaign"},
      {"incident_date", "LeadIncidentDate"},
      {"intake_name", "LeadIntakeName"},
      {"intake_email", "LeadIntakeEmail"},
  };
  return kFields;
}

namespace {

// The lookup-valued lead fields and the lead column each sets.
struct LookupField {
  const char* key;
  const char* kind;
  const char* column;
};
constexpr LookupField kLookupFields[] = {
    {"case_type", lookup_kind::kCaseType, "case_type_id"},
    {"office", lookup_kind::kOffice, "office_id"},
    {"marketing_source", lookup_kind::kMarketingSource, "marketing_source_id"},
    {"opportunity_source", lookup_kind::kOpportunitySource, "opportunity_source_id"},
};

// A lead with the names of its lookups and its creator, in one query:
// columns 0–16 are the lead's own, 17–22 the lookup names (status, substatus,
// then kLookupFields' order), 23–24 the creator's name and email.
constexpr const char* kLeadSelect =
    "SELECT lead.id, lead.contact_id, lead.code, lead.status_id, lead.substatus_id, "
    "lead.case_type_id, lead.office_id, lead.marketing_source_id, lead.opportunity_source_id, "
    "lead.case_tracker_code, lead.summary, lead.data, lead.custom_fields, lead.created_at, "
    "lead.created_by, lead.updated_at, lead.last_status_change_at, s.name, ss.name, ct.name, "
    "o.name, ms.name, os.name, u.name, u.email FROM leads lead "
    "LEFT JOIN lookups s ON s.id = lead.status_id "
    "LEFT JOIN lookups ss ON ss.id = lead.substatus_id "
    "LEFT JOIN lookups ct ON ct.id = lead.case_type_id "
    "LEFT JOIN lookups o ON o.id = lead.office_id "
    "LEFT JOIN lookups ms ON ms.id = lead.marketing_source_id "
    "LEFT JOIN lookups os ON os.id = lead.opportunity_source_id "
    "LEFT JOIN users u ON u.id = lead.created_by ";

std::string NotFound(int64_t id) { return "No lead has id " + std::to_string(id) + "."; }

// The fields a create or edit may set, read and validated.
struct LeadInput {
  std::map<std::string, std::optional<int64_t>> lookups;  // column -> id (nullopt clears)
  std::map<std::string, json::value> text;                // data key -> string or null
  std::optional<std::optional<std::string>> case_tracker_code, summary;
  std::optional<json::object> custom_fields;
};

void ReadCustomFields(FieldReader& f, LeadInput& in) {
  const json::object* custom = f.Object("custom_fields");
  if (!custom) return;
  json::object out;
  for (const auto& [label, value] : *custom) {
    const std::string path = "custom_fields." + std::string(label);
    if (Trim(label).empty() || Utf8Length(label) > 100)
      f.Fail("custom_fields", "labels must be 1 to 100 characters");
    else if (value.is_object() || value.is_array())
      f.Fail(path, "must be text, a number, true/false or null");
    else if (value.is_string() && Utf8Length(value.get_string()) > 10000)
      f.Fail(path, "must be at most 10000 characters");
    else
      out[label] = value;
  }
  in.custom_fields = std::move(out);
}

LeadInput ReadLeadInput(sql::Connection& c, int64_t org_id, FieldReader& f,
                        const json::object& body) {
  LeadInput in;
  for (const auto& lf : kLookupFields) {
    auto it = body.find(lf.key);
    if (it == body.end()) continue;
    auto name = f.String(lf.key, 200);
    if (!name) {
      if (it->value().is_null() || it->value() == "") in.lookups[lf.column] = std::nullopt;
      continue;
    }
    auto id = FindLookup(c, org_id, lf.kind, *name);
    if (!id)
      f.Fail(lf.key, "unknown " + std::string(lf.key) + " \"" + *name + "\"");
    else
      in.lookups[lf.column] = *id;
  }
  for (const auto& tf : LeadTextFields()) {
    if (!body.contains(tf.key)) continue;
    auto text = f.String(tf.key, 2000);
    in.text[tf.key] = text ? json::value(*text) : json::value(nullptr);
  }
  if (body.contains("incident_date") && in.text["incident_date"].is_string() &&
      !ParseIso(in.text["incident_date"].get_string()))
    f.Fail("incident_date", "must be an ISO-8601 date");
  if (body.contains("case_tracker_code")) in.case_tracker_code = f.String("case_tracker_code", 200);
  if (body.contains("summary")) in.summary = f.String("summary", 10000);
  ReadCustomFields(f, in);
  return in;
}

// Resolves {"status","substatus"} names; substatus must be the status's.
Status ReadStatus(sql::Connection& c, int64_t org_id, FieldReader& f, bool required,
                  std::optional<int64_t>& status_id, std::optional<int64_t>& substatus_id) {
  auto status = f.String("status", 200);
  auto substatus = f.String("substatus", 200);
  if (status) {
    status_id = FindLookup(c, org_id, lookup_kind::kStatus, *status);
    if (!status_id) f.Fail("status", "unknown status \"" + *status + "\"");
  } else if (required && f.ok()) {
    f.Fail("status", "is required");
  }
  if (substatus && status_id) {
    substatus_id = FindLookup(c, org_id, lookup_kind::kSubstatus, *substatus, *status_id);
    if (!substatus_id)
      f.Fail("substatus", "\"" + *substatus + "\" is not a substatus of \"" + *status + "\"");
  } else if (substatus && !status && f.ok()) {
    f.Fail("substatus", "needs a status");
  }
  return f.Check();
}

json::value LeadJson(sql::Connection& c, int64_t org_id, const sql::Row& r) {
  auto opt_text = [&](size_t i) {
    return r.IsNull(i) ? json::value(nullptr) : json::value(r.Text(i));
  };
  json::object out{{"id", r.Int(0)}, {"code", r.Text(2)}};
  auto contact = GetContact(c, org_id, r.Int(1));
  out["contact"] = contact ? *contact : json::value(nullptr);
  out["status"] = opt_text(17);
  out["substatus"] = opt_text(18);
  for (size_t i = 0; i < std::size(kLookupFields); ++i)
    out[kLookupFields[i].key] = opt_text(19 + i);
  out["case_tracker_code"] = opt_text(9);
  out["summary"] = opt_text(10);
  const json::object data = json::parse(r.Text(11)).as_object();
  for (const auto& tf : LeadTextFields()) {
    auto it = data.find(tf.key);
    out[tf.key] = it == data.end() ? json::value(nullptr) : it->value();
  }
  out["custom_fields"] = json::parse(r.Text(12));
  out["created_at"] = FormatIsoMs(r.Int(13));
  out["created_by"] =
      r.IsNull(23) ? json::value(nullptr)
                   : json::object{{"id", r.Int(14)}, {"name", r.Text(23)}, {"email", r.Text(24)}};
  out["updated_at"] = FormatIsoMs(r.Int(15));
  out["last_status_change_at"] = FormatIsoMs(r.Int(16));
  return out;
}

std::optional<sql::Row> LoadLead(sql::Connection& c, int64_t org_id, int64_t id) {
  return c.QueryOne(std::string(kLeadSelect) + "WHERE lead.id = ? AND lead.org_id = ?",
                    {id, org_id});
}

std::string LeadCode(int64_t id) {
  std::string digits = std::to_string(id);
  if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
  return "L" + digits;
}

void ApplyLeadInput(sql::Connection& c, int64_t lead_id, const LeadInput& in, int64_t now_ms) {
  auto row = c.QueryOne("SELECT data, custom_fields FROM leads WHERE id = ?", {lead_id});
  json::object data = json::parse(row->Text(0)).as_object();
  for (const auto& [key, value] : in.text) {
    if (value.is_null())
      data.erase(key);
    else
      data[key] = value;
  }
  json::object custom = json::parse(row->Text(1)).as_object();
  if (in.custom_fields)
    for (const auto& [label, value] : *in.custom_fields) custom[label] = value;
  // One UPDATE with every column the input sets.
  std::string sql = "UPDATE leads SET data = ?, custom_fields = ?, updated_at = ?";
  std::vector<sql::Value> params{json::serialize(data), json::serialize(custom), now_ms};
  for (const auto& [column, id] : in.lookups) {
    sql += ", " + column + " = ?";
    params.push_back(sql::Opt(id));
  }
  if (in.case_tracker_code) {
    sql += ", case_tracker_code = ?";
    params.push_back(sql::Opt(*in.case_tracker_code));
  }
  if (in.summary) {
    sql += ", summary = ?";
    params.push_back(sql::Opt(*in.summary));
  }
  params.emplace_back(lead_id);
  c.Query(sql + " WHERE id = ?", params);
}

}  // namespace

namespace {

// Inserts the lead row with its code; the caller applies the other fields and
// records the event.
int64_t InsertLeadRow(sql::Connection& c, const Actor& actor, int64_t contact_id, int64_t status_id,
                      std::optional<int64_t> substatus_id) {
  const int64_t id = c.InsertId(
      "INSERT INTO leads (org_id, contact_id, code, status_id, substatus_id, data, custom_fields, "
      "created_at, created_by, updated_at, last_status_change_at) "
      "VALUES (?, ?, '', ?, ?, '{}', '{}', ?, ?, ?, ?) RETURNING id",
      {actor.org_id, contact_id, status_id, sql::Opt(substatus_id), actor.now_ms, actor.user_id,
       actor.now_ms, actor.now_ms});
  c.Exec("UPDATE leads SET code = ? WHERE id = ?", {LeadCode(id), id});
  return id;
}

// Records a lead trigger with the lead as it is now, rendered once for both
// the payload and the caller's answer.
Result<json::value> RecordLeadEvent(sql::Connection& c, const Actor& actor, int trigger_id,
                                    int64_t lead_id, int64_t contact_id,
                                    std::optional<json::value> lead = std::nullopt) {
  if (!lead) {
    auto now = GetLead(c, actor.org_id, lead_id);
    if (!now) return now;
    lead = std::move(*now);
  }
  RecordEvent(c, actor, trigger_id,
              {.lead_id = lead_id,
               .contact_id = contact_id,
               .subject_id = lead_id,
               .lead_json = &lead->as_object()});
  return std::move(*lead);
}

}  // namespace

int64_t InsertLead(sql::Connection& c, const Actor& actor, int64_t contact_id, int64_t status_id,
                   std::optional<int64_t> marketing_source_id,
                   std::optional<int64_t> opportunity_source_id, const std::string& summary) {
  const int64_t id = InsertLeadRow(c, actor, contact_id, status_id, std::nullopt);
  LeadInput in;
  in.lookups["marketing_source_id"] = marketing_source_id;
  in.lookups["opportunity_source_id"] = opportunity_source_id;
  if (!summary.empty()) in.summary = summary;
  ApplyLeadInput(c, id, in, actor.now_ms);
  if (auto st = RecordLeadEvent(c, actor, trigger::kLeadCreated, id, contact_id); !st)
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
    f.Fail("status", "is required (the organization has no \"New\" status)");
  LeadInput in = ReadLeadInput(c, actor.org_id, f, body);
  LW_CHECK(f.Check());

  if (!contact_id) contact_id = InsertContact(c, actor, contact_data);
  const int64_t id = InsertLeadRow(c, actor, *contact_id, *status_id, substatus_id);
  ApplyLeadInput(c, id, in, actor.now_ms);
  return RecordLeadEvent(c, actor, trigger::kLeadCreated, id, *contact_id);
}

Result<json::value> EditLead(sql::Connection& c, const Actor& actor, int64_t id,
                             const json::object& body) {
  auto row = LoadLead(c, actor.org_id, id);
  if (!row) return Fail(Error::NotFound(NotFound(id)));
  FieldReader f(body);
  for (const char* key : {"status", "substatus"})
    if (body.contains(key)) f.Fail(key, "is changed with POST /api/leads/{id}/status");
  if (body.contains("code") || body.contains("id"))
    f.Fail(body.contains("id") ? "id" : "code", "cannot be changed");
  LeadInput in = ReadLeadInput(c, actor.org_id, f, body);
  const json::object* contact = f.Object("contact");
  LW_CHECK(f.Check());
  const json::value before = LeadJson(c, actor.org_id, *row);
  if (contact) {
    auto changed = UpdateContactData(c, actor, row->Int(1), *contact, "contact");
    if (!changed) return Fail(changed.error());
  }
  ApplyLeadInput(c, id, in, actor.now_ms);
  json::value after = LeadJson(c, actor.org_id, *LoadLead(c, actor.org_id, id));
  auto without_times = [](json::value v) {
    v.as_object().erase("updated_at");
    if (auto* contact = v.as_object()["contact"].if_object()) contact->erase("updated_at");
    return v;
  };
  if (without_times(after) == without_times(before)) {
    // Nothing changed: keep the old updated_at and fire nothing.
    c.Exec("UPDATE leads SET updated_at = ? WHERE id = ?", {row->Int(15), id});
    return before;
  }
  return RecordLeadEvent(c, actor, trigger::kLeadEdited, id, row->Int(1), std::move(after));
}

Result<json::value> ChangeLeadStatus(sql::Connection& c, const Actor& actor, int64_t id,
                                     const json::object& body) {
  auto row = LoadLead(c, actor.org_id, id);
  if (!row) return Fail(Error::NotFound(NotFound(id)));
  FieldReader f(body);
  std::optional<int64_t> status_id, substatus_id;
  LW_CHECK(ReadStatus(c, actor.org_id, f, true, status_id, substatus_id));
  if (row->OptInt(3) == status_id && row->OptInt(4) == substatus_id)
    return LeadJson(c, actor.org_id, *row);
  c.Exec(
      "UPDATE leads SET status_id = ?, substatus_id = ?, last_status_change_at = ?, updated_at = ? "
      "WHERE id = ?",
      {*status_id, sql::Opt(substatus_id), actor.now_ms, actor.now_ms, id});
  return RecordLeadEvent(c, actor, trigger::kLeadStatusChanged, id, row->Int(1));
}

Result<json::value> AddNote(sql::Connection& c, const Actor& actor, int64_t lead_id,
                            const json::object& body) {
  auto row = LoadLead(c, actor.org_id, lead_id);
  if (!row) return Fail(Error::NotFound(NotFound(lead_id)));
  FieldReader f(body);
  const std::string note = f.RequiredString("note", 20000);
  const auto summary = f.String("summary", 1000);
  LW_CHECK(f.Check());
  const int64_t id = c.InsertId(
      "INSERT INTO notes (org_id, lead_id, note, summary, created_at, created_by) "
      "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
      {actor.org_id, lead_id, note, sql::Opt(summary), actor.now_ms, actor.user_id});
  RecordEvent(c, actor, trigger::kNoteAdded,
              {.lead_id = lead_id, .contact_id = row->Int(1), .subject_id = id});
  return json::object{{"id", id},
                      {"lead_id", lead_id},
                      {"note", note},
                      {"summary", summary ? json::value(*summary) : json::value(nullptr)},
                      {"created_at", FormatIsoMs(actor.now_ms)},
                      {"created_by", actor.user_name}};
}

Result<json::value> GetLead(sql::Connection& c, int64_t org_id, int64_t id) {
  auto row = LoadLead(c, org_id, id);
  if (!row) return Fail(Error::NotFound(NotFound(id)));
  return LeadJson(c, org_id, *row);
}

Result<json::value> ListLeads(sql::Connection& c, int64_t org_id, const std::string& status,
                              const std::string& q, int64_t limit, int64_t offset) {
  std::string where = " FROM leads l JOIN contacts ct ON ct.id = l.contact_id WHERE l.org_id = ?";
  std::vector<sql::Value> params{org_id};
  if (!Trim(status).empty()) {
    auto status_id = FindLookup(c, org_id, lookup_kind::kStatus, Trim(status));
    if (!status_id) return Fail(Error::Field("status", "unknown status \"" + status + "\""));
    where += " AND l.status_id = ?";
    params.emplace_back(*status_id);
  }
  if (!Trim(q).empty()) {
    where +=
        " AND (ct.search_text LIKE ? OR lower(l.code) LIKE ? OR lower(COALESCE(l.summary, '')) "
        "LIKE ?)";
    const std::string pattern = "%" + Lower(Trim(q)) + "%";
    params.insert(params.end(), {pattern, pattern, pattern});
  }
  const int64_t total = c.Query("SELECT COUNT(*)" + where, params).front().Int(0);
  params.insert(params.end(), {limit, offset});
  json::array records;
  const std::string page = std::string(kLeadSelect) + "WHERE lead.id IN (SELECT l.id" + where +
                           " ORDER BY l.id DESC LIMIT ? OFFSET ?) ORDER BY lead.id DESC";
  for (const auto& r : c.Query(page, params)) records.push_back(LeadJson(c, org_id, r));
  return json::object{{"records", std::move(records)}, {"total", total}};
}

json::value ListNotes(sql::Connection& c, int64_t org_id, int64_t lead_id) {
  json::array records;
  for (const auto& r :
       c.Query("SELECT n.id, n.note, n.summary, n.created_at, u.name FROM notes n "
               "LEFT JOIN users u ON u.id = n.created_by WHERE n.lead_id = ? AND n.org_id = ? "
               "ORDER BY n.id DESC",
               {lead_id, org_id}))
    records.push_back(
        json::object{{"id", r.Int(0)},
                     {"lead_id", lead_id},
                     {"note", r.Text(1)},
                     {"summary", r.IsNull(2) ? json::value(nullptr) : json::value(r.Text(2))},
                     {"created_at", FormatIsoMs(r.Int(3))},
                     {"created_by", r.IsNull(4) ? json::value(nullptr) : json::value(r.Text(4))}});
  const auto n = records.size();
  return json::object{{"records", std::move(records)}, {"total", n}};
}

bool LeadExists(sql::Connection& c, int64_t org_id, int64_t id) {
  return c.QueryOne("SELECT 1 FROM leads WHERE id = ? AND org_id = ?", {id, org_id}).has_value();
}

}  // namespace lw
