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
    const CreationRules& cr = rule.creation_rules;
    IndexedRule indexed{rule.id, rule.url, cr, rule.ordered};
    if (cr.status_id)
      bucket.by_status[*cr.status_id].push_back(std::move(indexed));
    else if (!cr.case_type_ids.empty())
      for (int64_t case_type : cr.case_type_ids) bucket.by_case_type[case_type].push_back(indexed);
    else
      bucket.any.push_back(std::move(indexed));
    ++size_;
  }
}

namespace {

void MatchList(const std::unordered_map<int64_t, std::vector<IndexedRule>>& lists,
               const std::optional<int64_t>& key, const LeadFacts& lead,
               std::vector<const IndexedRule*>& out) {
  if (!key) return;
  auto it = lists.find(*key);
  if (it == lists.end()) return;
  for (const IndexedRule& r : it->second)
    if (Matches(r.creation_rules, lead)) out.push_back(&r);
}

}  // namespace

void RuleIndex::Match(int trigger_id, const LeadFacts& lead,
                      std::vector<const IndexedRule*>& out) const {
  auto bucket = buckets_.find(trigger_id);
  if (bucket == buckets_.end()) return;
  for (const IndexedRule& r : bucket->second.any)
    if (Matches(r.creation_rules, lead)) out.push_back(&r);
  MatchList(bucket->second.by_status, lead.status_id, lead, out);
  MatchList(bucket->second.by_case_type, lead.case_type_id, lead, out);
}

}  // namespace lw
