#include "webhooks/rule_stats.h"

#include <boost/json.hpp>
#include <charconv>
#include <functional>

#include "common/time_format.h"
#include "webhooks/rules_service.h"
#include "webhooks/webhook_settings.h"

namespace lw {

namespace json = boost::json;

namespace {
// Enough that two nodes rarely share one, few enough that a rule's hour is
// still a handful of rows.
constexpr int64_t kShards = 8;
}  // namespace

void CountRuleOutcomes(sql::Connection& c, const std::map<int64_t, HourlyOutcomes>& by_rule,
                       const std::string& node, int64_t now_ms) {
  const int64_t hour = now_ms - now_ms % kHourMs;
  const int64_t shard = int64_t(std::hash<std::string>{}(node) % kShards);
  // In rule order, so two transactions take the rows they share in the same order.
  for (const auto& [rule_id, n] : by_rule)
    c.Defer(
        "INSERT INTO rule_hourly_stats (rule_id, hour, shard, delivered, retrying, failed) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (rule_id, hour, shard) DO UPDATE SET "
        "delivered = rule_hourly_stats.delivered + excluded.delivered, "
        "retrying = rule_hourly_stats.retrying + excluded.retrying, "
        "failed = rule_hourly_stats.failed + excluded.failed",
        {rule_id, hour, shard, n.delivered, n.retrying, n.failed});
}

Result<json::value> RuleStatsJson(sql::Connection& c, int64_t org_id, int64_t rule_id,
                                  const std::string& hours_text, int64_t now_ms) {
  int hours = 24;
  if (!hours_text.empty()) {
    const char* end = hours_text.data() + hours_text.size();
    const auto [p, ec] = std::from_chars(hours_text.data(), end, hours);
    if (ec != std::errc() || p != end || hours < 1 || hours > kStatsMaxHours)
      return Fail(Error::Field("hours", "must be a whole number from 1 to 168 (a week)"));
  }
  LW_CHECK(RequireWebhooksEnabled(c, org_id));
  auto rule = LoadRule(c, org_id, rule_id);
  if (!rule) return Fail(rule.error());
  const int64_t current = now_ms - now_ms % kHourMs;
  const int64_t first = current - int64_t(hours - 1) * kHourMs;
  std::map<int64_t, HourlyOutcomes> found;
  for (const auto& r :
       c.Query("SELECT hour, SUM(delivered), SUM(retrying), SUM(failed) FROM rule_hourly_stats "
               "WHERE rule_id = ? AND hour >= ? GROUP BY hour",
               {rule_id, first}))
    found[r.Int(0)] = {r.Int(1), r.Int(2), r.Int(3)};
  json::array buckets;
  HourlyOutcomes total;
  for (int64_t hour = first; hour <= current; hour += kHourMs) {
    const HourlyOutcomes n = found.count(hour) ? found[hour] : HourlyOutcomes{};
    total.delivered += n.delivered;
    total.retrying += n.retrying;
    total.failed += n.failed;
    buckets.push_back(json::object{{"hour", FormatIsoMs(hour)},
                                   {"delivered", n.delivered},
                                   {"retrying", n.retrying},
                                   {"failed", n.failed}});
  }
  return json::object{{"rule_id", rule_id},
                      {"hours", hours},
                      {"buckets", std::move(buckets)},
                      {"totals", json::object{{"delivered", total.delivered},
                                              {"retrying", total.retrying},
                                              {"failed", total.failed}}}};
}

int64_t DeleteRuleStatsBefore(sql::Connection& c, int64_t cutoff_ms) {
  return c.Exec("DELETE FROM rule_hourly_stats WHERE hour < ?", {cutoff_ms});
}

void DeleteRuleStats(sql::Connection& c, int64_t rule_id) {
  c.Exec("DELETE FROM rule_hourly_stats WHERE rule_id = ?", {rule_id});
}

}  // namespace lw
