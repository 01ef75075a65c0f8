// Lead input: reading and validating the fields a lead create or edit may
// set (lookups by name, free-text fields, custom fields, status/substatus),
// into a LeadInput the storage side applies. Runs inside the caller's
// transaction (lookup names are resolved against the organization's).
#pragma once

#include <boost/json/fwd.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/error.h"
#include "store/sql.h"

namespace lw {

class FieldReader;

// The lookup-valued lead fields: API key, lookup kind, and the lead column each sets.
struct LeadLookupField {
  const char* key;
  const char* kind;
  const char* column;
};
const std::vector<LeadLookupField>& LeadLookupFields();

struct LeadInput {
  std::map<std::string, std::optional<int64_t>> lookups;  // column -> id (nullopt clears)
  std::map<std::string, boost::json::value> text;         // data key -> string or null
  std::optional<std::optional<std::string>> case_tracker_code, summary;
  std::optional<boost::json::object> custom_fields;
};

// Reads what `body` sets; problems go to `f`.
LeadInput ReadLeadInput(sql::Connection& c, int64_t org_id, FieldReader& f,
                        const boost::json::object& body);

// Resolves {"status","substatus"} names; the substatus must be the status's.
Status ReadStatus(sql::Connection& c, int64_t org_id, FieldReader& f, bool required,
                  std::optional<int64_t>& status_id, std::optional<int64_t>& substatus_id);

}  // namespace lw
