// The published event catalog: a JSON Schema (2020-12) of each trigger's
// payload (GET /api/webhook-triggers/{id}/schema), so integrators can build
// against what Leadwire sends. Every key is required (unknown values are
// null, never missing); dates are ISO-8601 UTC with milliseconds. Lead
// payloads may carry the organization's custom fields as extra keys; no
// other payload has keys beyond its schema's. The examples are
// SamplePayload's; tests check that payloads and examples validate.
#pragma once

#include <boost/json/fwd.hpp>
#include <set>
#include <string>

namespace lw {

// The schema of the trigger's payload; the trigger must exist.
boost::json::object PayloadSchema(int trigger_id);
// The keys every payload of the trigger has (what a template may name).
std::set<std::string> PayloadKeys(int trigger_id);
// Whether the trigger's payloads carry the lead's custom fields (the lead
// triggers but Note Added).
bool PayloadHasCustomFields(int trigger_id);

}  // namespace lw
