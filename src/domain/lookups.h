// Lookups: an organization's statuses (with substatuses), case types, offices,
// marketing sources and opportunity sources. Records refer to them by id; the
// API names them. Functions run inside the caller's transaction.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "store/sql.h"

namespace lw {

namespace lookup_kind {
inline constexpr const char* kStatus = "status";
inline constexpr const char* kSubstatus = "substatus";
inline constexpr const char* kCaseType = "case_type";
inline constexpr const char* kOffice = "office";
inline constexpr const char* kMarketingSource = "marketing_source";
inline constexpr const char* kOpportunitySource = "opportunity_source";
}  // namespace lookup_kind

// The statuses every new organization starts with, in order, with substatuses.
struct DefaultStatus {
  const char* name;
  std::vector<const char*> substatuses;
};
const std::vector<DefaultStatus>& DefaultStatuses();

// Adds a lookup value; 409 "duplicate_name" when the name is taken (case-insensitively).
Result<int64_t> AddLookup(sql::Connection& c, int64_t org_id, const std::string& kind,
                          const std::string& name, int64_t parent_id = 0);
// Adds a status with its substatuses; returns {"id","name","substatuses":[…]}.
Result<boost::json::value> AddStatus(sql::Connection& c, int64_t org_id, const std::string& name,
                                     const std::vector<std::string>& substatuses);

// The id of the value named `name` (case-insensitive), if the organization has it.
std::optional<int64_t> FindLookup(sql::Connection& c, int64_t org_id, const std::string& kind,
                                  const std::string& name, int64_t parent_id = 0);
// The name of a lookup id, or nullopt for a null/unknown id.
std::optional<std::string> LookupName(sql::Connection& c, int64_t org_id,
                                      std::optional<int64_t> id);

// Every lookup name of the organization by id, in one query (for screens
// that name many ids at once: rule lists, the lead's webhook explanation).
using LookupNames = std::unordered_map<int64_t, std::string>;
LookupNames LoadLookupNames(sql::Connection& c, int64_t org_id);

// GET /api/lookups.
boost::json::value ListLookups(sql::Connection& c, int64_t org_id);

}  // namespace lw
