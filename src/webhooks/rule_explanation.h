// Why a rule does or does not match a lead, condition by condition: the
// answer to an Admin's "why didn't my Zap fire for this lead?" (issue 12's
// GET /api/leads/{id}/webhooks). One check per creation rule that is set, in
// the order the rule form shows them, with the ids the rule wants and the id
// the lead has; the names are the caller's to fill in. Pure; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/lead_facts.h"
#include "webhooks/rule.h"

namespace lw {

struct ConditionCheck {
  std::string field;                // "status", "substatus", "case_type", "office",
                                    // "opportunity_source", "marketing_source",
                                    // "case_tracker_code"
  std::string label;                // the field as the UI names it: "Case type"
  std::vector<int64_t> wants;       // lookup ids the rule accepts (empty for the code)
  std::optional<int64_t> lead_has;  // the lead's lookup id (nullopt: none)
  bool pass = false;
};

// Empty when the rule sets no conditions (it matches every lead). The rule
// matches exactly when every check passes (the same verdict as Matches()).
std::vector<ConditionCheck> ExplainMatch(const CreationRules& rules, const LeadFacts& lead);

}  // namespace lw
