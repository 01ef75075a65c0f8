#include "webhooks/deliveries_service.h"

#include <algorithm>
#include <boost/json.hpp>

#include "common/json_fields.h"
#include "common/time_format.h"
#include "common/unicode.h"
#include "domain/audit_log.h"
#include "domain/events.h"
#include "domain/triggers.h"
#include "webhooks/delivery_repository.h"
#include "webhooks/delivery_subject.h"
#include "webhooks/payload.h"
#include "webhooks/rules_service.h"
#include "webhooks/webhook_settings.h"

namespace lw {

namespace json = boost::json;

namespace {

// Receivers' bytes are made valid text before they are stored; rows stored
// before that was so (SQLite kept them as they came) are made so here, or
// the listing would not be JSON.
json::value OptText(const std::optional<std::string>& s) {
  return s ? json::value(StorableText(*s, 3 * s->size())) : json::value(nullptr);
}

json::value DeliveryJson(const deliveries::DeliveryRow& d) {
  json::array attempts;
  for (const auto& a : d.attempts)
    attempts.push_back(
        json::object{{"at", FormatIsoMs(a.at)},
                     {"http_status", a.http_status ? json::value(*a.http_status) : nullptr},
                     {"duration_ms", a.duration_ms},
                     {"error", OptText(a.error)},
                     {"response_excerpt", OptText(a.response_excerpt)}});
  const Trigger* t = FindTrigger(d.trigger_id);
  const bool pending = d.status == "pending";
  return json::object{
      {"id", d.id},
      {"webhook_id", d.webhook_id},
      {"rule_id", d.rule_id},
      {"event_id", d.event_id},
      {"event", t ? t->name : ""},
      {"test", d.test},
      {"status", d.status},
      {"attempt_count", d.attempt_count},
      {"attempts", std::move(attempts)},
      {"next_attempt_at",
       pending ? json::value(FormatIsoMs(deliveries::DueAt(d.next_attempt_at))) : nullptr},
      {"created_at", FormatIsoMs(d.created_at)},
      {"subject", OptText(d.subject)},
      {"sequence", d.sequence ? json::value(*d.sequence) : nullptr},
      {"waiting_for", d.waiting_for ? json::value(*d.waiting_for) : nullptr}};
}

json::value PageJson(const deliveries::Page& page) {
  json::array records;
  for (const auto& d : page.rows) records.push_back(DeliveryJson(d));
  return json::object{{"records", std::move(records)}, {"total", page.total}};
}

Error NoDelivery(int64_t id) {
  return Error::NotFound("No delivery has id " + std::to_string(id) + ".");
}

}  // namespace

Result<json::value> ListDeliveries(sql::Connection& c, int64_t org_id, int64_t rule_id,
                                   const std::string& status, int64_t limit, int64_t offset) {
  LW_CHECK(RequireWebhooksEnabled(c, org_id));
  auto rule = LoadRule(c, org_id, rule_id);
  if (!rule) return Fail(rule.error());
  const auto& known = deliveries::Statuses();
  if (!status.empty() && std::find(known.begin(), known.end(), status) == known.end())
    return Fail(Error::Field("status", "must be pending, delivered, failed or cancelled"));
  return PageJson(deliveries::ListForRule(c, org_id, rule_id, status, limit, offset));
}

json::value LeadDeliveriesJson(sql::Connection& c, int64_t org_id, int64_t lead_id, int64_t limit) {
  return PageJson(deliveries::ListForLead(c, org_id, lead_id, limit));
}

Result<json::value> GetDelivery(sql::Connection& c, int64_t org_id, int64_t id) {
  auto d = deliveries::Find(c, org_id, id);
  if (!d) return Fail(NoDelivery(id));
  return DeliveryJson(*d);
}

Result<json::value> Redeliver(sql::Connection& c, const Actor& actor, int64_t id) {
  LW_CHECK(RequireWebhooksEnabled(c, actor.org_id));
  auto d = deliveries::Find(c, actor.org_id, id);
  if (!d) return Fail(NoDelivery(id));
  // Sent again only to its own rule, which must still exist: a delivery
  // made pending without one would wait forever.
  auto rule = LoadRule(c, actor.org_id, d->rule_id);
  if (d->status == "cancelled" || !rule)
    return Fail(Error::Conflict("rule_deleted",
                                "The delivery's rule was deleted; it cannot be sent again."));
  // One copy at a time: a webhook is never sent twice at once, and on an
  // ordered rule a resent one must not race its successors.
  if (!deliveries::MakeDueAgain(c, id, actor.now_ms))
    return Fail(Error::Conflict("in_flight",
                                "The delivery is being sent right now; redeliver it once this "
                                "attempt has ended."));
  // A resend reaches the firm's systems again: who asked for it is kept.
  RecordAudit(c, actor, "delivery.redelivered", "webhook_rule", d->rule_id,
              json::object{{"delivery_id", id}, {"webhook_id", d->webhook_id}});
  return GetDelivery(c, actor.org_id, id);
}

Result<json::value> SendTestEvent(sql::Connection& c, const Actor& actor, int64_t rule_id) {
  LW_CHECK(RequireWebhooksEnabled(c, actor.org_id));
  auto rule = LoadRule(c, actor.org_id, rule_id);
  if (!rule) return Fail(rule.error());
  const std::string payload =
      json::serialize(SamplePayload(rule->trigger_id, actor.user_name, actor.now_ms));
  const int64_t event_id = RecordTestEvent(c, actor, rule->trigger_id, payload);
  const int64_t id =
      deliveries::Enqueue(c, actor.org_id, rule_id, event_id, kTestSubject, actor.now_ms);
  RecordAudit(c, actor, "rule.test_sent", "webhook_rule", rule_id,
              json::object{{"delivery_id", id}});
  return GetDelivery(c, actor.org_id, id);
}

Result<json::value> RecoverFailed(sql::Connection& c, const Actor& actor, int64_t rule_id,
                                  const json::object& body) {
  LW_CHECK(RequireWebhooksEnabled(c, actor.org_id));
  auto rule = LoadRule(c, actor.org_id, rule_id);
  if (!rule) return Fail(rule.error());
  FieldReader f(body);
  const std::string since_text = f.RequiredString("since", 64);
  const auto since = ParseIso(since_text);
  if (f.ok() && !since) f.Fail("since", "must be an ISO-8601 time, e.g. 2025-01-15T12:00:00Z");
  LW_CHECK(f.Check());
  const int64_t n = deliveries::MakeFailedDueAgain(c, actor.org_id, rule_id, *since, actor.now_ms);
  RecordAudit(c, actor, "rule.recovered", "webhook_rule", rule_id,
              json::object{{"since", FormatIsoMs(*since)}, {"deliveries", n}});
  return json::object{{"recovered", n}};
}

deliveries::QueueCounts QueueState(sql::Connection& c, int64_t now_ms) {
  return deliveries::CountQueue(c, now_ms);
}

}  // namespace lw
