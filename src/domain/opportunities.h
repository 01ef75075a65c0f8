// Opportunities: prospective clients not yet leads. They are created, then
// either converted to a lead (with a new contact) or disregarded with a
// reason; each step records its trigger's event.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>

#include "common/error.h"
#include "domain/actor.h"
#include "store/sql.h"

namespace lw {

Result<boost::json::value> CreateOpportunity(sql::Connection& c, const Actor& actor,
                                             const boost::json::object& body);
// Records Contact Added, Lead Created and Opportunity Converted To Lead.
Result<boost::json::value> ConvertOpportunity(sql::Connection& c, const Actor& actor, int64_t id);
Result<boost::json::value> DisregardOpportunity(sql::Connection& c, const Actor& actor, int64_t id,
                                                const boost::json::object& body);
Result<boost::json::value> GetOpportunity(sql::Connection& c, int64_t org_id, int64_t id);

}  // namespace lw
