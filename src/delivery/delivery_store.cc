#include "delivery/delivery_store.h"

#include <bit>
#include <boost/json.hpp>
#include <unordered_map>

#include "common/time_format.h"
#include "delivery/retry_policy.h"
#include "webhooks/rules_service.h"
#include "webhooks/signature.h"
#include "webhooks/triggers.h"

namespace lw {

namespace {

constexpr size_t kChunk = 256;  // ids per IN (…) list

// "?,?,…" for n parameters.
std::string Placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += i ? ",?" : "?";
  return out;
}

// Runs `sql_prefix` + "(?,…)" for every chunk of ids, after the leading params.
// A list is padded to a power of two by repeating its last id, so a handful
// of statements is prepared once and reused whatever the batch sizes.
void ForIdChunks(sql::Connection& c, const std::string& sql_prefix,
                 const std::vector<sql::Value>& leading, const std::vector<int64_t>& ids) {
  for (size_t start = 0; start < ids.size(); start += kChunk) {
    const size_t n = std::min(kChunk, ids.size() - start);
    const size_t padded = std::bit_ceil(n);
    std::vector<sql::Value> params = leading;
    params.reserve(leading.size() + padded);
    for (size_t i = 0; i < padded; ++i) params.emplace_back(ids[start + std::min(i, n - 1)]);
    c.Query(sql_prefix + "(" + Placeholders(padded) + ")", params);
  }
}

// A claimed delivery holds a lease: not claimable again until it runs out
// (its node may have died). The lease lives outside the due index, so taking
// one does not move index entries.
void SetLease(sql::Connection& c, const std::vector<int64_t>& ids, int64_t until) {
  ForIdChunks(c, "UPDATE deliveries SET lease_until = ? WHERE id IN ", {until}, ids);
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
    sql += " AND d.rule_id NOT IN (" + Placeholders(excluded_rules.size()) + ")";
    for (int64_t id : excluded_rules) params.emplace_back(id);
  }
  sql += " ORDER BY d.next_attempt_at LIMIT ?";
  params.emplace_back(int64_t(limit));
  // Several nodes may claim at once on PostgreSQL; rows another node is
  // claiming are skipped rather than waited for. SQLite has one writer.
  if (dialect == "postgresql") sql += " FOR UPDATE OF d SKIP LOCKED";
  std::vector<ClaimedDelivery> out;
  std::vector<int64_t> ids;
  for (const auto& r : c.Query(sql, params)) {
    ClaimedDelivery d{r.Int(0),  r.Int(1),  r.Int(2),      r.Text(3),
                      r.Text(4), r.Text(5), int(r.Int(6)), {r.Text(7)}};
    if (!r.IsNull(8) && r.OptInt(9).value_or(0) > now_ms) d.keys.push_back(r.Text(8));
    ids.push_back(d.id);
    out.push_back(std::move(d));
  }
  SetLease(c, ids, now_ms + kLeaseMs);
  return out;
}

int64_t DeferDueDeliveries(sql::Connection& c, int64_t rule_id, int64_t now_ms, int64_t until_ms,
                           int limit) {
  // Walks the due index from the front, where a slow rule's backlog sits.
  return c.Exec(
      "UPDATE deliveries SET next_attempt_at = ? WHERE id IN (SELECT id FROM deliveries WHERE "
      "status = 'pending' AND next_attempt_at <= ? AND lease_until <= ? AND rule_id = ? "
      "ORDER BY next_attempt_at LIMIT ?)",
      {until_ms, now_ms, now_ms, rule_id, int64_t(limit)});
}

void ReleaseLeases(sql::Connection& c, const std::vector<int64_t>& ids) { SetLease(c, ids, 0); }

