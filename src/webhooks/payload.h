// Webhook payloads (product spec §5): one flat JSON object per event with the
// keys Lead Docket integrations already read. Built from the records' API
// JSON, so real events and the sample of "Send test event" share one mapping.
// Unknown values are null, never missing; dates are ISO-8601 UTC with ms.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "domain/events.h"
#include "store/sql.h"
#include "webhooks/record_source.h"

namespace lw {

// The records an event is about, as the API returns them (null when absent).
struct PayloadRecords {
  const boost::json::object* lead = nullptr;     // GET /api/leads/{id}, with its contact
  const boost::json::object* contact = nullptr;  // GET /api/contacts/{id}
  const boost::json::object* note = nullptr;
  const boost::json::object* opportunity = nullptr;
  const boost::json::object* activity = nullptr;  // text, email, file, external send, data sync
  std::string tag;
  const boost::json::array* files = nullptr;  // the lead's files (Lead Status Changed)
  // Webhook Rule Disabled: {id, title, url, disabled_reason, disabled_at}.
  const boost::json::object* rule = nullptr;
};

boost::json::object BuildPayload(int trigger_id, const std::string& by_user,
                                 const PayloadRecords& records);

// Loads what the event is about from `records` (inside the event's
// transaction) and builds its payload. A record the event names but the
// source cannot find is a 404-style error: the event's own change is gone.
Result<boost::json::object> RenderEventPayload(sql::Connection& c, RecordSource& records,
                                               int64_t org_id, int trigger_id,
                                               const EventSubject& subject,
                                               const std::string& by_user);

// A payload of the trigger with made-up values, for "Send test event".
boost::json::object SamplePayload(int trigger_id, const std::string& by_user, int64_t now_ms);

}  // namespace lw
