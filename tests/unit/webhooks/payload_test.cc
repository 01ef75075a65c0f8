#include "webhooks/payload.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "domain/triggers.h"

namespace lw {
namespace {

namespace json = boost::json;

TEST(Payload, EveryTriggerHasItsKeysAndNoneMissing) {
  const std::map<int, std::vector<const char*>> keys = {
      {1,
       {"ContactId", "ContactFullName", "LeadId", "LeadCode", "LeadStatus", "OfficeName",
        "CaseTrackerCode", "OpportunitySource", "LeadCreatorName"}},
      {2, {"LeadId", "LastStatusChangeDate"}},
      {3, {"LeadStatus", "LeadSubstatus"}},
      {4,
       {"ContactId", "LeadId", "LeadCode", "LeadStatus", "NoteSummary", "Note", "NoteCreatedBy",
        "NoteCreatedDate"}},
      {6, {"ContactId", "ContactEmail"}},
      {7, {"ContactId"}},
      {8, {"ContactId", "Tag"}},
      {10,
       {"OpportunityId", "OpportunityName", "FirstName", "LastName", "MobilePhone", "Email",
        "MarketingSource", "OpportunitySource", "Summary", "OpportunityCreatedDate"}},
      {11,
       {"LeadId", "LeadCode", "ContactFullName", "From", "To", "Subject", "Body", "ReceivedDate"}},
      {12,
       {"LeadId", "LeadCode", "ContactFullName", "From", "To", "Subject", "Body", "ReceivedDate"}},
      {15,
       {"LeadId", "LeadCode", "ContactFullName", "FileName", "Url", "Category", "UploadedDate"}},
      {19, {"OpportunityId", "LeadId"}},
      {20, {"OpportunityId", "DisregardReason"}},
      {25, {"LeadId", "LeadCode", "System"}},
      {29, {"ReportName", "FileName", "CompletedDate"}},
  };
  for (const auto& t : Triggers()) {
    const json::object p = SamplePayload(t.id, "Admin", 1736942400000);
    EXPECT_EQ(p.at("EventType"), t.name);
    EXPECT_EQ(p.at("EventTypeId"), t.id);
    EXPECT_EQ(p.at("EventByUser"), "Admin");
    for (const char* k : keys.at(t.id)) EXPECT_TRUE(p.contains(k)) << t.name << " " << k;
  }
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
