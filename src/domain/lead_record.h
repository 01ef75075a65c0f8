// The leads table: a lead as stored (LeadRecord, with the names of its
// lookups and its creator, read in one query) and the statements that read
// and write it. Functions run inside the caller's transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/actor.h"
#include "domain/lead_facts.h"
#include "store/sql.h"

namespace lw {

struct LeadInput;

// The opportunity a lead was converted from.
struct LeadOpportunity {
  int64_t id = 0;
  std::string data;  // its fields, a JSON object
  int64_t created_at = 0;
  std::optional<int64_t> processed_at;  // unknown for conversions before it was kept
};

struct LeadRecord {
  int64_t id = 0;
  int64_t contact_id = 0;
  std::string code;
  LeadFacts facts;  // the lookup ids
  std::optional<std::string> case_tracker_code, summary;
  std::string data;           // the free-text fields, a JSON object
  std::string custom_fields;  // a JSON object
  int64_t created_at = 0, updated_at = 0, last_status_change_at = 0;
  // Names, null when unset: status, substatus, then LeadLookupFields()' order.
  std::optional<std::string> status, substatus;
  std::vector<std::optional<std::string>> lookup_names;
  std::optional<int64_t> created_by;
  std::optional<std::string> creator_name, creator_email;
  std::optional<LeadOpportunity> opportunity;
  // LoadLeadRecord's row, whose columns 29–35 are its contact's (ContactJsonAt).
  std::optional<sql::Row> contact_row;
};
inline constexpr size_t kContactColumnsInLeadRow = 29;

std::optional<LeadRecord> LoadLeadRecord(sql::Connection& c, int64_t org_id, int64_t id);
// A page of the organization's leads, newest first: `filter` is SQL over
// "leads l JOIN contacts ct" (starting with " AND …"), with its parameters.
std::vector<LeadRecord> LoadLeadPage(sql::Connection& c, int64_t org_id, const std::string& filter,
                                     const std::vector<sql::Value>& filter_params, int64_t limit,
                                     int64_t offset);
int64_t CountLeads(sql::Connection& c, int64_t org_id, const std::string& filter,
                   const std::vector<sql::Value>& filter_params);

// Inserts the lead row with its code and the fields `in` sets (and the
// opportunity it comes from, if any); the caller records the event.
int64_t InsertLeadRow(sql::Connection& c, const Actor& actor, int64_t contact_id, int64_t status_id,
                      std::optional<int64_t> substatus_id, const LeadInput& in,
                      std::optional<int64_t> opportunity_id = std::nullopt);
// Writes the fields `in` sets over the lead's, in one UPDATE.
void ApplyLeadInput(sql::Connection& c, int64_t lead_id, const LeadInput& in, int64_t now_ms);
void SetLeadStatus(sql::Connection& c, int64_t lead_id, int64_t status_id,
                   std::optional<int64_t> substatus_id, int64_t now_ms);
// An edit that changed nothing keeps the lead's old updated_at.
void RestoreLeadUpdatedAt(sql::Connection& c, int64_t lead_id, int64_t updated_at);

std::optional<LeadFacts> LoadLeadFacts(sql::Connection& c, int64_t org_id, int64_t id);
bool LeadExists(sql::Connection& c, int64_t org_id, int64_t id);
// The lead's contact; nullopt when the organization has no such lead.
std::optional<int64_t> LeadContactId(sql::Connection& c, int64_t org_id, int64_t id);

}  // namespace lw
