// Leads: a contact's matter moving through the organization's statuses. The
// operations the API offers; each change records its trigger's event in the
// caller's transaction (Lead Created, Lead Edited, Lead Status Changed).
// Input validation is lead_input, storage lead_record, presentation
// lead_json; notes are notes.h.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"
#include "domain/actor.h"
#include "store/sql.h"

namespace lw {

// POST /api/leads. `body.contact` is a new contact's fields or {"id":N} of an
// existing one. Records Lead Created (and Contact Added for a new contact).
Result<boost::json::value> CreateLead(sql::Connection& c, const Actor& actor,
                                      const boost::json::object& body);
// Creates the lead of a converted opportunity for an existing contact, with
// validated lookups, and records Lead Created. Returns the lead id.
int64_t InsertLead(sql::Connection& c, const Actor& actor, int64_t contact_id, int64_t status_id,
                   std::optional<int64_t> marketing_source_id,
                   std::optional<int64_t> opportunity_source_id, const std::string& summary,
                   int64_t opportunity_id);
// PATCH /api/leads/{id}: any lead field but status. Records Lead Edited if it changed.
Result<boost::json::value> EditLead(sql::Connection& c, const Actor& actor, int64_t id,
                                    const boost::json::object& body);
// POST /api/leads/{id}/status. Records Lead Status Changed only when it changed.
Result<boost::json::value> ChangeLeadStatus(sql::Connection& c, const Actor& actor, int64_t id,
                                            const boost::json::object& body);
Result<boost::json::value> GetLead(sql::Connection& c, int64_t org_id, int64_t id);
// GET /api/leads?status=&q=: status by name; q searches contact names, email,
// phones, the lead code and summary.
Result<boost::json::value> ListLeads(sql::Connection& c, int64_t org_id, const std::string& status,
                                     const std::string& q, int64_t limit, int64_t offset);

}  // namespace lw
