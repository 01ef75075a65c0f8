#include "webhooks/rule_explanation.h"

#include <algorithm>

namespace lw {

std::vector<ConditionCheck> ExplainMatch(const CreationRules& r, const LeadFacts& lead) {
  std::vector<ConditionCheck> checks;
  auto one = [&](const char* field, const char* label, const std::optional<int64_t>& want,
                 const std::optional<int64_t>& has) {
    if (want) checks.push_back({field, label, {*want}, has, want == has});
  };
  one("status", "Status", r.status_id, lead.status_id);
  one("substatus", "Substatus", r.substatus_id, lead.substatus_id);
  if (!r.case_type_ids.empty())
    checks.push_back({"case_type", "Case type", r.case_type_ids, lead.case_type_id,
                      lead.case_type_id && std::find(r.case_type_ids.begin(), r.case_type_ids.end(),
                                                     *lead.case_type_id) != r.case_type_ids.end()});
  one("office", "Office", r.office_id, lead.office_id);
  one("opportunity_source", "Opportunity source", r.opportunity_source_id,
      lead.opportunity_source_id);
  one("marketing_source", "Marketing source", r.marketing_source_id, lead.marketing_source_id);
  if (r.requires_case_tracker_code)
    checks.push_back(
        {"case_tracker_code", "Case tracker code", {}, std::nullopt, lead.has_case_tracker_code});
  return checks;
}

}  // namespace lw
