#include "delivery/result_recorder.h"

#include <map>
#include <set>

#include "delivery/retry_policy.h"
#include "webhooks/delivery_repository.h"
#include "webhooks/rule_stats.h"
#include "webhooks/rules_service.h"

namespace lw {

namespace {
constexpr std::string_view kClosedBeforeAnswer =
    "the connection closed after the request and before any answer; sent again at once on a "
    "new connection";
constexpr std::string_view kTokenRefused =
    "the receiver refused the OAuth2 token; a new token was fetched and the webhook sent again "
    "at once";
}  // namespace

ResultTally RecordResults(sql::Connection& c, const std::vector<DeliveryResult>& results,
                          const std::string& lease_owner, int64_t now_ms,
                          const std::function<double()>& uniform01, const RetrySchedule& schedule) {
  ResultTally tally;
  if (results.empty()) return tally;
  std::vector<int64_t> ids;
  ids.reserve(results.size());
  for (const DeliveryResult& r : results) ids.push_back(r.delivery_id);
  auto states = deliveries::LeaseStates(c, ids, lease_owner);
  // Every attempt that reached a receiver is history, also one whose lease
  // was lost meanwhile (retention may have deleted the delivery: then none),
  // but once: a stale result may be one already written, whose commit's
  // answer was lost (a failover), written again.
  std::vector<int64_t> stale;
  for (const auto& [id, s] : states)
    if (!s.held) stale.push_back(id);
  const auto written = deliveries::AttemptsOf(c, stale);
  std::vector<deliveries::AttemptRecord> attempts;
  attempts.reserve(results.size());
  for (const DeliveryResult& r : results) {
    auto s = states.find(r.delivery_id);
    if (s == states.end()) continue;
    if (!s->second.held &&
        written.count({r.delivery_id, r.started_at_ms, r.duration_ms, r.http_status.value_or(0)}))
      continue;
    if (r.token_refused)
      attempts.push_back({r.delivery_id, r.started_at_ms, 401, r.token_refused->duration_ms,
                          kTokenRefused, r.token_refused->response_excerpt});
    for (int resent = 1; resent < r.requests_sent; ++resent)
      attempts.push_back(
          {r.delivery_id, r.started_at_ms, std::nullopt, 0, kClosedBeforeAnswer, ""});
    attempts.push_back({r.delivery_id, r.started_at_ms, r.http_status, r.duration_ms, r.error,
                        r.response_excerpt});
  }
  deliveries::InsertAttempts(c, attempts);
  std::vector<int64_t> delivered;
  std::set<int64_t> healthy_rules;
  std::set<std::pair<int64_t, int64_t>> failing_rules;  // (org, rule)
  std::map<int64_t, HourlyOutcomes> by_rule;
  for (const DeliveryResult& r : results) {
    auto it = states.find(r.delivery_id);
    if (it == states.end()) continue;
    const deliveries::LeaseState s = it->second;
    states.erase(it);  // a delivery answered twice in one batch counts once
    if (!s.held) {
      ++tally.stale;
      continue;
    }
    AttemptOutcome outcome{r.http_status, std::nullopt};
    if (r.retry_after) outcome.retry_after_ms = ParseRetryAfter(*r.retry_after, now_ms);
    const RetryDecision next =
        DecideAfterAttempt(s.attempts + 1, outcome, now_ms, uniform01, schedule);
    if (next.next == DeliveryNext::kDelivered) {
      ++tally.delivered;
      ++by_rule[s.rule_id].delivered;
      delivered.push_back(r.delivery_id);
      healthy_rules.insert(s.rule_id);
      continue;
    }
    const bool retry = next.next == DeliveryNext::kRetry;
    ++(retry ? by_rule[s.rule_id].retrying : by_rule[s.rule_id].failed);
    deliveries::RecordFailure(c, s, r.delivery_id, lease_owner, retry, s.attempts + 1,
                              next.next_attempt_at, now_ms);
    if (next.next == DeliveryNext::kGone) {
      ++tally.gone;
      DisableRuleBySystem(c, s.org_id, s.rule_id,
                          "Disabled automatically: the endpoint answered 410 Gone.", now_ms);
    } else {
      ++(retry ? tally.retried : tally.failed);
      failing_rules.insert({s.org_id, s.rule_id});
    }
  }
  deliveries::MarkDelivered(c, delivered, lease_owner, now_ms);
  CountRuleOutcomes(c, by_rule, lease_owner, now_ms);
  MarkRulesHealthy(c, {healthy_rules.begin(), healthy_rules.end()});
  for (const auto& [org_id, rule_id] : failing_rules)
    if (!healthy_rules.count(rule_id)) NoteRuleFailure(c, org_id, rule_id, now_ms);
  return tally;
}

}  // namespace lw
