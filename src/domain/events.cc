#include "domain/events.h"

#include "webhooks/outbox.h"

namespace lw {

int64_t RecordEvent(sql::Connection& c, const Actor& actor, int trigger_id, const EventSubject& s) {
  const int64_t id = c.InsertId(
      "INSERT INTO events (org_id, trigger_id, lead_id, contact_id, opportunity_id, subject_id, "
      "user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {actor.org_id, int64_t(trigger_id), sql::Opt(s.lead_id), sql::Opt(s.contact_id),
       sql::Opt(s.opportunity_id), sql::Opt(s.subject_id),
       actor.user_id ? sql::Value(actor.user_id) : sql::Value(nullptr), actor.now_ms});
  QueueDeliveries(c, actor, id, trigger_id, s);
  return id;
}

}  // namespace lw
