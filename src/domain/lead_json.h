// A lead as the API (and so the webhook payloads) shows it: GET /api/leads/{id}.
// Pure presentation of a LeadRecord and its contact's JSON.
#pragma once

#include <boost/json/fwd.hpp>
#include <vector>

#include "domain/lead_record.h"

namespace lw {

// The free-text lead fields kept in the lead's JSON document, with their
// payload names (the lookup fields and case_tracker_code/summary are columns).
struct LeadTextField {
  const char* key;
  const char* payload_key;
};
const std::vector<LeadTextField>& LeadTextFields();

boost::json::value LeadJson(const LeadRecord& lead, boost::json::value contact);

}  // namespace lw
