// Deliveries as the API shows and steers them (product spec §4): the log per
// rule with every attempt, redeliver, send a test event, recover failed
// deliveries since a time. Admin only; 409 webhooks_disabled while off.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "domain/actor.h"
#include "store/sql.h"
#include "webhooks/delivery_repository.h"

namespace lw {

// status: "" (all), pending, delivered, failed or cancelled.
Result<boost::json::value> ListDeliveries(sql::Connection& c, int64_t org_id, int64_t rule_id,
                                          const std::string& status, int64_t limit, int64_t offset);
// {"records":[…],"total":N}: the newest `limit` deliveries of the lead's
// events, any rule (a deleted rule's too), as ListDeliveries shows them.
boost::json::value LeadDeliveriesJson(sql::Connection& c, int64_t org_id, int64_t lead_id,
                                      int64_t limit);
Result<boost::json::value> GetDelivery(sql::Connection& c, int64_t org_id, int64_t id);
// Makes the delivery due now with a fresh retry schedule (attempts are kept).
Result<boost::json::value> Redeliver(sql::Connection& c, const Actor& actor, int64_t id);
// Queues a sample payload of the rule's trigger to the rule's URL.
Result<boost::json::value> SendTestEvent(sql::Connection& c, const Actor& actor, int64_t rule_id);
// Makes every failed delivery of the rule created at or after `since` due again.
Result<boost::json::value> RecoverFailed(sql::Connection& c, const Actor& actor, int64_t rule_id,
                                         const boost::json::object& body);

// The queue across all organizations, for /metrics (counts only, no tenant data).
deliveries::QueueCounts QueueState(sql::Connection& c, int64_t now_ms);

}  // namespace lw
