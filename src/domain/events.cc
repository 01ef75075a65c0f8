#include "domain/events.h"

#include <atomic>

namespace lw {

namespace {
std::atomic<EventSink*> g_sink{nullptr};
}  // namespace

void InstallEventSink(EventSink* sink) { g_sink = sink; }

int64_t RecordEvent(sql::Connection& c, const Actor& actor, int trigger_id, const EventSubject& s) {
  const int64_t id = c.InsertId(
      "INSERT INTO events (org_id, trigger_id, lead_id, contact_id, opportunity_id, subject_id, "
      "user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {actor.org_id, int64_t(trigger_id), sql::Opt(s.lead_id), sql::Opt(s.contact_id),
       sql::Opt(s.opportunity_id), sql::Opt(s.subject_id),
       actor.user_id ? sql::Value(actor.user_id) : sql::Value(nullptr), actor.now_ms});
  if (EventSink* sink = g_sink.load()) sink->OnEvent(c, actor, RecordedEvent{id, trigger_id, s});
  return id;
}

void SetEventPayload(sql::Connection& c, int64_t event_id, const std::string& payload) {
  c.Defer("UPDATE events SET payload = ? WHERE id = ?", {payload, event_id});
}

int64_t RecordTestEvent(sql::Connection& c, const Actor& actor, int trigger_id,
                        const std::string& payload) {
  return c.InsertId(
      "INSERT INTO events (org_id, trigger_id, user_id, created_at, payload, is_test) "
      "VALUES (?, ?, ?, ?, ?, 1) RETURNING id",
      {actor.org_id, int64_t(trigger_id),
       actor.user_id ? sql::Value(actor.user_id) : sql::Value(nullptr), actor.now_ms, payload});
}

}  // namespace lw
