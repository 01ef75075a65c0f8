// Notes on a lead. Adding one records Note Added in the caller's transaction.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>

#include "common/error.h"
#include "domain/actor.h"
#include "store/sql.h"

namespace lw {

// What kind of note it is (Lead Docket's NoteEventType) when none is given:
// POST /api/leads/{id}/notes {"event_type":"Phone Call"} sets another.
inline constexpr const char* kDefaultNoteEventType = "Note";

// POST /api/leads/{id}/notes. Records Note Added.
Result<boost::json::value> AddNote(sql::Connection& c, const Actor& actor, int64_t lead_id,
                                   const boost::json::object& body);
// GET /api/leads/{id}/notes, newest first.
boost::json::value ListNotes(sql::Connection& c, int64_t org_id, int64_t lead_id);
// One note as the API shows it:
// {"id","lead_id","note","summary","created_at","created_by","event_type"}.
std::optional<boost::json::object> GetNote(sql::Connection& c, int64_t org_id, int64_t id);

}  // namespace lw
