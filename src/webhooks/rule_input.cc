#include "webhooks/rule_input.h"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "common/json_fields.h"
#include "domain/lookups.h"
#include "domain/triggers.h"
#include "webhooks/payload_schema.h"
#include "webhooks/payload_template.h"
#include "webhooks/webhook_url.h"

namespace lw {

namespace json = boost::json;

std::optional<std::string> UrlProblem(const std::string& url, bool https_only) {
  if (Utf8Length(url) > kMaxUrlChars) return "must be at most 2048 characters";
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return "must be an absolute http:// or https:// URL";
  if (parsed->scheme() != "http" && parsed->scheme() != "https")
    return "must be an absolute http:// or https:// URL";
  if (!parsed->has_authority() || parsed->host().empty()) return "must include a host name";
  if (parsed->has_userinfo()) return "must not contain a user name or password";
  // What the transport could not send to: a port past 65535 or empty, an IPvFuture host.
  if (!ParseWebhookUrl(url))
    return "must name a host (spelled as DNS spells it) and a port (1–65535) to connect to";
  if (https_only && parsed->scheme() != "https")
    return "must be an https:// URL: this server delivers only over HTTPS";
  return std::nullopt;
}

namespace {

const Trigger* ReadTrigger(FieldReader& f, const json::object& body) {
  auto it = body.find("trigger");
  if (it == body.end() || it->value().is_null()) {
    f.Fail("trigger", "is required");
    return nullptr;
  }
  const json::value& v = it->value();
  // An id as sent, never narrowed: 4294967299 is no trigger, not trigger 3.
  const auto by_id = [](const json::value& id) -> const Trigger* {
    if (!id.is_int64() || id.get_int64() < 1 || id.get_int64() > 1000) return nullptr;
    return FindTrigger(int(id.get_int64()));
  };
  const Trigger* t = nullptr;
  if (v.is_string())
    t = FindTrigger(std::string_view(Trim(v.get_string())));
  else if (v.is_object() && v.get_object().contains("id"))
    t = by_id(v.get_object().at("id"));  // a rule read back, sent again
  else
    t = by_id(v);
  if (!t) f.Fail("trigger", "unknown trigger; see GET /api/webhook-triggers");
  return t;
}

// "payload_template", checked against the rule's trigger's keys.
void ReadPayloadTemplate(FieldReader& f, const json::object& body, Rule& rule,
                         bool* template_given) {
  auto it = body.find("payload_template");
  if (it == body.end()) return;
  if (template_given) *template_given = true;
  if (it->value().is_null() || rule.trigger_id <= 0) return;
  auto t = PayloadTemplate::Parse(it->value(), PayloadKeys(rule.trigger_id),
                                  PayloadHasCustomFields(rule.trigger_id));
  if (t)
    rule.payload_template = json::serialize(t->source());
  else
    f.errors().merge(t.error().fields);
}

std::optional<int64_t> Resolve(FieldReader& f, const LookupResolver& find, const char* key,
                               const char* kind, const char* label) {
  auto name = f.String(key, 200);
  if (!name) return std::nullopt;
  auto id = find(kind, *name, 0);
  if (!id) f.Fail(key, std::string("unknown ") + label + " \"" + *name + "\"");
  return id;
}

CreationRules ReadCreationRules(FieldReader& f, const LookupResolver& find) {
  CreationRules r;
  r.status_id = Resolve(f, find, "status", lookup_kind::kStatus, "status");
  if (auto sub = f.String("substatus", 200)) {
    if (!f.Has("status"))
      f.Fail("substatus", "needs a status");
    else if (r.status_id && !(r.substatus_id = find(lookup_kind::kSubstatus, *sub, *r.status_id)))
      f.Fail("substatus", "\"" + *sub + "\" is not a substatus of the chosen status");
  }
  // Bounded: each name is a lookup inside the write transaction.
  auto case_types = f.StringList("case_types", 200);
  if (case_types.size() > kMaxCaseTypesPerRule) {
    f.Fail("case_types",
           "may list at most " + std::to_string(kMaxCaseTypesPerRule) + " case types");
    case_types.clear();
  }
  for (const auto& name : case_types) {
    if (auto id = find(lookup_kind::kCaseType, name, 0)) {
      if (std::find(r.case_type_ids.begin(), r.case_type_ids.end(), *id) == r.case_type_ids.end())
        r.case_type_ids.push_back(*id);
    } else {
      f.Fail("case_types", "unknown case type \"" + name + "\"");
    }
  }
  r.office_id = Resolve(f, find, "office", lookup_kind::kOffice, "office");
  r.opportunity_source_id =
      Resolve(f, find, "opportunity_source", lookup_kind::kOpportunitySource, "opportunity source");
  r.marketing_source_id =
      Resolve(f, find, "marketing_source", lookup_kind::kMarketingSource, "marketing source");
  r.requires_case_tracker_code = f.Bool("requires_case_tracker_code").value_or(false);
  return r;
}

// The trigger and the creation rules: what decides which events fire the rule.
void ReadWhatMatches(FieldReader& f, const json::object& body, const LookupResolver& find,
                     Rule& rule) {
  const Trigger* trigger = ReadTrigger(f, body);
  if (trigger) rule.trigger_id = trigger->id;
  if (const json::object* rules = f.Object("creation_rules")) {
    FieldReader rf(*rules, "creation_rules");
    rule.creation_rules = ReadCreationRules(rf, find);
    f.errors().merge(rf.errors());
    if (trigger && !trigger->creation_rules && !rule.creation_rules.Empty())
      f.Fail("creation_rules",
             std::string("the trigger \"") + trigger->name +
                 "\" takes no creation rules (only the lead triggers and Note Added do)");
  }
}

}  // namespace

Result<Rule> ParseRuleInput(const json::object& body, const LookupResolver& find, bool https_only,
                            CredentialsInput* credentials, bool* template_given) {
  FieldReader f(body);
  Rule rule;
  rule.title = f.RequiredString("title", kMaxTitleChars);
  rule.enabled = f.Bool("enabled").value_or(true);
  rule.ordered = f.Bool("ordered").value_or(false);
  if (auto url = f.String("url", 100000)) {
    if (auto problem = UrlProblem(*url, https_only)) f.Fail("url", *problem);
    rule.url = *url;
  } else if (!f.errors().count("url")) {
    f.Fail("url", "is required");
  }
  ReadWhatMatches(f, body, find, rule);
  CredentialsInput given = ReadCredentialsInput(f, body, https_only);
  ReadPayloadTemplate(f, body, rule, template_given);
  LW_CHECK(f.Check());
  if (credentials) *credentials = std::move(given);
  return rule;
}

Result<Rule> ParseRuleShapeInput(const json::object& body) {
  FieldReader f(body);
  Rule rule;
  if (const Trigger* trigger = ReadTrigger(f, body)) rule.trigger_id = trigger->id;
  ReadPayloadTemplate(f, body, rule, nullptr);
  LW_CHECK(f.Check());
  return rule;
}

Result<Rule> ParseRuleMatchInput(const json::object& body, const LookupResolver& find) {
  FieldReader f(body);
  Rule rule;
  rule.enabled = f.Bool("enabled").value_or(true);
  ReadWhatMatches(f, body, find, rule);
  LW_CHECK(f.Check());
  return rule;
}

}  // namespace lw
