// Opportunities: prospective clients not yet leads. They are created, then
// either converted to a lead (with a new contact) or disregarded with a
// reason; each step records its trigger's event.
#pragma once

#include <boost/json/fwd.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>

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
// {"id","name",…,"state","lead_id","disregard_reason","created_at","processed_at"};
// "name" is the name given, or else the first and last names.
Result<boost::json::value> GetOpportunity(sql::Connection& c, int64_t org_id, int64_t id);

// What an opportunity is called, from its stored fields (see GetOpportunity).
std::optional<std::string> OpportunityName(const boost::json::object& data);

}  // namespace lw
