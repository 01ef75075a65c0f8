// The rule form's preview (§8 payload templates): what a rule as typed,
// unsaved, would send — its payload template filled, or the full payload —
// for its trigger's example or for a chosen lead. Changes nothing.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "store/sql.h"

namespace lw {

// POST /api/webhook-rules/preview {"trigger", "payload_template", "lead_id"?}
// → {"body": …, "from": "example"|"lead"}. For a lead, the payload holds
// what the lead and its contact say; keys about other records (a note's
// text, a tag) are null, as no such record is chosen.
Result<boost::json::value> PreviewRuleBody(sql::Connection& c, int64_t org_id,
                                           const boost::json::object& body,
                                           const std::string& by_user, int64_t now_ms);

}  // namespace lw
