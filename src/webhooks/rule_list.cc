#include "webhooks/rule_list.h"

#include <algorithm>

#include "common/json_fields.h"
#include "domain/triggers.h"

namespace lw {

namespace {

std::string TriggerName(int id) {
  const Trigger* t = FindTrigger(id);
  return t ? t->name : "";
}

// Compares two rules by the sort column only: <0, 0, >0.
int CompareBy(const std::string& sort, const Rule& a, const Rule& b) {
  if (sort == "status") return int(b.enabled) - int(a.enabled);  // enabled first when ascending
  if (sort == "trigger")
    return Lower(TriggerName(a.trigger_id)).compare(Lower(TriggerName(b.trigger_id)));
  if (sort == "url") return a.url.compare(b.url);
  return Lower(a.title).compare(Lower(b.title));
}

}  // namespace

Status ValidateRuleListQuery(const RuleListQuery& q) {
  std::map<std::string, std::string> errors;
  if (q.sort != "status" && q.sort != "title" && q.sort != "trigger" && q.sort != "url")
    errors["sort"] = "must be status, title, trigger or url";
  if (q.order != "asc" && q.order != "desc") errors["order"] = "must be asc or desc";
  if (!errors.empty()) return Fail(Error::Validation(std::move(errors)));
  return {};
}

std::vector<Rule> FilterAndSortRules(std::vector<Rule> rules, const RuleListQuery& q) {
  const std::string needle = Lower(Trim(q.filter));
  if (!needle.empty()) {
    std::erase_if(rules, [&](const Rule& r) {
      return Lower(r.title).find(needle) == std::string::npos &&
             Lower(TriggerName(r.trigger_id)).find(needle) == std::string::npos &&
             Lower(r.url).find(needle) == std::string::npos;
    });
  }
  const bool desc = q.order == "desc";
  std::stable_sort(rules.begin(), rules.end(), [&](const Rule& a, const Rule& b) {
    const int c = CompareBy(q.sort, a, b);
    if (c != 0) return desc ? c > 0 : c < 0;
    return desc ? a.id > b.id : a.id < b.id;
  });
  return rules;
}

}  // namespace lw
