#include "webhooks/payload.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "domain/triggers.h"

namespace lw {
namespace {

namespace json = boost::json;

// The keys of product spec §5, trigger by trigger: a payload has exactly these
// (custom fields come on top of a lead's), none missing, none extra.
using Keys = std::vector<std::string>;

Keys Join(std::initializer_list<Keys> parts) {
  Keys out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

const Keys kEvent = {"EventType", "EventTypeId", "EventByUser"};
const Keys kContact = {
    "ContactId",        "ContactFirstName",   "ContactMiddleName", "ContactLastName",
    "ContactFullName",  "ContactAddress1",    "ContactAddress2",   "ContactCity",
    "ContactCounty",    "ContactState",       "ContactZip",        "ContactHomePhone",
    "ContactWorkPhone", "ContactMobilePhone", "ContactEmail",      "ContactPreferredContactMethod",
    "ContactBirthdate", "ContactDeceased",    "ContactMinor",      "ContactGender",
    "ContactLanguage",  "ContactCreatedDate", "ContactCreatedBy",  "ContactCode",
    "ContactTimezone",  "ContactNotes"};
const Keys kLead = {"LeadId",
                    "LeadCode",
                    "LeadCaseType",
                    "LeadCaseTypeCode",
                    "LeadStatus",
                    "LeadSubstatus",
                    "LeadSeverityLevel",
                    "LeadSeverityLevelId",
                    "LeadSummary",
                    "LeadInjuryInformation",
                    "OfficeName",
                    "LeadMarketingSource",
                    "LeadMarketingSourceDetails",
                    "LeadContactSource",
                    "ReferringUrl",
                    "CurrentUrl",
                    "UTM",
                    "ClientId",
                    "ClickId",
                    "Keywords",
                    "Campaign",
                    "LeadCreatedDate",
                    "LastStatusChangeDate",
                    "LeadIncidentDate",
                    "LeadIntakeName",
                    "LeadIntakeEmail",
                    "LeadCreatorName",
                    "LeadCreatorEmail",
                    "CaseTrackerCode",
                    "OpportunitySource",
                    "LeadIntakeCode",
                    "LeadCreatorCode",
                    "PhoneCallRecordingURL",
                    "PhoneCallDuration",
                    "PhoneCallFromNumber",
                    "PhoneCallToNumber",
                    "PhoneCallDate",
                    "PhoneCallSummary",
                    "PhoneCallTranscript",
                    "OpportunityId",
                    "OpportunityName",
                    "OpportunityCreatedDate",
                    "OpportunityProcessedDate"};
const Keys kOpportunity = {
    "OpportunityId", "OpportunityName", "FirstName",         "LastName", "MobilePhone",
    "Email",         "MarketingSource", "OpportunitySource", "Summary",  "OpportunityCreatedDate"};
const Keys kLeadRef = {"LeadId", "LeadCode"};

TEST(Payload, EveryTriggerHasExactlyTheKeysOfTheSpec) {
  const std::map<int, Keys> keys = {
      {1, Join({kEvent, kContact, kLead})},
      {2, Join({kEvent, kContact, kLead})},
      {3, Join({kEvent, kContact, kLead, {"LeadIncidentDateWithTime", "Files"}})},
      {4, Join({kEvent,
                kContact,
                kLeadRef,
                {"LeadStatus", "NoteSummary", "Note", "NoteEventType", "NoteCreatedBy",
                 "NoteCreatedDate"}})},
      {6, Join({kEvent, kContact})},
      {7, Join({kEvent, kContact})},
      {8, Join({kEvent, kContact, {"Tag"}})},
      {10, Join({kEvent, kOpportunity})},
      {19, Join({kEvent, kOpportunity, {"LeadId"}})},
      {20, Join({kEvent, kOpportunity, {"DisregardReason"}})},
      {11, Join({kEvent,
                 kLeadRef,
                 {"ContactFullName", "From", "To", "Subject", "Body", "ReceivedDate"}})},
      {12, Join({kEvent,
                 kLeadRef,
                 {"ContactFullName", "From", "To", "Subject", "Body", "ReceivedDate"}})},
      {15,
       Join(
           {kEvent, kLeadRef, {"ContactFullName", "FileName", "Url", "Category", "UploadedDate"}})},
      {25, Join({kEvent, kLeadRef, {"System"}})},
      {29, Join({kEvent, {"ReportName", "FileName", "CompletedDate"}})},
      {30, Join({kEvent, {"RuleId", "RuleTitle", "RuleUrl", "Reason", "DisabledDate"}})},
  };
  for (const auto& t : Triggers()) {
    const json::object p = SamplePayload(t.id, "Admin", 1736942400000);
    EXPECT_EQ(p.at("EventType"), t.name);
    EXPECT_EQ(p.at("EventTypeId"), t.id);
    EXPECT_EQ(p.at("EventByUser"), "Admin");
    std::set<std::string> want(keys.at(t.id).begin(), keys.at(t.id).end()), have;
    EXPECT_EQ(want.size(), keys.at(t.id).size()) << t.name << ": a key listed twice";
    for (const auto& [k, v] : p) have.insert(std::string(k));
    EXPECT_EQ(have, want) << t.name;
  }
}

// The rest of Lead Docket's keys: the intake and creator user codes, the call
// a lead came from, the opportunity it was converted from, the incident's
// day and time, the lead's files, the note's kind.
TEST(Payload, CodesCallsOpportunityFilesAndNoteKinds) {
  const json::object lead{
      {"id", 9},
      {"incident_date", "2025-01-10T14:30:00Z"},
      {"intake_code", "U000004"},
      {"created_by", json::object{{"id", 3}, {"name", "Ann"}, {"code", "U000003"}}},
      {"phone_call_duration", 192},
      {"phone_call_date", "2025-01-10"},
      {"phone_call_transcript", "Hello"},
      {"opportunity", json::object{{"id", 5},
                                   {"name", "Ann Lee"},
                                   {"created_at", "2025-01-09T10:00:00.000Z"},
                                   {"processed_at", "2025-01-10T10:00:00.000Z"}}}};
  const json::array files{json::object{{"id", 12},
                                       {"file_name", "police.pdf"},
                                       {"url", "https://files.example/p.pdf"},
                                       {"created_at", "2025-01-11T09:00:00.000Z"}}};
  const json::object note{{"note", "Called back"}, {"event_type", "Phone Call"}};
  PayloadRecords r;
  r.lead = &lead;
  r.files = &files;
  r.note = &note;
  const json::object changed = BuildPayload(3, "Ann", r);
  EXPECT_EQ(changed.at("LeadIntakeCode"), "U000004");
  EXPECT_EQ(changed.at("LeadCreatorCode"), "U000003");
  EXPECT_EQ(changed.at("PhoneCallDuration"), 192);
  EXPECT_EQ(changed.at("PhoneCallDate"), "2025-01-10T00:00:00.000Z");
  EXPECT_EQ(changed.at("PhoneCallTranscript"), "Hello");
  EXPECT_TRUE(changed.at("PhoneCallFromNumber").is_null());
  EXPECT_EQ(changed.at("OpportunityId"), 5);
  EXPECT_EQ(changed.at("OpportunityName"), "Ann Lee");
  EXPECT_EQ(changed.at("OpportunityProcessedDate"), "2025-01-10T10:00:00.000Z");
  EXPECT_EQ(changed.at("LeadIncidentDate"), "2025-01-10T00:00:00.000Z");
  EXPECT_EQ(changed.at("LeadIncidentDateWithTime"), "2025-01-10T14:30:00.000Z");
  EXPECT_EQ(changed.at("Files"),
            (json::array{json::object{{"FileId", 12},
                                      {"FileName", "police.pdf"},
                                      {"Url", "https://files.example/p.pdf"},
                                      {"Category", nullptr},
                                      {"CreatedDate", "2025-01-11T09:00:00.000Z"}}}));
  const json::object created = BuildPayload(1, "Ann", r);
  EXPECT_FALSE(created.contains("Files")) << "only Lead Status Changed lists the files";
  EXPECT_EQ(BuildPayload(4, "Ann", r).at("NoteEventType"), "Phone Call");
  const json::object plain{{"id", 10}};
  r.lead = &plain;
  r.files = nullptr;
  const json::object bare = BuildPayload(3, "Ann", r);
  EXPECT_TRUE(bare.at("OpportunityId").is_null()) << "not from an opportunity";
  EXPECT_EQ(bare.at("Files"), json::array{});
}

TEST(Payload, UnknownValuesAreNullAndDatesIsoWithMilliseconds) {
  const json::object contact{{"id", 5},
                             {"first_name", "Ann"},
                             {"birthdate", "1990-05-01"},
                             {"full_name", "Ann"},
                             {"created_at", "2025-01-15T12:00:00.000Z"}};
  const json::object lead{
      {"id", 9},
      {"code", "L000009"},
      {"contact", contact},
      {"status", "New"},
      {"incident_date", "2025-01-10"},
      {"custom_fields", json::object{{"Police Report", "PR-1"}, {"LeadId", "x"}}}};
  PayloadRecords r;
  r.lead = &lead;
  const json::object p = BuildPayload(1, "", r);
  EXPECT_TRUE(p.at("EventByUser").is_null());
  EXPECT_TRUE(p.at("ContactLastName").is_null());
  EXPECT_TRUE(p.at("ContactCreatedBy").is_null());
  EXPECT_TRUE(p.at("LeadSubstatus").is_null());
  EXPECT_EQ(p.at("ContactBirthdate"), "1990-05-01T00:00:00.000Z");
  EXPECT_EQ(p.at("LeadIncidentDate"), "2025-01-10T00:00:00.000Z");
  EXPECT_EQ(p.at("Police Report"), "PR-1");
  EXPECT_EQ(p.at("LeadId"), 9) << "a custom field cannot overwrite a standard key";
}

}  // namespace
}  // namespace lw
