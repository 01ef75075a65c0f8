#include "webhooks/deliveries_service.h"

#include <boost/json.hpp>

#include "common/json_fields.h"
#include "common/time_format.h"
#include "domain/audit_log.h"
#include "webhooks/outbox.h"
#include "webhooks/payload.h"
#include "webhooks/rules_service.h"
#include "webhooks/triggers.h"

namespace lw {

namespace json = boost::json;

namespace {

constexpr const char* kDeliveryColumns =
    "d.id, d.webhook_id, d.rule_id, d.event_id, e.trigger_id, d.status, d.attempt_count, "
    "d.next_attempt_at, d.created_at, e.is_test";

json::value OptText(const sql::Row& r, size_t i) {
  return r.IsNull(i) ? json::value(nullptr) : json::value(r.Text(i));
}

json::value DeliveryJson(sql::Connection& c, const sql::Row& r) {
  json::array attempts;
  for (const auto& a : c.Query(
           "SELECT at, http_status, duration_ms, error, response_excerpt FROM delivery_attempts "
           "WHERE delivery_id = ? ORDER BY id",
           {r.Int(0)}))
    attempts.push_back(
        json::object{{"at", FormatIsoMs(a.Int(0))},
                     {"http_status", a.IsNull(1) ? json::value(nullptr) : json::value(a.Int(1))},
                     {"duration_ms", a.Int(2)},
                     {"error", OptText(a, 3)},
                     {"response_excerpt", OptText(a, 4)}});
  const Trigger* t = FindTrigger(int(r.Int(4)));
  const bool pending = r.Text(5) == "pending";
  return json::object{
      {"id", r.Int(0)},
      {"webhook_id", r.Text(1)},
      {"rule_id", r.Int(2)},
      {"event_id", r.Int(3)},
      {"event", t ? t->name : ""},
      {"test", r.Bool(9)},
      {"status", r.Text(5)},
      {"attempt_count", r.Int(6)},
      {"attempts", std::move(attempts)},
      {"next_attempt_at", pending ? json::value(FormatIsoMs(r.Int(7))) : json::value(nullptr)},
      {"created_at", FormatIsoMs(r.Int(8))}};
}

std::string From() { return " FROM deliveries d JOIN events e ON e.id = d.event_id "; }

}  // namespace

Result<json::value> ListDeliveries(sql::Connection& c, int64_t org_id, int64_t rule_id,
                                   const std::string& status, int64_t limit, int64_t offset) {
  LW_CHECK(RequireWebhooksEnabled(c, org_id));
  auto rule = LoadRule(c, org_id, rule_id);
  if (!rule) return Fail(rule.error());
  if (!status.empty() && status != "pending" && status != "delivered" && status != "failed" &&
      status != "cancelled")
    return Fail(Error::Field("status", "must be pending, delivered, failed or cancelled"));
  std::string where = "WHERE d.rule_id = ? AND d.org_id = ?";
  std::vector<sql::Value> params{rule_id, org_id};
  if (!status.empty()) {
    where += " AND d.status = ?";
    params.emplace_back(status);
  }
  const int64_t total = c.Query("SELECT COUNT(*)" + From() + where, params).front().Int(0);
  params.insert(params.end(), {limit, offset});
  json::array records;
  for (const auto& r : c.Query(std::string("SELECT ") + kDeliveryColumns + From() + where +
                                   " ORDER BY d.id DESC LIMIT ? OFFSET ?",
                               params))
    records.push_back(DeliveryJson(c, r));
  return json::object{{"records", std::move(records)}, {"total", total}};
}

Result<json::value> GetDelivery(sql::Connection& c, int64_t org_id, int64_t id) {
  auto r = c.QueryOne(
      std::string("SELECT ") + kDeliveryColumns + From() + "WHERE d.id = ? AND d.org_id = ?",
      {id, org_id});
  if (!r) return Fail(Error::NotFound("No delivery has id " + std::to_string(id) + "."));
  return DeliveryJson(c, *r);
}

Result<json::value> Redeliver(sql::Connection& c, const Actor& actor, int64_t id) {
  LW_CHECK(RequireWebhooksEnabled(c, actor.org_id));
  auto d =
      c.QueryOne("SELECT status FROM deliveries WHERE id = ? AND org_id = ?", {id, actor.org_id});
  if (!d) return Fail(Error::NotFound("No delivery has id " + std::to_string(id) + "."));
  if (d->Text(0) == "cancelled")
    return Fail(Error::Conflict("delivery_cancelled", "The delivery's rule was deleted."));
  c.Exec(
      "UPDATE deliveries SET status = 'pending', attempt_count = 0, next_attempt_at = ?, "
      "lease_until = 0, updated_at = ? WHERE id = ?",
      {actor.now_ms, actor.now_ms, id});
  return GetDelivery(c, actor.org_id, id);
}

Result<json::value> SendTestEvent(sql::Connection& c, const Actor& actor, int64_t rule_id) {
  LW_CHECK(RequireWebhooksEnabled(c, actor.org_id));
  auto rule = LoadRule(c, actor.org_id, rule_id);
  if (!rule) return Fail(rule.error());
  const std::string payload =
      json::serialize(SamplePayload(rule->trigger_id, actor.user_name, actor.now_ms));
  const int64_t event_id = c.InsertId(
      "INSERT INTO events (org_id, trigger_id, user_id, created_at, payload, is_test) "
      "VALUES (?, ?, ?, ?, ?, 1) RETURNING id",
      {actor.org_id, int64_t(rule->trigger_id), actor.user_id, actor.now_ms, payload});
  const int64_t id = c.InsertId(
      "INSERT INTO deliveries (org_id, rule_id, event_id, webhook_id, status, next_attempt_at, "
      "created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?) RETURNING id",
      {actor.org_id, rule_id, event_id, NewWebhookId(), actor.now_ms, actor.now_ms, actor.now_ms});
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
  const int64_t n = c.Exec(
      "UPDATE deliveries SET status = 'pending', attempt_count = 0, next_attempt_at = ?, "
      "lease_until = 0, updated_at = ? WHERE rule_id = ? AND org_id = ? AND status = 'failed' "
      "AND created_at >= ?",
      {actor.now_ms, actor.now_ms, rule_id, actor.org_id, *since});
  RecordAudit(c, actor, "rule.recovered", "webhook_rule", rule_id,
              json::object{{"since", FormatIsoMs(*since)}, {"deliveries", n}});
  return json::object{{"recovered", n}};
}

}  // namespace lw
