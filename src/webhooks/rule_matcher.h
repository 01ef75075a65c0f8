// Matching events against rules, in memory. RuleIndex holds one
// organization's enabled rules, bucketed by trigger, then by the status the
// rule requires or, failing that, by each case type it accepts, so an event
// only looks at rules that can match it. Immutable once built: any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/lead_facts.h"
#include "webhooks/rule.h"

namespace lw {

// Every set creation rule must hold; empty ones match anything.
bool Matches(const CreationRules& rules, const LeadFacts& lead);

struct IndexedRule {
  int64_t id;
  std::string url;
  CreationRules creation_rules;
  bool ordered = false;
};

class RuleIndex {
 public:
  explicit RuleIndex(const std::vector<Rule>& enabled_rules);
  // The rules that fire for this trigger and lead (lead is ignored for
  // triggers without creation rules).
  void Match(int trigger_id, const LeadFacts& lead, std::vector<const IndexedRule*>& out) const;
  size_t size() const { return size_; }

 private:
  struct TriggerBucket {
    std::vector<IndexedRule> any;  // neither a status nor case types required
    std::unordered_map<int64_t, std::vector<IndexedRule>> by_status;
    // Rules without a status but with case types, under each case type (a lead
    // has one case type, so a rule listed twice still matches once).
    std::unordered_map<int64_t, std::vector<IndexedRule>> by_case_type;
  };
  std::unordered_map<int, TriggerBucket> buckets_;
  size_t size_ = 0;
};

}  // namespace lw
