#include "domain/notes.h"

#include <boost/json.hpp>

#include "common/json_fields.h"
#include "common/time_format.h"
#include "domain/events.h"
#include "domain/lead_record.h"
#include "domain/triggers.h"

namespace lw {

namespace json = boost::json;

namespace {

constexpr const char* kNoteSelect =
    "SELECT n.id, n.lead_id, n.note, n.summary, n.created_at, u.name, n.event_type FROM notes n "
    "LEFT JOIN users u ON u.id = n.created_by ";

json::object NoteJson(const sql::Row& r) {
  return json::object{{"id", r.Int(0)},
                      {"lead_id", r.Int(1)},
                      {"note", r.Text(2)},
                      {"summary", r.IsNull(3) ? json::value(nullptr) : json::value(r.Text(3))},
                      {"created_at", FormatIsoMs(r.Int(4))},
                      {"created_by", r.IsNull(5) ? json::value(nullptr) : json::value(r.Text(5))},
                      {"event_type", r.IsNull(6) ? std::string(kDefaultNoteEventType) : r.Text(6)}};
}

}  // namespace

Result<json::value> AddNote(sql::Connection& c, const Actor& actor, int64_t lead_id,
                            const json::object& body) {
  const auto contact_id = LeadContactId(c, actor.org_id, lead_id);
  if (!contact_id) return Fail(Error::NotFound("No lead has id " + std::to_string(lead_id) + "."));
  FieldReader f(body);
  const std::string note = f.RequiredString("note", 20000);
  const auto summary = f.String("summary", 1000);
  const std::string event_type = f.String("event_type", 100).value_or(kDefaultNoteEventType);
  LW_CHECK(f.Check());
  const int64_t id = c.InsertId(
      "INSERT INTO notes (org_id, lead_id, note, summary, created_at, created_by, event_type) "
      "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {actor.org_id, lead_id, note, sql::Opt(summary), actor.now_ms, actor.user_id, event_type});
  RecordEvent(c, actor, trigger::kNoteAdded,
              {.lead_id = lead_id, .contact_id = *contact_id, .subject_id = id});
  return json::object{{"id", id},
                      {"lead_id", lead_id},
                      {"note", note},
                      {"summary", summary ? json::value(*summary) : json::value(nullptr)},
                      {"created_at", FormatIsoMs(actor.now_ms)},
                      {"created_by", actor.user_name},
                      {"event_type", event_type}};
}

json::value ListNotes(sql::Connection& c, int64_t org_id, int64_t lead_id) {
  json::array records;
  for (const auto& r :
       c.Query(std::string(kNoteSelect) + "WHERE n.lead_id = ? AND n.org_id = ? ORDER BY n.id DESC",
               {lead_id, org_id}))
    records.push_back(NoteJson(r));
  const auto n = records.size();
  return json::object{{"records", std::move(records)}, {"total", n}};
}

std::optional<json::object> GetNote(sql::Connection& c, int64_t org_id, int64_t id) {
  auto r = c.QueryOne(std::string(kNoteSelect) + "WHERE n.id = ? AND n.org_id = ?", {id, org_id});
  if (!r) return std::nullopt;
  return NoteJson(*r);
}

}  // namespace lw
