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
#include <vector>

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

// An event as its sink hears it. The sink that sends it writes its row with
// the payload sent (Write, once, returning the id the deliveries refer to);
// otherwise RecordEvent writes it after the sink, without waiting for an id:
// on PostgreSQL the events no rule wants (most of them) cost no round trip.
class RecordedEvent {
 public:
  RecordedEvent(sql::Connection& c, const Actor& actor, int trigger_id, const EventSubject& subject)
      : trigger_id(trigger_id), subject(subject), c_(c), actor_(actor) {}
  int64_t Write(const std::string& payload) const;
  void WriteIfUnwritten() const;  // RecordEvent's, after the sink

  const int trigger_id;
  const EventSubject& subject;

 private:
  std::vector<sql::Value> Row(sql::Value payload) const;

  sql::Connection& c_;
  const Actor& actor_;
  mutable std::optional<int64_t> id_;
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

// Stores the event and tells the sink.
void RecordEvent(sql::Connection& c, const Actor& actor, int trigger_id,
                 const EventSubject& subject);

// A test event: no record behind it, only the payload to send. Returns its id.
int64_t RecordTestEvent(sql::Connection& c, const Actor& actor, int trigger_id,
                        const std::string& payload);

}  // namespace lw
