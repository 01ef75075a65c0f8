// A lead as the API (and so the webhook payloads) shows it: GET /api/leads/{id}.
// Pure presentation of a LeadRecord and its contact's JSON.
#pragma once

#include <boost/json/fwd.hpp>
#include <vector>

#include "domain/lead_record.h"

namespace lw {

// The lead fields kept in the lead's JSON document, with their payload names
// (the lookup fields and case_tracker_code/summary are columns): free text up
// to `max_chars`, an ISO-8601 date or time (kDay: sent in payloads as its day
// only), or a whole number of seconds. The phone_call_* fields are set when a
// lead is created from a call.
struct LeadTextField {
  enum class Kind { kText, kDate, kDay, kSeconds };
  const char* key;
  const char* payload_key;
  Kind kind = Kind::kText;
  size_t max_chars = 2000;
};
const std::vector<LeadTextField>& LeadTextFields();

// Where the lead's document keeps the user whose email is the intake email
// (set by lead_input, shown as "intake_code"; not a field clients set).
inline constexpr const char* kIntakeUserKey = "intake_user_id";

boost::json::value LeadJson(const LeadRecord& lead, boost::json::value contact);

}  // namespace lw
