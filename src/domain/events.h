// Events: every domain action records its event in the same transaction as
// its change, so an acknowledged change always has its event. What else must
// happen in that transaction (the webhooks outbox queuing one delivery per
// matching rule) is an EventSink installed at start-up: the domain does not
// know who listens.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "domain/actor.h"
#include "domain/lead_facts.h"
#include "store/sql.h"

namespace lw {

struct EventSubject {
  std::optional<int64_t> lead_id = std::nullopt;
  std::optional<int64_t> contact_id = std::nullopt;
  std::optional<int64_t> opportunity_id = std::nullopt;
  std::optional<int64_t> subject_id = std::nullopt;  // the note, activity, tag… the event is about
  // The lead as the API shows it now, when the caller has rendered it anyway:
  // a listener can use it instead of reading the lead again.
  const boost::json::object* lead_json = nullptr;
  // The lead's lookup ids as creation rules see them, when the caller has them.
  const LeadFacts* lead_facts = nullptr;
};

struct RecordedEvent {
  int64_t id = 0;
  int trigger_id = 0;
  const EventSubject& subject;
};

// Hears every event inside the transaction that records it; may write in it.
// Called from any thread that writes.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void OnEvent(sql::Connection& c, const Actor& actor, const RecordedEvent& event) = 0;
};

// Installs the sink every later RecordEvent calls (nullptr: none). Call at
// start-up, before other threads write.
void InstallEventSink(EventSink* sink);

// Stores the event, tells the sink, and returns the event's id.
int64_t RecordEvent(sql::Connection& c, const Actor& actor, int trigger_id,
                    const EventSubject& subject);

// Stores the event's payload as it was sent (rendered once per event); written
// with the transaction's next statement.
void SetEventPayload(sql::Connection& c, int64_t event_id, const std::string& payload);

// A test event: no record behind it, only the payload to send. Returns its id.
int64_t RecordTestEvent(sql::Connection& c, const Actor& actor, int trigger_id,
                        const std::string& payload);

}  // namespace lw
