// "Why did this webhook (not) fire for this lead?" (GET /api/leads/{id}/webhooks,
// and the rule form's dry run). For each rule: what would stop it firing at
// all (webhooks off, the rule disabled by an Admin or by Leadwire), whether
// the lead matches its creation rules now, condition by condition, in the
// organization's own names and in plain words; and the deliveries the lead's
// events produced. Admin only; it reads, it never changes anything, and it
// answers while webhooks are off (that is one of the answers).
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"
#include "domain/lead_facts.h"
#include "store/sql.h"

namespace lw {

// `lead` is the lead's facts as they are now and its case tracker code; the
// caller has checked that the organization has lead `lead_id`.
boost::json::value ExplainLeadWebhooks(sql::Connection& c, int64_t org_id, int64_t lead_id,
                                       const LeadFacts& lead,
                                       const std::optional<std::string>& case_tracker_code);

// A rule as typed on the form (the body of POST /api/webhook-rules, unsaved)
// against the lead: the same explanation as one rule of ExplainLeadWebhooks.
// 422 for a bad trigger or creation rule; title and URL are not needed.
Result<boost::json::value> CheckRuleAgainstLead(sql::Connection& c, int64_t org_id,
                                                const LeadFacts& lead,
                                                const std::optional<std::string>& case_tracker_code,
                                                const boost::json::object& rule_body);

}  // namespace lw
