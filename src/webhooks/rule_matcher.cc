#include "webhooks/rule_matcher.h"

#include <algorithm>

namespace lw {

bool Matches(const CreationRules& r, const LeadFacts& lead) {
  auto holds = [](const std::optional<int64_t>& want, const std::optional<int64_t>& have) {
    return !want || want == have;
  };
  if (!holds(r.status_id, lead.status_id) || !holds(r.substatus_id, lead.substatus_id) ||
      !holds(r.office_id, lead.office_id) ||
      !holds(r.opportunity_source_id, lead.opportunity_source_id) ||
      !holds(r.marketing_source_id, lead.marketing_source_id))
    return false;
  if (!r.case_type_ids.empty() &&
      (!lead.case_type_id || std::find(r.case_type_ids.begin(), r.case_type_ids.end(),
                                       *lead.case_type_id) == r.case_type_ids.end()))
    return false;
  return !r.requires_case_tracker_code || lead.has_case_tracker_code;
}

RuleIndex::RuleIndex(const std::vector<Rule>& rules) {
  for (const Rule& rule : rules) {
    if (!rule.enabled) continue;
    TriggerBucket& bucket = buckets_[rule.trigger_id];
    IndexedRule indexed{rule.id, rule.url, rule.creation_rules};
    if (rule.creation_rules.status_id)
      bucket.by_status[*rule.creation_rules.status_id].push_back(std::move(indexed));
    else
      bucket.any_status.push_back(std::move(indexed));
    ++size_;
  }
}

void RuleIndex::Match(int trigger_id, const LeadFacts& lead,
                      std::vector<const IndexedRule*>& out) const {
  auto bucket = buckets_.find(trigger_id);
  if (bucket == buckets_.end()) return;
  for (const IndexedRule& r : bucket->second.any_status)
    if (Matches(r.creation_rules, lead)) out.push_back(&r);
  if (!lead.status_id) return;
  auto same = bucket->second.by_status.find(*lead.status_id);
  if (same == bucket->second.by_status.end()) return;
  for (const IndexedRule& r : same->second)
    if (Matches(r.creation_rules, lead)) out.push_back(&r);
}

}  // namespace lw
