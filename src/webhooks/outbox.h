// The webhook side of the transactional outbox: when an event is recorded,
// the organization's enabled rules are matched in memory and one pending
// delivery per matching rule is written in the same transaction, with the
// payload rendered once onto the event. Nothing is queued while the
// organization has webhooks disabled.
#pragma once

#include <cstdint>
#include <string>

#include "domain/actor.h"
#include "domain/events.h"
#include "store/sql.h"

namespace lw {

// Called by RecordEvent inside the event's transaction. Returns the number of
// deliveries queued.
int QueueDeliveries(sql::Connection& c, const Actor& actor, int64_t event_id, int trigger_id,
                    const EventSubject& subject);

// Marks the organization's rules as changed, so every node's rule cache reloads
// them before matching the next event. Call in the transaction that changes rules.
void BumpRulesVersion(sql::Connection& c, int64_t org_id);

// "msg_" + 32 hex digits: the webhook-id header, the same on every retry.
std::string NewWebhookId();

}  // namespace lw
