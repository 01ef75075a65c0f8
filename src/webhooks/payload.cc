#include "webhooks/payload.h"

#include <boost/json.hpp>

#include "common/time_format.h"
#include "domain/contacts.h"
#include "domain/lead_json.h"
#include "domain/triggers.h"

namespace lw {

namespace json = boost::json;

namespace {

const json::value kNull = nullptr;

const json::value& Get(const json::object* o, const char* key) {
  if (!o) return kNull;
  auto it = o->find(key);
  return it == o->end() ? kNull : it->value();
}

// A date the API keeps as "YYYY-MM-DD" (or any ISO form) as ISO-8601 UTC with ms.
json::value AsIsoDate(const json::value& v) {
  if (!v.is_string()) return v;
  auto ms = ParseIso(v.get_string());
  return ms ? json::value(FormatIsoMs(*ms)) : v;
}

// The same, only its day (midnight UTC): LeadIncidentDate beside
// LeadIncidentDateWithTime.
json::value AsIsoDay(const json::value& v) {
  constexpr int64_t kDayMs = 24LL * 3600 * 1000;
  if (!v.is_string()) return v;
  auto ms = ParseIso(v.get_string());
  return ms ? json::value(FormatIsoMs(*ms - ((*ms % kDayMs) + kDayMs) % kDayMs)) : v;
}

const json::value& UserField(const json::object* record, const char* key) {
  const json::value& user = Get(record, "created_by");
  return user.is_object() ? Get(&user.get_object(), key) : kNull;
}

// Copies record fields to payload keys: {payload key, record key}.
void Copy(json::object& p, const json::object* record,
          std::initializer_list<std::pair<const char*, const char*>> keys) {
  for (const auto& [to, from] : keys) p[to] = Get(record, from);
}

void AddContact(json::object& p, const json::object* contact) {
  p["ContactId"] = Get(contact, "id");
  for (const auto& field : ContactFields()) {
    const json::value& v = Get(contact, field.key);
    p[field.payload_key] = field.type == ContactField::Type::kDate ? AsIsoDate(v) : v;
  }
  p["ContactFullName"] = Get(contact, "full_name");
  p["ContactCreatedDate"] = Get(contact, "created_at");
  p["ContactCreatedBy"] = UserField(contact, "name");
}

void AddLead(json::object& p, const json::object* lead) {
  p["LeadId"] = Get(lead, "id");
  p["LeadCode"] = Get(lead, "code");
  p["LeadCaseType"] = Get(lead, "case_type");
  p["LeadCaseTypeCode"] = nullptr;  // case types have no codes in Leadwire
  p["LeadStatus"] = Get(lead, "status");
  p["LeadSubstatus"] = Get(lead, "substatus");
  p["LeadSeverityLevelId"] = nullptr;  // severity is free text here
  p["LeadSummary"] = Get(lead, "summary");
  p["OfficeName"] = Get(lead, "office");
  p["LeadMarketingSource"] = Get(lead, "marketing_source");
  for (const auto& field : LeadTextFields()) {
    const json::value& v = Get(lead, field.key);
    // A kDay field (the incident date) is its day only; Lead Status Changed
    // adds the time as given (LeadIncidentDateWithTime).
    p[field.payload_key] = field.kind == LeadTextField::Kind::kDate  ? AsIsoDate(v)
                           : field.kind == LeadTextField::Kind::kDay ? AsIsoDay(v)
                                                                     : v;
  }
  p["LeadCreatedDate"] = Get(lead, "created_at");
  p["LastStatusChangeDate"] = Get(lead, "last_status_change_at");
  p["LeadIntakeCode"] = Get(lead, "intake_code");
  p["LeadCreatorName"] = UserField(lead, "name");
  p["LeadCreatorEmail"] = UserField(lead, "email");
  p["LeadCreatorCode"] = UserField(lead, "code");
  p["CaseTrackerCode"] = Get(lead, "case_tracker_code");
  p["OpportunitySource"] = Get(lead, "opportunity_source");
  // The opportunity the lead was converted from; null for any other lead.
  const json::value& from = Get(lead, "opportunity");
  const json::object* o = from.is_object() ? &from.get_object() : nullptr;
  Copy(p, o,
       {{"OpportunityId", "id"},
        {"OpportunityName", "name"},
        {"OpportunityCreatedDate", "created_at"},
        {"OpportunityProcessedDate", "processed_at"}});
}

// Lead Status Changed only: the incident's time as given, and the lead's files.
void AddStatusChangeExtras(json::object& p, const json::object* lead, const json::array* files) {
  p["LeadIncidentDateWithTime"] = AsIsoDate(Get(lead, "incident_date"));
  json::array out;
  if (files)
    for (const auto& f : *files) {
      const json::object* file = f.if_object();
      json::object entry;
      Copy(entry, file,
           {{"FileId", "id"},
            {"FileName", "file_name"},
            {"Url", "url"},
            {"Category", "category"},
            {"CreatedDate", "created_at"}});
      out.push_back(std::move(entry));
    }
  p["Files"] = std::move(out);
}

// Custom fields become top-level keys named by their label; a label that
// equals a standard key does not overwrite it.
void AddCustomFields(json::object& p, const json::object* lead) {
  const json::value& custom = Get(lead, "custom_fields");
  if (!custom.is_object()) return;
  for (const auto& [label, value] : custom.get_object())
    if (!p.contains(label)) p[label] = value;
}

void AddLeadRef(json::object& p, const json::object* lead) {
  p["LeadId"] = Get(lead, "id");
  p["LeadCode"] = Get(lead, "code");
}

void AddOpportunity(json::object& p, const json::object* o) {
  p["OpportunityId"] = Get(o, "id");
  p["OpportunityName"] = Get(o, "name");
  p["FirstName"] = Get(o, "first_name");
  p["LastName"] = Get(o, "last_name");
  p["MobilePhone"] = Get(o, "mobile_phone");
  p["Email"] = Get(o, "email");
  p["MarketingSource"] = Get(o, "marketing_source");
  p["OpportunitySource"] = Get(o, "opportunity_source");
  p["Summary"] = Get(o, "summary");
  p["OpportunityCreatedDate"] = Get(o, "created_at");
}

const json::object* ContactOf(const PayloadRecords& r) {
  if (r.contact) return r.contact;
  const json::value& c = Get(r.lead, "contact");
  return c.is_object() ? &c.get_object() : nullptr;
}

}  // namespace

json::object BuildPayload(int trigger_id, const std::string& by_user, const PayloadRecords& r) {
  const Trigger* t = FindTrigger(trigger_id);
  json::object p;
  p["EventType"] = t ? t->name : "";
  p["EventTypeId"] = trigger_id;
  p["EventByUser"] = by_user.empty() ? json::value(nullptr) : json::value(by_user);
  const json::object* a = r.activity;
  switch (trigger_id) {
    case trigger::kLeadCreated:
    case trigger::kLeadEdited:
    case trigger::kLeadStatusChanged:
      AddContact(p, ContactOf(r));
      AddLead(p, r.lead);
      if (trigger_id == trigger::kLeadStatusChanged) AddStatusChangeExtras(p, r.lead, r.files);
      AddCustomFields(p, r.lead);
      break;
    case trigger::kNoteAdded:
      AddContact(p, ContactOf(r));
      AddLeadRef(p, r.lead);
      p["LeadStatus"] = Get(r.lead, "status");
      p["NoteSummary"] = Get(r.note, "summary");
      p["Note"] = Get(r.note, "note");
      p["NoteEventType"] = Get(r.note, "event_type");
      p["NoteCreatedBy"] = Get(r.note, "created_by");
      p["NoteCreatedDate"] = Get(r.note, "created_at");
      break;
    case trigger::kContactAdded:
    case trigger::kContactEdited:
      AddContact(p, ContactOf(r));
      break;
    case trigger::kTagAddedToContact:
      AddContact(p, ContactOf(r));
      p["Tag"] = r.tag;
      break;
    case trigger::kOpportunityCreated:
    case trigger::kOpportunityConverted:
    case trigger::kOpportunityDisregarded:
      AddOpportunity(p, r.opportunity);
      if (trigger_id == trigger::kOpportunityConverted) p["LeadId"] = Get(r.opportunity, "lead_id");
      if (trigger_id == trigger::kOpportunityDisregarded)
        p["DisregardReason"] = Get(r.opportunity, "disregard_reason");
      break;
    case trigger::kTextReceived:
    case trigger::kEmailReceived:
      AddLeadRef(p, r.lead);
      p["ContactFullName"] = Get(ContactOf(r), "full_name");
      Copy(p, a,
           {{"From", "from"},
            {"To", "to"},
            {"Subject", "subject"},
            {"Body", "body"},
            {"ReceivedDate", "created_at"}});
      break;
    case trigger::kFileUploaded:
      AddLeadRef(p, r.lead);
      p["ContactFullName"] = Get(ContactOf(r), "full_name");
      Copy(p, a,
           {{"FileName", "file_name"},
            {"Url", "url"},
            {"Category", "category"},
            {"UploadedDate", "created_at"}});
      break;
    case trigger::kLeadSentToExternal:
      AddLeadRef(p, r.lead);
      Copy(p, a, {{"System", "system"}});
      break;
    case trigger::kDataSyncCompleted:
      Copy(p, a,
           {{"ReportName", "report_name"},
            {"FileName", "file_name"},
            {"CompletedDate", "created_at"}});
      break;
    case trigger::kWebhookRuleDisabled:
      Copy(p, r.rule,
           {{"RuleId", "id"},
            {"RuleTitle", "title"},
            {"RuleUrl", "url"},
            {"Reason", "disabled_reason"},
            {"DisabledDate", "disabled_at"}});
      break;
  }
  return p;
}

namespace {

// Loads one record into `slot`, or says which one is missing.
Status Load(std::optional<json::object> found, std::optional<json::object>& slot,
            const json::object*& out, const char* what, int64_t id) {
  if (!found)
    return Fail(Error::NotFound("No " + std::string(what) + " has id " + std::to_string(id) + "."));
  slot = std::move(found);
  out = &*slot;
  return {};
}

}  // namespace

Result<json::object> RenderEventPayload(sql::Connection& c, RecordSource& source, int64_t org_id,
                                        int trigger_id, const EventSubject& s,
                                        const std::string& by_user) {
  std::optional<json::object> lead, contact, note, opportunity, activity, rule;
  std::optional<json::array> files;
  PayloadRecords r;
  if (s.lead_json) {
    r.lead = s.lead_json;
  } else if (s.lead_id) {
    LW_CHECK(Load(source.Lead(c, org_id, *s.lead_id), lead, r.lead, "lead", *s.lead_id));
  } else if (s.contact_id) {
    LW_CHECK(Load(source.Contact(c, org_id, *s.contact_id), contact, r.contact, "contact",
                  *s.contact_id));
  }
  if (trigger_id == trigger::kLeadStatusChanged && s.lead_id) {
    files = source.Files(c, org_id, *s.lead_id);
    r.files = &*files;
  }
  if (s.opportunity_id)
    LW_CHECK(Load(source.Opportunity(c, org_id, *s.opportunity_id), opportunity, r.opportunity,
                  "opportunity", *s.opportunity_id));
  if (s.subject_id) {
    switch (trigger_id) {
      case trigger::kNoteAdded:
        if ((note = source.Note(c, org_id, *s.subject_id))) r.note = &*note;
        break;
      case trigger::kTagAddedToContact:
        if (auto tag = source.Tag(c, org_id, *s.subject_id)) r.tag = std::move(*tag);
        break;
      case trigger::kTextReceived:
      case trigger::kEmailReceived:
      case trigger::kFileUploaded:
      case trigger::kLeadSentToExternal:
      case trigger::kDataSyncCompleted:
        if ((activity = source.Activity(c, org_id, *s.subject_id))) r.activity = &*activity;
        break;
      case trigger::kWebhookRuleDisabled:
        // The rule is the webhooks side's own record: read here, as it is now.
        if (auto row = c.QueryOne(
                "SELECT id, title, url, disabled_reason, updated_at FROM webhook_rules WHERE id = "
                "? AND org_id = ?",
                {*s.subject_id, org_id})) {
          rule = json::object{{"id", row->Int(0)},
                              {"title", row->Text(1)},
                              {"url", row->Text(2)},
                              {"disabled_reason", row->OptText(3) ? json::value(*row->OptText(3))
                                                                  : json::value(nullptr)},
                              {"disabled_at", FormatIsoMs(row->Int(4))}};
          r.rule = &*rule;
        }
        break;
      default:
        break;
    }
  }
  return BuildPayload(trigger_id, by_user, r);
}

json::object SamplePayload(int trigger_id, const std::string& by_user, int64_t now_ms) {
  const std::string now = FormatIsoMs(now_ms);
  const json::value creator = json::object{
      {"id", 0}, {"name", by_user}, {"email", "admin@example.com"}, {"code", "U000000"}};
  json::object contact{{"id", 0},
                       {"first_name", "Sample"},
                       {"last_name", "Client"},
                       {"full_name", "Sample Client"},
                       {"email", "sample.client@example.com"},
                       {"mobile_phone", "+1 555 0100"},
                       {"birthdate", "1985-04-12"},
                       {"created_at", now},
                       {"created_by", creator}};
  json::object lead{
      {"id", 0},
      {"code", "L000000"},
      {"contact", contact},
      {"status", "New"},
      {"case_type", "Auto Accident"},
      {"office", "Main Office"},
      {"marketing_source", "Google Ads"},
      {"opportunity_source", "Web Form"},
      {"summary", "This is a test event from Leadwire."},
      {"case_tracker_code", "TEST-0"},
      {"incident_date", "2025-01-15T14:30:00.000Z"},
      {"intake_name", by_user},
      {"intake_email", "admin@example.com"},
      {"intake_code", "U000000"},
      {"phone_call_recording_url", "https://calls.example.com/recording.mp3"},
      {"phone_call_duration", 192},
      {"phone_call_from_number", "+1 555 0100"},
      {"phone_call_to_number", "+1 555 0199"},
      {"phone_call_date", now},
      {"phone_call_summary", "Caller was rear-ended; asked about a claim."},
      {"phone_call_transcript", "Hello, I was in a car accident…"},
      {"custom_fields", json::object{}},
      {"created_at", now},
      {"last_status_change_at", now},
      {"created_by", creator},
      {"opportunity",
       json::object{
           {"id", 0}, {"name", "Sample Client"}, {"created_at", now}, {"processed_at", now}}}};
  json::object note{{"note", "A sample note."},
                    {"summary", "Sample"},
                    {"event_type", "Note"},
                    {"created_at", now},
                    {"created_by", by_user}};
  json::object opportunity{{"id", 0},
                           {"name", "Sample Client"},
                           {"first_name", "Sample"},
                           {"last_name", "Client"},
                           {"email", "sample.client@example.com"},
                           {"mobile_phone", "+1 555 0100"},
                           {"marketing_source", "Google Ads"},
                           {"opportunity_source", "Web Form"},
                           {"summary", "A sample opportunity."},
                           {"lead_id", 0},
                           {"disregard_reason", "Sample reason"},
                           {"created_at", now}};
  json::object activity{{"from", "+1 555 0100"},
                        {"to", "+1 555 0199"},
                        {"subject", "Sample"},
                        {"body", "A sample message."},
                        {"file_name", "sample.pdf"},
                        {"url", "https://files.example.com/sample.pdf"},
                        {"category", "Sample"},
                        {"system", "Sample System"},
                        {"report_name", "Sample Report"},
                        {"created_at", now}};
  json::array files{json::object{{"id", 0},
                                 {"file_name", "sample.pdf"},
                                 {"url", "https://files.example.com/sample.pdf"},
                                 {"category", "Sample"},
                                 {"created_at", now}}};
  json::object rule{{"id", 0},
                    {"title", "Case management import"},
                    {"url", "https://hooks.example.com/leadwire"},
                    {"disabled_reason", "Disabled automatically: the endpoint answered 410 Gone."},
                    {"disabled_at", now}};
  PayloadRecords r{&lead, nullptr, &note, &opportunity, &activity, "Sample Tag", &files, &rule};
  return BuildPayload(trigger_id, by_user, r);
}

}  // namespace lw
