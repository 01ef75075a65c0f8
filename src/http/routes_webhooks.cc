// §4 of the spec: webhook settings, triggers, rules, the export and the audit
// log. Admin only.
#include <boost/json.hpp>

#include "domain/audit_log.h"
#include "domain/lead_record.h"
#include "domain/triggers.h"
#include "http/json_response.h"
#include "http/route_helpers.h"
#include "http/routes.h"
#include "webhooks/deliveries_service.h"
#include "webhooks/lead_webhooks.h"
#include "webhooks/payload.h"
#include "webhooks/payload_schema.h"
#include "webhooks/rule_preview.h"
#include "webhooks/rule_stats.h"
#include "webhooks/rules_export.h"
#include "webhooks/rules_service.h"
#include "webhooks/webhook_settings.h"

namespace lw::http {

namespace json = boost::json;

namespace {

using Conn = sql::Connection;
using Ctx = RequestContext;

RuleListQuery ListQuery(const Request& req) {
  RuleListQuery q;
  q.filter = req.Query("filter");
  if (auto s = req.Query("sort"); !s.empty()) q.sort = s;
  if (auto o = req.Query("order"); !o.empty()) q.order = o;
  return q;
}

// The lead of /api/leads/{id}/…, as creation rules see it; 404 when the
// organization has no such lead.
Result<LeadRecord> LeadOf(Conn& c, Ctx& ctx) {
  auto lead = LoadLeadRecord(c, ctx.who.org_id, ctx.id());
  if (!lead) return Fail(Error::NotFound("No lead has id " + std::to_string(ctx.id()) + "."));
  return std::move(*lead);
}

// The trigger of /api/webhook-triggers/{id}/…; 404 when there is none.
Result<const Trigger*> TriggerOf(Ctx& ctx) {
  const Trigger* t = ctx.id() > 0 && ctx.id() < 1000 ? FindTrigger(int(ctx.id())) : nullptr;
  if (!t) return Fail(Error::NotFound("No trigger has id " + std::to_string(ctx.id()) + "."));
  return t;
}

// The settings as answered: with whether this node sends the notification
// emails (a flag of the node, not a setting of the organization).
Result<json::value> WithSmtp(Result<json::value> settings, const RulePolicy& policy) {
  if (settings && settings->is_object())
    settings->as_object()["smtp_configured"] = policy.smtp_configured;
  return settings;
}

}  // namespace

void AddWebhookRoutes(Router& r, RulePolicy policy) {
  r.Add("GET", "/api/settings/webhooks", Access::kAdmin,
        Reads(r, [policy](Conn& c, Ctx& ctx) -> Result<json::value> {
          return WithSmtp(WebhookSettingsJson(c, ctx.who.org_id, ctx.now_ms), policy);
        }));
  r.Add("PUT", "/api/settings/webhooks", Access::kAdmin,
        Writes(r, 200, [policy](Conn& c, Ctx& ctx) {
          return WithSmtp(UpdateWebhookSettings(c, ctx.actor(), ctx.body, policy.secrets.get()),
                          policy);
        }));
  r.Add("POST", "/api/settings/webhooks/rotate-key", Access::kAdmin,
        Writes(r, 200, [policy](Conn& c, Ctx& ctx) -> Result<json::value> {
          return WithSmtp(RotateWebhookKey(c, ctx.actor(), policy.secrets.get()), policy);
        }));
  r.Add("GET", "/api/webhook-triggers", Access::kAdmin,
        Reads(r, [](Conn&, Ctx&) -> Result<json::value> { return TriggersJson(); }));

  // The event catalog: what each trigger's payload holds, and one to try.
  r.Add("GET", "/api/webhook-triggers/{id}/schema", Access::kAdmin,
        Reads(r, [](Conn&, Ctx& ctx) -> Result<json::value> {
          auto t = TriggerOf(ctx);
          if (!t) return Fail(t.error());
          return PayloadSchema((*t)->id);
        }));
  r.Add("GET", "/api/webhook-triggers/{id}/example", Access::kAdmin,
        Reads(r, [](Conn&, Ctx& ctx) -> Result<json::value> {
          auto t = TriggerOf(ctx);
          if (!t) return Fail(t.error());
          return SamplePayload((*t)->id, ctx.who.name, ctx.now_ms);
        }));

  r.Add("GET", "/api/webhook-rules", Access::kAdmin, Reads(r, [](Conn& c, Ctx& ctx) {
          return ListRulesJson(c, ctx.who.org_id, ListQuery(ctx.req));
        }));
  r.Add("POST", "/api/webhook-rules", Access::kAdmin, Writes(r, 201, [policy](Conn& c, Ctx& ctx) {
          return CreateRule(c, ctx.actor(), ctx.body, policy);
        }));
  r.Add("GET", "/api/webhook-rules/export.xlsx", Access::kAdmin,
        [&r](Ctx& ctx) -> Result<Response> {
          auto rules = ReadResult<std::vector<Rule>>(
              r.db(), [&](Conn& c) { return ListRules(c, ctx.who.org_id, ListQuery(ctx.req)); });
          if (!rules) return Fail(rules.error());
          auto bytes = RulesToXlsx(*rules);
          if (!bytes) return Fail(bytes.error());
          Response res;
          res.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
          res.headers.emplace_back("Content-Disposition",
                                   "attachment; filename=\"webhook-rules.xlsx\"");
          res.body = std::move(*bytes);
          return res;
        });
  r.Add("GET", "/api/webhook-rules/{id}", Access::kAdmin,
        Reads(r, [](Conn& c, Ctx& ctx) { return GetRuleJson(c, ctx.who.org_id, ctx.id()); }));
  r.Add("PUT", "/api/webhook-rules/{id}", Access::kAdmin,
        Writes(r, 200, [policy](Conn& c, Ctx& ctx) {
          return UpdateRule(c, ctx.actor(), ctx.id(), ctx.body, policy);
        }));
  r.Add("GET", "/api/webhook-rules/{id}/schema", Access::kAdmin,
        Reads(r, [](Conn& c, Ctx& ctx) { return RuleSchemaJson(c, ctx.who.org_id, ctx.id()); }));
  r.Add("GET", "/api/webhook-rules/{id}/example", Access::kAdmin, Reads(r, [](Conn& c, Ctx& ctx) {
          return RuleExampleJson(c, ctx.who.org_id, ctx.id(), ctx.who.name, ctx.now_ms);
        }));
  // The rule form's Payload preview: a rule as typed, unsaved; changes nothing.
  r.Add("POST", "/api/webhook-rules/preview", Access::kAdmin, Reads(r, [](Conn& c, Ctx& ctx) {
          return PreviewRuleBody(c, ctx.who.org_id, ctx.body, ctx.who.name, ctx.now_ms);
        }));
  r.Add("GET", "/api/webhook-rules/{id}/stats", Access::kAdmin, Reads(r, [](Conn& c, Ctx& ctx) {
          return RuleStatsJson(c, ctx.who.org_id, ctx.id(), ctx.req.Query("hours"), ctx.now_ms);
        }));
  r.Add("DELETE", "/api/webhook-rules/{id}", Access::kAdmin, [&r](Ctx& ctx) -> Result<Response> {
    LW_CHECK(r.db().Write([&](Conn& c) -> Status {
      LW_CHECK(RequireWebhooksEnabled(c, ctx.who.org_id));
      return DeleteRule(c, ctx.actor(), ctx.id());
    }));
    return NoContent();
  });

  r.Add("GET", "/api/webhook-rules/{id}/deliveries", Access::kAdmin,
        Reads(r, [](Conn& c, Ctx& ctx) -> Result<json::value> {
          auto paging = ReadPaging(ctx.req);
          if (!paging) return Fail(paging.error());
          return ListDeliveries(c, ctx.who.org_id, ctx.id(), ctx.req.Query("status"), paging->limit,
                                paging->offset);
        }));
  r.Add("GET", "/api/deliveries/{id}", Access::kAdmin,
        Reads(r, [](Conn& c, Ctx& ctx) -> Result<json::value> {
          LW_CHECK(RequireWebhooksEnabled(c, ctx.who.org_id));
          return GetDelivery(c, ctx.who.org_id, ctx.id());
        }));
  r.Add("POST", "/api/deliveries/{id}/redeliver", Access::kAdmin,
        Writes(r, 202, [](Conn& c, Ctx& ctx) { return Redeliver(c, ctx.actor(), ctx.id()); }));
  r.Add("POST", "/api/webhook-rules/{id}/test", Access::kAdmin,
        Writes(r, 202, [](Conn& c, Ctx& ctx) { return SendTestEvent(c, ctx.actor(), ctx.id()); }));
  r.Add("POST", "/api/webhook-rules/{id}/recover", Access::kAdmin,
        Writes(r, 202, [](Conn& c, Ctx& ctx) {
          return RecoverFailed(c, ctx.actor(), ctx.id(), ctx.body);
        }));

  // Why a webhook did or did not fire for a lead; answers while webhooks are off.
  r.Add("GET", "/api/leads/{id}/webhooks", Access::kAdmin,
        Reads(r, [](Conn& c, Ctx& ctx) -> Result<json::value> {
          auto lead = LeadOf(c, ctx);
          if (!lead) return Fail(lead.error());
          return ExplainLeadWebhooks(c, ctx.who.org_id, lead->id, lead->facts,
                                     lead->case_tracker_code);
        }));
  // The rule form's dry run: a rule as typed, unsaved, against the lead. A
  // POST because it carries the rule; it changes nothing.
  r.Add("POST", "/api/leads/{id}/webhooks/check", Access::kAdmin,
        Reads(r, [](Conn& c, Ctx& ctx) -> Result<json::value> {
          auto lead = LeadOf(c, ctx);
          if (!lead) return Fail(lead.error());
          return CheckRuleAgainstLead(c, ctx.who.org_id, lead->facts, lead->case_tracker_code,
                                      ctx.body);
        }));

  r.Add("GET", "/api/audit-log", Access::kAdmin,
        Reads(r, [](Conn& c, Ctx& ctx) -> Result<json::value> {
          auto paging = ReadPaging(ctx.req);
          if (!paging) return Fail(paging.error());
          return ListAudit(c, ctx.who.org_id, paging->limit, paging->offset);
        }));
}

}  // namespace lw::http
