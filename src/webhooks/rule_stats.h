// Each rule's health by the hour: how many attempts delivered, failed with a
// retry to come, and failed for good — counted as results are recorded,
// into one row per rule, hour and node shard (so nodes recording the same
// rule's results never wait on each other's row), and read back for the
// last hours in one query on the primary key however long the delivery log
// is. What the rule list's bars and the Deliveries chart draw.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <map>
#include <string>

#include "common/error.h"
#include "store/sql.h"

namespace lw {

inline constexpr int64_t kHourMs = 3600LL * 1000;
inline constexpr int kStatsMaxHours = 7 * 24;

struct HourlyOutcomes {
  int64_t delivered = 0, retrying = 0, failed = 0;
};

// Adds one batch of results (by rule) to the hour of `now_ms`; `node`
// picks the shard. Deferred: costs no round trip of its own.
void CountRuleOutcomes(sql::Connection& c, const std::map<int64_t, HourlyOutcomes>& by_rule,
                       const std::string& node, int64_t now_ms);

// GET /api/webhook-rules/{id}/stats?hours=N (1…168): oldest hour first,
// every hour present (zeros where nothing happened), the current one last.
Result<boost::json::value> RuleStatsJson(sql::Connection& c, int64_t org_id, int64_t rule_id,
                                         const std::string& hours, int64_t now_ms);

// Retention: forgets hours before `cutoff_ms`.
int64_t DeleteRuleStatsBefore(sql::Connection& c, int64_t cutoff_ms);
// A deleted rule's hours.
void DeleteRuleStats(sql::Connection& c, int64_t rule_id);

}  // namespace lw
