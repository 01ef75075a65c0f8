// Writes a batch of attempt results back with their consequences: each
// attempt recorded, each delivery delivered, rescheduled (§6 retry policy) or
// failed, rules disabled on 410 or after five days of failures. A result
// counts only under the lease that sent it: one that comes back after its
// node lost the lease (a stall longer than the lease, the delivery
// redelivered or taken by another node) is kept as an attempt and changes
// nothing else. Runs inside the caller's transaction (the dispatcher's,
// shared with its next claim).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "delivery/delivery_job.h"
#include "delivery/retry_policy.h"
#include "store/sql.h"

namespace lw {

struct ResultTally {
  int delivered = 0, retried = 0, failed = 0, gone = 0;
  int stale = 0;  // results whose lease was no longer theirs
};

// lease_owner: the node whose leases sent them. uniform01: the retry
// jitter's source of randomness, in [0, 1).
ResultTally RecordResults(sql::Connection& c, const std::vector<DeliveryResult>& results,
                          const std::string& lease_owner, int64_t now_ms,
                          const std::function<double()>& uniform01,
                          const RetrySchedule& schedule = RetrySchedule::Standard());

}  // namespace lw
