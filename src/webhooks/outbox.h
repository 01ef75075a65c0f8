// The webhook side of the transactional outbox: installed as the domain's
// EventSink, it matches each recorded event against the organization's
// enabled rules in memory and queues one pending delivery per matching rule in
// the event's own transaction, with the payload rendered once onto the event.
// Nothing is queued while the organization has webhooks disabled.
// Thread-safe: any writing thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "domain/events.h"
#include "store/sql.h"
#include "webhooks/record_source.h"

namespace lw {

class RuleCache;

class Outbox final : public EventSink {
 public:
  explicit Outbox(RecordSource& records);
  ~Outbox() override;
  void OnEvent(sql::Connection& c, const Actor& actor, const RecordedEvent& event) override;

 private:
  RecordSource& records_;
  std::unique_ptr<RuleCache> rules_;
};

}  // namespace lw
