#include "delivery/delivery_store.h"

#include <boost/json.hpp>

#include "common/time_format.h"
#include "delivery/retry_policy.h"
#include "webhooks/rules_service.h"
#include "webhooks/signature.h"
#include "webhooks/triggers.h"

namespace lw {

namespace {

// One UPDATE per chunk of ids rather than one per delivery.
void SetLeases(sql::Connection& c, const std::vector<int64_t>& ids, int64_t until) {
  constexpr size_t kChunk = 256;
  for (size_t start = 0; start < ids.size(); start += kChunk) {
    const size_t n = std::min(kChunk, ids.size() - start);
    std::string sql = "UPDATE deliveries SET lease_until = ? WHERE id IN (?";
    for (size_t i = 1; i < n; ++i) sql += ",?";
    sql += ")";
    std::vector<sql::Value> params{until};
    for (size_t i = 0; i < n; ++i) params.emplace_back(ids[start + i]);
    c.Query(sql, params);
  }
}

}  // namespace

std::vector<ClaimedDelivery> ClaimDueDeliveries(sql::Connection& c, const std::string& dialect,
                                                int64_t now_ms, int limit,
                                                const std::set<int64_t>& excluded_rules) {
  std::string sql =
      "SELECT d.id, d.org_id, d.rule_id, d.webhook_id, r.url, e.payload, e.trigger_id, "
      "o.webhook_key, o.previous_webhook_key, o.previous_key_valid_until "
      "FROM deliveries d JOIN organizations o ON o.id = d.org_id "
      "JOIN webhook_rules r ON r.id = d.rule_id JOIN events e ON e.id = d.event_id "
      "WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND d.lease_until <= ? "
      "AND o.webhooks_enabled = 1 AND r.enabled = 1";
  std::vector<sql::Value> params{now_ms, now_ms};
  if (!excluded_rules.empty()) {
    sql += " AND d.rule_id NOT IN (";
    for (int64_t id : excluded_rules) {
      sql += params.size() > 2 ? ",?" : "?";
      params.emplace_back(id);
    }
    sql += ")";
  }
  sql += " ORDER BY d.next_attempt_at LIMIT ?";
  params.emplace_back(int64_t(limit));
  // Several nodes may claim at once on PostgreSQL; rows another node is
  // claiming are skipped rather than waited for. SQLite has one writer.
  if (dialect == "postgresql") sql += " FOR UPDATE OF d SKIP LOCKED";
  std::vector<ClaimedDelivery> out;
  for (const auto& r : c.Query(sql, params)) {
    ClaimedDelivery d{r.Int(0), r.Int(1), r.Int(2), r.Text(3), r.Text(4), r.Text(5),
                      int(r.Int(6)), {r.Text(7)}};
    if (!r.IsNull(8) && r.OptInt(9).value_or(0) > now_ms) d.keys.push_back(r.Text(8));
    out.push_back(std::move(d));
  }
  std::vector<int64_t> ids;
  for (const auto& d : out) ids.push_back(d.id);
  SetLeases(c, ids, now_ms + kLeaseMs);
  return out;
}

void ReleaseLeases(sql::Connection& c, const std::vector<int64_t>& ids) { SetLeases(c, ids, 0); }

DeliveryJob BuildSignedJob(const ClaimedDelivery& d, int64_t now_ms) {
  const int64_t ts = now_ms / 1000;
  const Trigger* t = FindTrigger(d.trigger_id);
  DeliveryJob job{d.id, d.url, d.payload, {}};
  job.headers = {
      "Content-Type: application/json",
      "webhook-id: " + d.webhook_id,
      "webhook-timestamp: " + std::to_string(ts),
      "webhook-signature: " + StandardSignatureHeader(d.keys, d.webhook_id, ts, d.payload),
      "X-Leadwire-Signature: " + LeadwireSignature(d.keys.front(), d.payload),
      std::string("X-Leadwire-Event: ") + (t ? t->name : ""),
      "X-Leadwire-Rule-Id: " + std::to_string(d.rule_id),
      "User-Agent: Leadwire-Webhooks/" LEADWIRE_VERSION,
  };
  return job;
}

namespace {

// After a failed attempt: remember since when the rule fails, and disable it
// once every delivery has failed for five days.
void NoteFailure(sql::Connection& c, int64_t org_id, int64_t rule_id, int64_t now_ms) {
  c.Exec("UPDATE webhook_rules SET failing_since = ? WHERE id = ? AND failing_since IS NULL",
         {now_ms, rule_id});
  auto r = c.QueryOne("SELECT failing_since, enabled FROM webhook_rules WHERE id = ?", {rule_id});
  if (!r || !r->Bool(1) || r->Int(0) > now_ms - kAutoDisableAfterMs) return;
  DisableRuleBySystem(c, org_id, rule_id,
                      "Disabled automatically: every delivery has failed since " +
                          FormatIsoMs(r->Int(0)) + " (5 days).",
                      now_ms);
}

}  // namespace

ResultTally RecordResults(sql::Connection& c, const std::vector<DeliveryResult>& results,
                          int64_t now_ms, const std::function<double()>& uniform01) {
  ResultTally tally;
  for (const DeliveryResult& r : results) {
    c.Exec(
        "INSERT INTO delivery_attempts (delivery_id, at, http_status, duration_ms, error, "
        "response_excerpt) VALUES (?, ?, ?, ?, ?, ?)",
        {r.delivery_id, r.started_at_ms,
         r.http_status ? sql::Value(int64_t(*r.http_status)) : sql::Value(nullptr), r.duration_ms,
         r.error.empty() ? sql::Value(nullptr) : sql::Value(r.error),
         r.response_excerpt.empty() ? sql::Value(nullptr) : sql::Value(r.response_excerpt)});
    auto d = c.QueryOne(
        "SELECT attempt_count, org_id, rule_id, status FROM deliveries WHERE id = ?",
        {r.delivery_id});
    if (!d || d->Text(3) != "pending") continue;  // cancelled (rule deleted) meanwhile
    const int attempts = int(d->Int(0)) + 1;
    const int64_t org_id = d->Int(1), rule_id = d->Int(2);
    AttemptOutcome outcome{r.http_status, std::nullopt};
    if (r.retry_after) outcome.retry_after_ms = ParseRetryAfter(*r.retry_after, now_ms);
    const RetryDecision next = DecideAfterAttempt(attempts, outcome, now_ms, uniform01);
    std::string status = "pending";
    int64_t next_at = 0;
    switch (next.next) {
      case DeliveryNext::kDelivered:
        status = "delivered";
        ++tally.delivered;
        c.Exec("UPDATE webhook_rules SET failing_since = NULL WHERE id = ? AND failing_since IS "
               "NOT NULL",
               {rule_id});
        break;
      case DeliveryNext::kRetry:
        next_at = next.next_attempt_at;
        ++tally.retried;
        NoteFailure(c, org_id, rule_id, now_ms);
        break;
      case DeliveryNext::kFailed:
        status = "failed";
        ++tally.failed;
        NoteFailure(c, org_id, rule_id, now_ms);
        break;
      case DeliveryNext::kGone:
        status = "failed";
        ++tally.gone;
        DisableRuleBySystem(c, org_id, rule_id,
                            "Disabled automatically: the endpoint answered 410 Gone.", now_ms);
        break;
    }
    c.Exec(
        "UPDATE deliveries SET status = ?, attempt_count = ?, next_attempt_at = ?, "
        "lease_until = 0, updated_at = ? WHERE id = ?",
        {status, int64_t(attempts), next_at, now_ms, r.delivery_id});
  }
  return tally;
}

}  // namespace lw
