#include "webhooks/lead_webhooks.h"

#include <boost/json.hpp>

#include "domain/lookups.h"
#include "domain/triggers.h"
#include "webhooks/deliveries_service.h"
#include "webhooks/rule_explanation.h"
#include "webhooks/rules_service.h"
#include "webhooks/webhook_settings.h"

namespace lw {

namespace json = boost::json;

namespace {

// The newest deliveries shown; the rest are in each rule's Deliveries view.
constexpr int64_t kDeliveriesShown = 100;

std::string NameOf(const LookupNames& names, int64_t id) {
  auto it = names.find(id);
  return it == names.end() ? "#" + std::to_string(id) : it->second;
}

// "A", "A or B", "A, B or C".
std::string OneOf(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return out;
}

// What the lead has for the creation rules, by name, and its case tracker code.
struct LeadSide {
  const LeadFacts& facts;
  const std::optional<std::string>& case_tracker_code;
};

json::object ConditionJson(const ConditionCheck& check, const LookupNames& names,
                           const LeadSide& lead) {
  const std::string& label = check.label;
  json::array wants;
  std::vector<std::string> wanted;
  for (int64_t id : check.wants) {
    wanted.push_back(NameOf(names, id));
    wants.push_back(json::string(wanted.back()));
  }
  std::optional<std::string> has;
  std::string message;
  if (check.field == "case_tracker_code") {
    has = lead.case_tracker_code;
    message = check.pass ? "The lead has case tracker code " + *has + ", as this rule wants"
                         : "The lead has no case tracker code; this rule wants one";
  } else {
    if (check.lead_has) has = NameOf(names, *check.lead_has);
    const std::string is = label + (has ? " is " + *has : " is not set");
    message = check.pass ? is + ", as this rule wants" : is + "; this rule wants " + OneOf(wanted);
  }
  return {{"field", check.field},      {"label", label},
          {"wants", std::move(wants)}, {"lead_has", has ? json::value(*has) : nullptr},
          {"pass", check.pass},        {"message", message}};
}

// What stops the rule firing whatever the lead: null when nothing does.
json::value Blocked(const Rule& rule, bool webhooks_enabled) {
  auto block = [](const char* code, const std::string& message) {
    return json::object{{"code", code}, {"message", message}};
  };
  if (!webhooks_enabled)
    return block("webhooks_disabled",
                 "Webhooks are turned off for this organization (Settings → Webhooks), so no "
                 "rule fires.");
  if (rule.enabled) return nullptr;
  if (rule.disabled_reason) return block("auto_disabled", *rule.disabled_reason);
  return block("rule_disabled", "The rule is disabled.");
}

// One rule against the lead: blocked, matches, conditions, fires, explanation.
json::object Verdict(const Rule& rule, const LookupNames& names, const LeadSide& lead,
                     bool webhooks_enabled) {
  const Trigger* trigger = FindTrigger(rule.trigger_id);
  const std::string event = trigger ? trigger->name : "unknown";
  json::value blocked = Blocked(rule, webhooks_enabled);
  json::array conditions;
  json::value matches = nullptr;
  std::string explanation;
  std::vector<std::string> failing;
  if (trigger && trigger->creation_rules) {
    for (const ConditionCheck& check : ExplainMatch(rule.creation_rules, lead.facts)) {
      json::object condition = ConditionJson(check, names, lead);
      if (!check.pass) failing.emplace_back(condition.at("message").as_string());
      conditions.push_back(std::move(condition));
    }
    matches = failing.empty();
    if (!failing.empty())
      explanation = "Does not fire for this lead now: " + failing.front() +
                    (failing.size() > 1 ? " (and " + std::to_string(failing.size() - 1) + " more)"
                                        : std::string());
    else if (conditions.empty())
      explanation = "Fires for this lead's " + event + " events: the rule has no creation rules.";
    else
      explanation = "Fires for this lead's " + event + " events: every creation rule holds.";
  } else {
    explanation = "Fires on every " + event + " event; this trigger takes no creation rules.";
  }
  if (blocked.is_object()) explanation = std::string(blocked.as_object().at("message").as_string());
  const bool fires = blocked.is_null() && !(matches.is_bool() && !matches.as_bool());
  return {{"trigger", json::object{{"id", rule.trigger_id}, {"name", event}}},
          {"fires", fires},
          {"blocked", std::move(blocked)},
          {"matches", matches},
          {"conditions", std::move(conditions)},
          {"explanation", explanation}};
}

}  // namespace

json::value ExplainLeadWebhooks(sql::Connection& c, int64_t org_id, int64_t lead_id,
                                const LeadFacts& facts,
                                const std::optional<std::string>& case_tracker_code) {
  const bool enabled = LoadWebhookSettings(c, org_id).enabled;
  const LookupNames names = LoadLookupNames(c, org_id);
  const LeadSide lead{facts, case_tracker_code};
  json::array rules;
  for (const Rule& rule : LoadRules(c, org_id)) {
    json::object verdict = Verdict(rule, names, lead, enabled);
    verdict.emplace(
        "rule",
        json::object{
            {"id", rule.id}, {"title", rule.title}, {"url", rule.url}, {"enabled", rule.enabled}});
    rules.push_back(std::move(verdict));
  }
  return json::object{{"lead_id", lead_id},
                      {"webhooks_enabled", enabled},
                      {"rules", std::move(rules)},
                      {"deliveries", LeadDeliveriesJson(c, org_id, lead_id, kDeliveriesShown)}};
}

Result<json::value> CheckRuleAgainstLead(sql::Connection& c, int64_t org_id, const LeadFacts& facts,
                                         const std::optional<std::string>& case_tracker_code,
                                         const json::object& rule_body) {
  auto rule = ParseRuleMatchInput(rule_body, OrgLookupResolver(c, org_id));
  if (!rule) return Fail(rule.error());
  return Verdict(*rule, LoadLookupNames(c, org_id), LeadSide{facts, case_tracker_code},
                 LoadWebhookSettings(c, org_id).enabled);
}

}  // namespace lw
