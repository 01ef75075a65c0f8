// Writes a batch of attempt results back with their consequences: each
// attempt recorded, each delivery delivered, rescheduled (§6 retry policy) or
// failed, rules disabled on 410 or after five days of failures. Runs inside
// the caller's transaction (the dispatcher's, shared with its next claim).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "delivery/delivery_job.h"
#include "store/sql.h"

namespace lw {

struct ResultTally {
  int delivered = 0, retried = 0, failed = 0, gone = 0;
};

// uniform01: the retry jitter's source of randomness, in [0, 1).
ResultTally RecordResults(sql::Connection& c, const std::vector<DeliveryResult>& results,
                          int64_t now_ms, const std::function<double()>& uniform01);

}  // namespace lw
