// The dispatcher's SQL: claiming due deliveries with a lease, and writing a
// batch of attempt results back with their consequences (retry schedule,
// delivered/failed, 410 and five-day auto-disable). Runs inside the caller's
// transaction; backend differences (SKIP LOCKED) are chosen by dialect.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "delivery/delivery_job.h"
#include "store/sql.h"

namespace lw {

// How long a claimed delivery is held by its node: longer than an attempt can
// take (15 s) plus the time a job may wait for its host (20 s).
inline constexpr int64_t kLeaseMs = 60'000;
inline constexpr int64_t kAutoDisableAfterMs = 5LL * 24 * 3600 * 1000;

struct ClaimedDelivery {
  int64_t id = 0;
  int64_t org_id = 0;
  int64_t rule_id = 0;
  std::string webhook_id;
  std::string url;
  std::string payload;
  int trigger_id = 0;
  std::vector<std::string> keys;  // signing keys: current, then previous during its grace
};

// Leases up to `limit` pending deliveries that are due, of organizations with
// webhooks enabled and rules enabled, skipping `excluded_rules`.
std::vector<ClaimedDelivery> ClaimDueDeliveries(sql::Connection& c, const std::string& dialect,
                                                int64_t now_ms, int limit,
                                                const std::set<int64_t>& excluded_rules);

// Pushes back the next `limit` due deliveries of a rule whose endpoint is slow,
// so claims for everyone else need not step over them. Returns how many.
int64_t DeferDueDeliveries(sql::Connection& c, int64_t rule_id, int64_t now_ms, int64_t until_ms,
                           int limit);

// Gives deliveries back unsent: claimable again at once.
void ReleaseLeases(sql::Connection& c, const std::vector<int64_t>& ids);

// The signed HTTP request for a claimed delivery, stamped `now_ms`.
DeliveryJob BuildSignedJob(const ClaimedDelivery& d, int64_t now_ms);

struct ResultTally {
  int delivered = 0, retried = 0, failed = 0, gone = 0;
};

// Records each attempt and moves its delivery on; disables rules on 410 or
// after five days of failures (audited, with the reason on the rule).
ResultTally RecordResults(sql::Connection& c, const std::vector<DeliveryResult>& results,
                          int64_t now_ms, const std::function<double()>& uniform01);

}  // namespace lw