DeliveryJob BuildSignedJob(const ClaimedDelivery& d, int64_t now_ms) {
  const int64_t ts = now_ms / 1000;
  const Trigger* t = FindTrigger(d.trigger_id);
  DeliveryJob job{d.id, d.url, "", d.payload, {}};
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
  if (results.empty()) return tally;
  // Every attempt is recorded, in multi-row INSERTs.
  for (size_t start = 0; start < results.size(); start += kChunk) {
    const size_t n = std::min(kChunk, results.size() - start);
    std::string sql =
        "INSERT INTO delivery_attempts (delivery_id, at, http_status, duration_ms, error, "
        "response_excerpt) VALUES ";
    std::vector<sql::Value> params;
    params.reserve(n * 6);
    for (size_t i = 0; i < n; ++i) {
      const DeliveryResult& r = results[start + i];
      sql += i ? ",(?,?,?,?,?,?)" : "(?,?,?,?,?,?)";
      params.insert(
          params.end(),
          {r.delivery_id, r.started_at_ms,
           r.http_status ? sql::Value(int64_t(*r.http_status)) : sql::Value(nullptr), r.duration_ms,
           r.error.empty() ? sql::Value(nullptr) : sql::Value(r.error),
           r.response_excerpt.empty() ? sql::Value(nullptr) : sql::Value(r.response_excerpt)});
    }
    c.Query(sql, params);
  }
  // The deliveries as they stand (one may have been cancelled meanwhile).
  struct State {
    int attempts;
    int64_t org_id, rule_id;
  };
  std::unordered_map<int64_t, State> pending;
  std::vector<int64_t> ids;
  for (const auto& r : results) ids.push_back(r.delivery_id);
  for (size_t start = 0; start < ids.size(); start += kChunk) {
    const size_t n = std::min(kChunk, ids.size() - start);
    std::vector<sql::Value> params(ids.begin() + start, ids.begin() + start + n);
    // By primary key only: with "status = ?" here SQLite would walk the status index.
    for (const auto& row : c.Query("SELECT id, attempt_count, org_id, rule_id, status FROM "
                                   "deliveries WHERE id IN (" +
                                       Placeholders(n) + ")",
                                   params))
      if (row.Text(4) == "pending") pending[row.Int(0)] = {int(row.Int(1)), row.Int(2), row.Int(3)};
  }
  std::vector<int64_t> delivered;
  std::set<int64_t> healthy_rules;
  std::set<std::pair<int64_t, int64_t>> failing_rules;  // (org, rule)
  for (const DeliveryResult& r : results) {
    auto it = pending.find(r.delivery_id);
    if (it == pending.end()) continue;
    const State s = it->second;
    pending.erase(it);  // a delivery answered twice in one batch counts once
    AttemptOutcome outcome{r.http_status, std::nullopt};
    if (r.retry_after) outcome.retry_after_ms = ParseRetryAfter(*r.retry_after, now_ms);
    const RetryDecision next = DecideAfterAttempt(s.attempts + 1, outcome, now_ms, uniform01);
    if (next.next == DeliveryNext::kDelivered) {
      ++tally.delivered;
      delivered.push_back(r.delivery_id);
      healthy_rules.insert(s.rule_id);
      continue;
    }
    const char* status = next.next == DeliveryNext::kRetry ? "pending" : "failed";
    c.Exec(
        "UPDATE deliveries SET status = ?, attempt_count = ?, next_attempt_at = ?, "
        "lease_until = 0, updated_at = ? WHERE id = ?",
        {std::string(status), int64_t(s.attempts + 1), next.next_attempt_at, now_ms,
         r.delivery_id});
    if (next.next == DeliveryNext::kGone) {
      ++tally.gone;
      DisableRuleBySystem(c, s.org_id, s.rule_id,
                          "Disabled automatically: the endpoint answered 410 Gone.", now_ms);
    } else {
      ++(next.next == DeliveryNext::kRetry ? tally.retried : tally.failed);
      failing_rules.insert({s.org_id, s.rule_id});
    }
  }
  ForIdChunks(c,
              "UPDATE deliveries SET status = 'delivered', attempt_count = attempt_count + 1, "
              "lease_until = 0, updated_at = ? WHERE id IN ",
              {now_ms}, delivered);
  for (int64_t rule_id : healthy_rules)
    c.Exec(
        "UPDATE webhook_rules SET failing_since = NULL WHERE id = ? AND failing_since IS NOT "
        "NULL",
        {rule_id});
  for (const auto& [org_id, rule_id] : failing_rules)
    if (!healthy_rules.count(rule_id)) NoteFailure(c, org_id, rule_id, now_ms);
  return tally;
}

}  // namespace lw
