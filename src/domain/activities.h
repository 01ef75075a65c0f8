// Activities: things that happen around a lead or the organization and fire a
// trigger — texts and emails received, files uploaded, a lead sent to an
// external system, a data sync completed. One table-driven implementation:
// each kind names its trigger and its fields.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>

#include "common/error.h"
#include "domain/actor.h"
#include "store/sql.h"

namespace lw {

enum class ActivityKind { kText, kEmail, kFile, kExternalSend, kDataSync };

// Validates `body`, stores the activity and records its trigger's event.
// lead_id: the lead it belongs to (nullopt for data syncs).
Result<boost::json::value> RecordActivity(sql::Connection& c, const Actor& actor, ActivityKind kind,
                                          std::optional<int64_t> lead_id,
                                          const boost::json::object& body);

// The activity's fields as recorded, with its "created_at".
std::optional<boost::json::object> GetActivity(sql::Connection& c, int64_t org_id, int64_t id);

// The lead's uploaded files, oldest first: each {"id","file_name","url","category","created_at"}.
boost::json::array ListLeadFiles(sql::Connection& c, int64_t org_id, int64_t lead_id);

}  // namespace lw
