#include "webhooks/payload_schema.h"

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "domain/contacts.h"
#include "domain/lead_json.h"
#include "domain/triggers.h"

namespace lw {

namespace json = boost::json;

namespace {

enum class Kind { kText, kInteger, kBoolean, kTime, kFiles };

struct Key {
  std::string name;
  Kind kind;
  std::string description;
};
using Keys = std::vector<Key>;

// ISO-8601 UTC with milliseconds, as every date in a payload is written.
constexpr const char* kTimePattern = R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$)";

json::object Nullable(const char* type) { return {{"type", json::array{type, "null"}}}; }

// A date-time as every payload writes it; `type` says whether null is allowed.
json::object TimeSchema(json::value type) {
  return {{"type", std::move(type)}, {"format", "date-time"}, {"pattern", kTimePattern}};
}

json::object KindSchema(Kind kind) {
  switch (kind) {
    case Kind::kText:
      return Nullable("string");
    case Kind::kInteger:
      return Nullable("integer");
    case Kind::kBoolean:
      return Nullable("boolean");
    case Kind::kTime:
      return TimeSchema(json::array{"string", "null"});
    case Kind::kFiles: {
      json::object file{
          {"type", "object"},
          {"required", json::array{"FileId", "FileName", "Url", "Category", "CreatedDate"}},
          {"properties", json::object{{"FileId", {{"type", "integer"}}},
                                      {"FileName", {{"type", "string"}}},
                                      {"Url", {{"type", "string"}}},
                                      {"Category", Nullable("string")},
                                      {"CreatedDate", TimeSchema("string")}}},
          {"additionalProperties", false}};
      return {{"type", "array"}, {"items", file}};
    }
  }
  return {};
}

Keys Join(std::initializer_list<Keys> parts) {
  Keys out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// "Lead Created" → "lead-created"; "first_name" → "first name" (sep ' ').
std::string Words(std::string_view text, char sep, bool lower) {
  std::string out;
  for (char ch : text)
    out += ch == ' ' || ch == '_' ? sep
           : lower                ? char(std::tolower(static_cast<unsigned char>(ch)))
                                  : ch;
  return out;
}

constexpr const char* kFullName = "The contact's first, middle and last name.";

Keys ContactKeys() {
  Keys keys{{"ContactId", Kind::kInteger, "The contact's id."}};
  for (const auto& f : ContactFields()) {
    const Kind kind = f.type == ContactField::Type::kBool   ? Kind::kBoolean
                      : f.type == ContactField::Type::kDate ? Kind::kTime
                                                            : Kind::kText;
    const std::string words = Words(f.key, ' ', false);
    keys.push_back({f.payload_key, kind,
                    kind == Kind::kBoolean ? "Whether the contact is " + words + "."
                                           : "The contact's " + words + "."});
  }
  keys.push_back({"ContactFullName", Kind::kText, kFullName});
  keys.push_back({"ContactCreatedDate", Kind::kTime, "When the contact was created."});
  keys.push_back({"ContactCreatedBy", Kind::kText, "The name of the user who created it."});
  return keys;
}

Keys LeadKeys() {
  Keys keys{{"LeadId", Kind::kInteger, "The lead's id."},
            {"LeadCode", Kind::kText, "The lead's code in the organization, e.g. L000042."},
            {"LeadCaseType", Kind::kText, "The case type's name."},
            {"LeadCaseTypeCode", Kind::kText, "Always null: case types have no codes here."},
            {"LeadStatus", Kind::kText, "The status's name."},
            {"LeadSubstatus", Kind::kText, "The substatus's name."},
            {"LeadSeverityLevelId", Kind::kInteger, "Always null: severity is free text here."},
            {"LeadSummary", Kind::kText, "The lead's summary."},
            {"OfficeName", Kind::kText, "The office's name."},
            {"LeadMarketingSource", Kind::kText, "The marketing source's name."}};
  for (const auto& f : LeadTextFields()) {
    using K = LeadTextField::Kind;
    const Kind kind = f.kind == K::kDate || f.kind == K::kDay ? Kind::kTime
                      : f.kind == K::kSeconds                 ? Kind::kInteger
                                                              : Kind::kText;
    std::string what = "The lead's " + Words(f.key, ' ', false);
    if (f.kind == K::kSeconds) what += ", in seconds";
    if (f.kind == K::kDay) what += ": its day (midnight UTC)";
    keys.push_back({f.payload_key, kind, what + "."});
  }
  Keys rest{{"LeadCreatedDate", Kind::kTime, "When the lead was created."},
            {"LastStatusChangeDate", Kind::kTime, "When its status last changed."},
            {"LeadIntakeCode", Kind::kText,
             "The code of the user whose email is the intake email, if one is."},
            {"LeadCreatorName", Kind::kText, "The name of the user who created the lead."},
            {"LeadCreatorEmail", Kind::kText, "Their email."},
            {"LeadCreatorCode", Kind::kText, "Their user code, e.g. U000007."},
            {"CaseTrackerCode", Kind::kText, "The lead's case tracker code."},
            {"OpportunitySource", Kind::kText, "The opportunity source's name."},
            {"OpportunityId", Kind::kInteger,
             "The opportunity the lead was converted from; null if none."},
            {"OpportunityName", Kind::kText, "Its name."},
            {"OpportunityCreatedDate", Kind::kTime, "When it was created."},
            {"OpportunityProcessedDate", Kind::kTime, "When it was converted."}};
  keys.insert(keys.end(), rest.begin(), rest.end());
  return keys;
}

const Keys kLeadRef = {{"LeadId", Kind::kInteger, "The lead's id."},
                       {"LeadCode", Kind::kText, "The lead's code."}};

Keys OpportunityKeys() {
  return {{"OpportunityId", Kind::kInteger, "The opportunity's id."},
          {"OpportunityName", Kind::kText, "Its name, or first and last name."},
          {"FirstName", Kind::kText, "First name."},
          {"LastName", Kind::kText, "Last name."},
          {"MobilePhone", Kind::kText, "Mobile phone."},
          {"Email", Kind::kText, "Email."},
          {"MarketingSource", Kind::kText, "The marketing source's name."},
          {"OpportunitySource", Kind::kText, "The opportunity source's name."},
          {"Summary", Kind::kText, "Summary."},
          {"OpportunityCreatedDate", Kind::kTime, "When it was created."}};
}

// The keys of a trigger's payload after EventType, EventTypeId and EventByUser.
Keys TriggerKeys(int trigger_id) {
  const Keys message = {{"ContactFullName", Kind::kText, kFullName},
                        {"From", Kind::kText, "Sender."},
                        {"To", Kind::kText, "Recipient."},
                        {"Subject", Kind::kText, "Subject (emails)."},
                        {"Body", Kind::kText, "The message."},
                        {"ReceivedDate", Kind::kTime, "When it was received."}};
  switch (trigger_id) {
    case trigger::kLeadCreated:
    case trigger::kLeadEdited:
      return Join({ContactKeys(), LeadKeys()});
    case trigger::kLeadStatusChanged:
      return Join({ContactKeys(),
                   LeadKeys(),
                   {{"LeadIncidentDateWithTime", Kind::kTime, "The incident's date and time."},
                    {"Files", Kind::kFiles, "The lead's files, oldest first."}}});
    case trigger::kNoteAdded:
      return Join({ContactKeys(),
                   kLeadRef,
                   {{"LeadStatus", Kind::kText, "The lead's status."},
                    {"NoteSummary", Kind::kText, "The note's summary."},
                    {"Note", Kind::kText, "The note."},
                    {"NoteEventType", Kind::kText, "What kind of note: Note, Phone Call, …"},
                    {"NoteCreatedBy", Kind::kText, "The name of the user who wrote it."},
                    {"NoteCreatedDate", Kind::kTime, "When it was written."}}});
    case trigger::kContactAdded:
    case trigger::kContactEdited:
      return ContactKeys();
    case trigger::kTagAddedToContact:
      return Join({ContactKeys(), {{"Tag", Kind::kText, "The tag added."}}});
    case trigger::kOpportunityCreated:
      return OpportunityKeys();
    case trigger::kOpportunityConverted:
      return Join({OpportunityKeys(), {{"LeadId", Kind::kInteger, "The lead it became."}}});
    case trigger::kOpportunityDisregarded:
      return Join(
          {OpportunityKeys(), {{"DisregardReason", Kind::kText, "Why it was disregarded."}}});
    case trigger::kTextReceived:
    case trigger::kEmailReceived:
      return Join({kLeadRef, message});
    case trigger::kFileUploaded:
      return Join({kLeadRef,
                   {{"ContactFullName", Kind::kText, kFullName},
                    {"FileName", Kind::kText, "The file's name."},
                    {"Url", Kind::kText, "Where the file is."},
                    {"Category", Kind::kText, "Its category."},
                    {"UploadedDate", Kind::kTime, "When it was uploaded."}}});
    case trigger::kLeadSentToExternal:
      return Join({kLeadRef, {{"System", Kind::kText, "The system it was sent to."}}});
    case trigger::kDataSyncCompleted:
      return {{"ReportName", Kind::kText, "The report's name."},
              {"FileName", Kind::kText, "The file produced."},
              {"CompletedDate", Kind::kTime, "When the sync completed."}};
    case trigger::kWebhookRuleDisabled:
      return {{"RuleId", Kind::kInteger, "The webhook rule Leadwire disabled."},
              {"RuleTitle", Kind::kText, "Its title."},
              {"RuleUrl", Kind::kText, "Its URL."},
              {"Reason", Kind::kText, "Why: 410 Gone, or 5 days of failures."},
              {"DisabledDate", Kind::kTime, "When it was disabled."}};
  }
  return {};
}

}  // namespace

std::set<std::string> PayloadKeys(int trigger_id) {
  std::set<std::string> keys{"EventType", "EventTypeId", "EventByUser"};
  for (const Key& k : TriggerKeys(trigger_id)) keys.insert(k.name);
  return keys;
}

bool PayloadHasCustomFields(int trigger_id) {
  return trigger_id == trigger::kLeadCreated || trigger_id == trigger::kLeadEdited ||
         trigger_id == trigger::kLeadStatusChanged;
}

json::object PayloadSchema(int trigger_id) {
  const Trigger* t = FindTrigger(trigger_id);
  json::object properties{
      {"EventType", {{"const", t->name}, {"description", "The trigger's name."}}},
      {"EventTypeId", {{"const", t->id}, {"description", "The trigger's id."}}},
      {"EventByUser", KindSchema(Kind::kText)}};
  properties["EventByUser"].as_object()["description"] = "The name of the user who acted.";
  json::array required{"EventType", "EventTypeId", "EventByUser"};
  for (const Key& k : TriggerKeys(trigger_id)) {
    json::object s = KindSchema(k.kind);
    s["description"] = k.description;
    properties[k.name] = std::move(s);
    required.push_back(json::string(k.name));
  }
  // The lead triggers carry the organization's custom fields as keys of their own.
  json::value extra = false;
  if (PayloadHasCustomFields(trigger_id))
    extra =
        json::object{{"type", json::array{"string", "number", "boolean", "null"}},
                     {"description", "A custom field of the organization, named by its label."}};
  return {{"$schema", "https://json-schema.org/draft/2020-12/schema"},
          {"$id", "urn:leadwire:webhook-payload:" + Words(t->name, '-', true)},
          {"title", std::string(t->name) + " webhook payload"},
          {"description", "The JSON body Leadwire POSTs for a " + std::string(t->name) +
                              " event: every key is present (null when unknown); dates are "
                              "ISO-8601 UTC with milliseconds."},
          {"type", "object"},
          {"required", std::move(required)},
          {"properties", std::move(properties)},
          {"additionalProperties", std::move(extra)}};
}

}  // namespace lw
