// The audit log: who changed which webhook setting or rule, when, and how.
// Written in the same transaction as the change.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "domain/actor.h"
#include "store/sql.h"

namespace lw {

void RecordAudit(sql::Connection& c, const Actor& actor, const std::string& action,
                 const std::string& target_type, int64_t target_id,
                 const boost::json::value& details);

// Newest first: {"records":[{"id","at","user":{"id","email","name"},"action",
// "target_type","target_id","details"}],"total"}.
boost::json::value ListAudit(sql::Connection& c, int64_t org_id, int64_t limit, int64_t offset);

}  // namespace lw
