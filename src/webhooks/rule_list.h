// The rule list as the Webhook Rules screen shows it: filtered by a
// case-insensitive substring of title, trigger name or URL, and sorted by
// status, title, trigger or URL. Pure functions over loaded rules.
#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "webhooks/rule.h"

namespace lw {

struct RuleListQuery {
  std::string filter;
  std::string sort = "title";  // status | title | trigger | url
  std::string order = "asc";   // asc | desc
};

// 422 naming `sort` or `order` when they are not one of the allowed words.
Status ValidateRuleListQuery(const RuleListQuery& q);
// Keeps the rules that match q.filter, in q's order (ties by id, so the order is stable).
std::vector<Rule> FilterAndSortRules(std::vector<Rule> rules, const RuleListQuery& q);

}  // namespace lw
