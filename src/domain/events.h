// The event outbox: every domain action records its event in the same
// transaction as its change, so an acknowledged change always has its event,
// and with it one pending delivery per matching webhook rule (webhooks/outbox).
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>

#include "domain/actor.h"
#include "store/sql.h"

namespace lw {

struct EventSubject {
  std::optional<int64_t> lead_id = std::nullopt;
  std::optional<int64_t> contact_id = std::nullopt;
  std::optional<int64_t> opportunity_id = std::nullopt;
  std::optional<int64_t> subject_id = std::nullopt;  // the note, activity, tag… the event is about
  // The lead as the API shows it now, when the caller has rendered it anyway:
  // the payload is then built from it instead of reading the lead again.
  const boost::json::object* lead_json = nullptr;
};

// Returns the event's id.
int64_t RecordEvent(sql::Connection& c, const Actor& actor, int trigger_id,
                    const EventSubject& subject);

}  // namespace lw
