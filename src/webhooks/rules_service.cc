#include "webhooks/rules_service.h"

#include <boost/json.hpp>

#include "common/time_format.h"
#include "domain/audit_log.h"
#include "domain/events.h"
#include "domain/lookups.h"
#include "domain/triggers.h"
#include "webhooks/delivery_repository.h"
#include "webhooks/payload.h"
#include "webhooks/payload_schema.h"
#include "webhooks/payload_template.h"
#include "webhooks/rule_input.h"
#include "webhooks/rule_notifications.h"
#include "webhooks/rule_stats.h"
#include "webhooks/signing_keypair.h"
#include "webhooks/webhook_settings.h"

namespace lw {

namespace json = boost::json;

namespace {

// A rule's stored template as JSON (null when it has none, or when what is
// stored cannot be read: the rule still lists, and can be given a new one).
json::value StoredTemplate(const std::string& text) {
  if (text.empty()) return nullptr;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value(nullptr) : v;
}

// Parked deliveries a PUT that enables a rule makes due at once (bounded:
// the request must not grow with a backlog; the dispatchers do the rest).
constexpr int64_t kUnparkAtOnce = 1000;

constexpr const char* kRuleColumns =
    "id, org_id, title, enabled, url, trigger_id, creation_rules, disabled_reason, created_at, "
    "updated_at, ordered, headers, auth, payload_template";

// Stored credentials not as this build writes them (edited by hand?) show as
// none, so the rule can still be read and its credentials entered again;
// the dispatcher refuses to send such a rule's webhooks until then.
RuleCredentials ReadableCredentials(const std::string& headers, const std::string& auth) {
  try {
    return {HeadersFromStorage(headers), AuthFromStorage(auth)};
  } catch (const std::exception&) {
    return {};
  }
}

Rule ToRule(const sql::Row& r) {
  return {r.Int(0),
          r.Int(1),
          r.Text(2),
          r.Bool(3),
          r.Text(4),
          int(r.Int(5)),
          CreationRulesFromStorage(r.Text(6)),
          r.OptText(7),
          r.Int(8),
          r.Int(9),
          r.Bool(10),
          ReadableCredentials(r.OptText(11).value_or(""), r.OptText(12).value_or("")),
          r.OptText(13).value_or("")};
}

sql::Value StoredOrNull(std::string text) {
  return text.empty() ? sql::Value(nullptr) : sql::Value(std::move(text));
}

json::value NameOf(const LookupNames& names, const std::optional<int64_t>& id) {
  if (!id) return nullptr;
  auto it = names.find(*id);
  return it == names.end() ? json::value(nullptr) : json::value(it->second);
}

json::value RuleJson(const Rule& rule, const LookupNames& names) {
  const Trigger* t = FindTrigger(rule.trigger_id);
  const CreationRules& cr = rule.creation_rules;
  json::array case_types;
  for (int64_t id : cr.case_type_ids) case_types.push_back(NameOf(names, id));
  return json::object{
      {"id", rule.id},
      {"title", rule.title},
      {"enabled", rule.enabled},
      {"ordered", rule.ordered},
      {"url", rule.url},
      {"trigger", json::object{{"id", rule.trigger_id}, {"name", t ? t->name : ""}}},
      {"headers", HeadersJson(rule.credentials.headers)},
      {"auth", AuthJson(rule.credentials.auth)},
      {"payload_template", StoredTemplate(rule.payload_template)},
      {"creation_rules",
       json::object{{"status", NameOf(names, cr.status_id)},
                    {"substatus", NameOf(names, cr.substatus_id)},
                    {"case_types", std::move(case_types)},
                    {"office", NameOf(names, cr.office_id)},
                    {"opportunity_source", NameOf(names, cr.opportunity_source_id)},
                    {"marketing_source", NameOf(names, cr.marketing_source_id)},
                    {"requires_case_tracker_code", cr.requires_case_tracker_code}}},
      {"disabled_reason", rule.disabled_reason ? json::value(*rule.disabled_reason) : nullptr},
      {"created_at", FormatIsoMs(rule.created_at)},
      {"updated_at", FormatIsoMs(rule.updated_at)}};
}

// The rule the body describes, its headers and auth applied over `before`'s
// (a new rule: over none).
// `secrets_set`: the fields whose secret the body sets, for the audit log.
Result<Rule> ParseForOrg(sql::Connection& c, int64_t org_id, const json::object& body,
                         const RulePolicy& policy, json::array& secrets_set,
                         const Rule* before = nullptr) {
  CredentialsInput given;
  bool template_given = false;
  auto rule = ParseRuleInput(body, OrgLookupResolver(c, org_id), policy.https_only, &given,
                             &template_given);
  if (!rule) return rule;
  // Left out, the template stays, and must still fit the (maybe new) trigger.
  if (!template_given && before && !before->payload_template.empty()) {
    auto kept = PayloadTemplate::Parse(StoredTemplate(before->payload_template),
                                       PayloadKeys(rule->trigger_id),
                                       PayloadHasCustomFields(rule->trigger_id));
    if (!kept)
      return Fail(Error::Field("payload_template",
                               "the rule's template " + kept.error().fields.at("payload_template") +
                                   "; change it or send null for the full payload"));
    rule->payload_template = before->payload_template;
  }
  secrets_set = SecretsGiven(given);
  auto credentials = ApplyCredentials(given, before ? before->credentials : RuleCredentials{},
                                      before ? before->url : "", rule->url, policy.secrets.get());
  if (!credentials) return Fail(credentials.error());
  rule->credentials = std::move(*credentials);
  return rule;
}

}  // namespace

LookupResolver OrgLookupResolver(sql::Connection& c, int64_t org_id) {
  return [&c, org_id](const std::string& kind, const std::string& name, int64_t parent) {
    return FindLookup(c, org_id, kind, name, parent);
  };
}

std::vector<Rule> LoadRules(sql::Connection& c, int64_t org_id) {
  std::vector<Rule> rules;
  for (const auto& r : c.Query(std::string("SELECT ") + kRuleColumns +
                                   " FROM webhook_rules WHERE org_id = ? ORDER BY id",
                               {org_id}))
    rules.push_back(ToRule(r));
  return rules;
}

Result<Rule> LoadRule(sql::Connection& c, int64_t org_id, int64_t id) {
  auto r = c.QueryOne(
      std::string("SELECT ") + kRuleColumns + " FROM webhook_rules WHERE id = ? AND org_id = ?",
      {id, org_id});
  if (!r) return Fail(Error::NotFound("No webhook rule has id " + std::to_string(id) + "."));
  return ToRule(*r);
}

Result<std::vector<Rule>> ListRules(sql::Connection& c, int64_t org_id, const RuleListQuery& q) {
  LW_CHECK(RequireWebhooksEnabled(c, org_id));
  LW_CHECK(ValidateRuleListQuery(q));
  return FilterAndSortRules(LoadRules(c, org_id), q);
}

Result<json::value> ListRulesJson(sql::Connection& c, int64_t org_id, const RuleListQuery& q) {
  auto rules = ListRules(c, org_id, q);
  if (!rules) return Fail(rules.error());
  const LookupNames names = LoadLookupNames(c, org_id);
  json::array records;
  for (const Rule& r : *rules) records.push_back(RuleJson(r, names));
  const SigningKeypair pair = LoadSigningKeypair(c, org_id);
  const bool ed25519 = pair.signing == kSigningEd25519 && pair.public_key;
  return json::object{{"records", std::move(records)},
                      {"total", rules->size()},
                      {"authentication_key", LoadWebhookSettings(c, org_id).key},
                      {"public_key", ed25519 ? json::value(*pair.public_key) : nullptr}};
}

Result<json::value> GetRuleJson(sql::Connection& c, int64_t org_id, int64_t id) {
  LW_CHECK(RequireWebhooksEnabled(c, org_id));
  auto rule = LoadRule(c, org_id, id);
  if (!rule) return Fail(rule.error());
  return RuleJson(*rule, LoadLookupNames(c, org_id));
}

Result<json::value> RuleExampleJson(sql::Connection& c, int64_t org_id, int64_t id,
                                    const std::string& by_user, int64_t now_ms) {
  LW_CHECK(RequireWebhooksEnabled(c, org_id));
  auto rule = LoadRule(c, org_id, id);
  if (!rule) return Fail(rule.error());
  json::object example = SamplePayload(rule->trigger_id, by_user, now_ms);
  if (rule->payload_template.empty()) return example;
  const json::value stored = StoredTemplate(rule->payload_template);
  if (!stored.is_object())
    return Fail(Error::Field("payload_template", "the rule's stored template cannot be read"));
  auto body = PayloadTemplate::Trusted(stored).Render(example);
  if (!body) return Fail(body.error());
  return json::parse(*body);
}

Result<json::value> RuleSchemaJson(sql::Connection& c, int64_t org_id, int64_t id) {
  LW_CHECK(RequireWebhooksEnabled(c, org_id));
  auto rule = LoadRule(c, org_id, id);
  if (!rule) return Fail(rule.error());
  json::object schema = PayloadSchema(rule->trigger_id);
  if (rule->payload_template.empty()) return schema;
  const json::value stored = StoredTemplate(rule->payload_template);
  if (!stored.is_object())
    return Fail(Error::Field("payload_template", "the rule's stored template cannot be read"));
  return PayloadTemplate::Trusted(stored).Schema(schema);
}

Result<json::value> CreateRule(sql::Connection& c, const Actor& actor, const json::object& body,
                               const RulePolicy& policy) {
  LW_CHECK(RequireWebhooksEnabled(c, actor.org_id));
  json::array secrets_set;
  auto rule = ParseForOrg(c, actor.org_id, body, policy, secrets_set);
  if (!rule) return Fail(rule.error());
  const int64_t id = c.InsertId(
      "INSERT INTO webhook_rules (org_id, title, enabled, url, trigger_id, creation_rules, "
      "created_at, updated_at, ordered, headers, auth, payload_template) VALUES (?, ?, ?, ?, ?, ?, "
      "?, ?, ?, ?, ?, ?) RETURNING id",
      {actor.org_id, rule->title, int64_t(rule->enabled), rule->url, int64_t(rule->trigger_id),
       CreationRulesToStorage(rule->creation_rules), actor.now_ms, actor.now_ms,
       int64_t(rule->ordered), StoredOrNull(HeadersToStorage(rule->credentials.headers)),
       StoredOrNull(AuthToStorage(rule->credentials.auth)), StoredOrNull(rule->payload_template)});
  BumpRulesVersion(c, actor.org_id);
  auto out = GetRuleJson(c, actor.org_id, id);
  json::value audited = *out;
  audited.as_object()["secrets_set"] = std::move(secrets_set);
  RecordAudit(c, actor, "rule.created", "webhook_rule", id, audited);
  return out;
}

Result<json::value> UpdateRule(sql::Connection& c, const Actor& actor, int64_t id,
                               const json::object& body, const RulePolicy& policy) {
  auto before = GetRuleJson(c, actor.org_id, id);
  if (!before) return Fail(before.error());
  auto stored = LoadRule(c, actor.org_id, id);
  if (!stored) return Fail(stored.error());
  json::array secrets_set;
  auto rule = ParseForOrg(c, actor.org_id, body, policy, secrets_set, &*stored);
  if (!rule) return Fail(rule.error());
  // Re-enabling a rule clears the reason Leadwire disabled it.
  c.Exec(
      "UPDATE webhook_rules SET title = ?, enabled = ?, url = ?, trigger_id = ?, "
      "creation_rules = ?, updated_at = ?, ordered = ?, headers = ?, auth = ?, payload_template = "
      "?, "
      "disabled_reason = CASE WHEN ? = 1 THEN NULL ELSE disabled_reason END "
      "WHERE id = ? AND org_id = ?",
      {rule->title, int64_t(rule->enabled), rule->url, int64_t(rule->trigger_id),
       CreationRulesToStorage(rule->creation_rules), actor.now_ms, int64_t(rule->ordered),
       StoredOrNull(HeadersToStorage(rule->credentials.headers)),
       StoredOrNull(AuthToStorage(rule->credentials.auth)), StoredOrNull(rule->payload_template),
       int64_t(rule->enabled), id, actor.org_id});
  BumpRulesVersion(c, actor.org_id);
  // Enabled again: its first deliveries go at once, not after the next tidy
  // of parked ones. An ordered rule no longer ordered lets go of what it
  // held back behind retries.
  if (rule->enabled) deliveries::Unpark(c, id, kUnparkAtOnce);
  if (before->at("ordered").as_bool() && !rule->ordered)
    deliveries::ReleaseHeldBack(c, id, std::nullopt, actor.now_ms);
  auto after = GetRuleJson(c, actor.org_id, id);
  RecordAudit(c, actor, "rule.updated", "webhook_rule", id,
              json::object{
                  {"before", *before}, {"after", *after}, {"secrets_set", std::move(secrets_set)}});
  return after;
}

Status DeleteRule(sql::Connection& c, const Actor& actor, int64_t id) {
  auto before = GetRuleJson(c, actor.org_id, id);
  if (!before) return Fail(before.error());
  if (before->at("enabled").as_bool())
    return Fail(Error::Conflict("rule_enabled", "Disable the rule before deleting it."));
  c.Exec("DELETE FROM webhook_rules WHERE id = ? AND org_id = ?", {id, actor.org_id});
  // Deleted rules cannot be recovered, so neither can their queued deliveries.
  deliveries::CancelPending(c, id, actor.now_ms);
  DeleteRuleStats(c, id);
  CancelRuleNotifications(c, id);
  BumpRulesVersion(c, actor.org_id);
  RecordAudit(c, actor, "rule.deleted", "webhook_rule", id, *before);
  return {};
}

json::value TriggersJson() {
  json::array records;
  for (const auto& t : Triggers())
    records.push_back(json::object{
        {"id", t.id},
        {"name", t.name},
        {"creation_rules", t.creation_rules},
        {"custom_fields", PayloadHasCustomFields(t.id)},
        {"schema_url", "/api/webhook-triggers/" + std::to_string(t.id) + "/schema"},
        {"example_url", "/api/webhook-triggers/" + std::to_string(t.id) + "/example"}});
  const auto n = records.size();
  return json::object{{"records", std::move(records)}, {"total", n}};
}

void DisableRuleBySystem(sql::Connection& c, int64_t org_id, int64_t rule_id,
                         const std::string& reason, int64_t now_ms) {
  if (c.Exec("UPDATE webhook_rules SET enabled = 0, disabled_reason = ?, updated_at = ? "
             "WHERE id = ? AND org_id = ? AND enabled = 1",
             {reason, now_ms, rule_id, org_id}) == 0)
    return;
  const Actor system{org_id, 0, "Leadwire", true, now_ms};
  RecordAudit(c, system, "rule.disabled", "webhook_rule", rule_id,
              json::object{{"reason", reason}});
  BumpRulesVersion(c, org_id);
  QueueRuleNotification(c, org_id, rule_id, NotifyKind::kDisabled, reason, now_ms);
  // Rules on "Webhook Rule Disabled" forward the news (to chat, to tickets).
  RecordEvent(c, system, trigger::kWebhookRuleDisabled, EventSubject{.subject_id = rule_id});
}

std::optional<int64_t> FindRuleByTitle(sql::Connection& c, int64_t org_id,
                                       const std::string& title) {
  auto r =
      c.QueryOne("SELECT id FROM webhook_rules WHERE org_id = ? AND title = ?", {org_id, title});
  if (!r) return std::nullopt;
  return r->Int(0);
}

void MarkRulesHealthy(sql::Connection& c, const std::vector<int64_t>& rule_ids) {
  if (rule_ids.empty()) return;
  c.ExecIn(
      "UPDATE webhook_rules SET failing_since = NULL WHERE failing_since IS NOT NULL AND id IN "
      "(@ids)",
      {}, rule_ids);
}

void NoteRuleFailure(sql::Connection& c, int64_t org_id, int64_t rule_id, int64_t now_ms) {
  c.Exec("UPDATE webhook_rules SET failing_since = ? WHERE id = ? AND failing_since IS NULL",
         {now_ms, rule_id});
  auto r = c.QueryOne("SELECT failing_since, enabled, notified_at FROM webhook_rules WHERE id = ?",
                      {rule_id});
  if (!r || !r->Bool(1)) return;
  const int64_t since = r->Int(0);
  // An hour without a success while attempts fail: the Admins hear of it,
  // again each day it goes on, but not in the day before the 5-day disable,
  // whose own email the 24-hour window would otherwise swallow. (The window
  // is checked here first, so a long failure costs no write per batch.)
  if (since <= now_ms - kNotifyAfterFailingMs &&
      now_ms < since + kAutoDisableAfterMs - kNotifyAtMostEveryMs &&
      r->OptInt(2).value_or(0) <= now_ms - kNotifyAtMostEveryMs)
    QueueRuleNotification(c, org_id, rule_id, NotifyKind::kFailing,
                          "No webhook of this rule has been delivered since " + FormatIsoMs(since) +
                              ", and its attempts keep failing. Leadwire keeps retrying; after "
                              "5 days of failures it disables the rule.",
                          now_ms);
  if (since > now_ms - kAutoDisableAfterMs) return;
  DisableRuleBySystem(c, org_id, rule_id,
                      "Disabled automatically: every delivery has failed since " +
                          FormatIsoMs(r->Int(0)) + " (5 days).",
                      now_ms);
}

}  // namespace lw
