#include "domain/events.h"

#include <atomic>

namespace lw {

namespace {
std::atomic<EventSink*> g_sink{nullptr};
}  // namespace

void InstallEventSink(EventSink* sink) { g_sink = sink; }

constexpr const char* kInsertEvent =
    "INSERT INTO events (org_id, trigger_id, lead_id, contact_id, opportunity_id, subject_id, "
    "user_id, created_at, payload, trace) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

std::vector<sql::Value> RecordedEvent::Row(sql::Value payload) const {
  const EventSubject& s = subject;
  return {actor_.org_id,
          int64_t(trigger_id),
          sql::Opt(s.lead_id),
          sql::Opt(s.contact_id),
          sql::Opt(s.opportunity_id),
          sql::Opt(s.subject_id),
          actor_.user_id ? sql::Value(actor_.user_id) : sql::Value(nullptr),
          actor_.now_ms,
          std::move(payload),
          actor_.trace.empty() ? sql::Value(nullptr) : sql::Value(actor_.trace)};
}

int64_t RecordedEvent::Write(const std::string& payload) const {
  if (id_) throw sql::DbError(sql::DbError::Kind::kOther, "an event written twice");
  auto rows = c_.Query(std::string(kInsertEvent) + " RETURNING id", Row(payload));
  if (rows.empty())
    throw sql::DbError(sql::DbError::Kind::kOther, "INSERT … RETURNING gave no row");
  id_ = rows.front().Int(0);
  return *id_;
}

void RecordedEvent::WriteIfUnwritten() const {
  if (!id_) c_.Defer(kInsertEvent, Row(nullptr));
}

void RecordEvent(sql::Connection& c, const Actor& actor, int trigger_id, const EventSubject& s) {
  const RecordedEvent event(c, actor, trigger_id, s);
  if (EventSink* sink = g_sink.load()) sink->OnEvent(c, actor, event);
  event.WriteIfUnwritten();
}

int64_t RecordTestEvent(sql::Connection& c, const Actor& actor, int trigger_id,
                        const std::string& payload) {
  return c.InsertId(
      "INSERT INTO events (org_id, trigger_id, user_id, created_at, payload, is_test, trace) "
      "VALUES (?, ?, ?, ?, ?, 1, ?) RETURNING id",
      {actor.org_id, int64_t(trigger_id),
       actor.user_id ? sql::Value(actor.user_id) : sql::Value(nullptr), actor.now_ms, payload,
       actor.trace.empty() ? sql::Value(nullptr) : sql::Value(actor.trace)});
}

}  // namespace lw
