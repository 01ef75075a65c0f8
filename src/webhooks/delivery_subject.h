// What a delivery is about, for in-order delivery (a rule's `ordered`) and the
// X-Leadwire-Subject header: the record whose changes must not overtake each
// other downstream. "lead:42" for the lead triggers and a lead's messages,
// files and external sends; "contact:7" for contact triggers;
// "opportunity:3" for opportunity triggers; "organization:1" for data syncs;
// "test" for test events. Pure.
#pragma once

#include <cstdint>
#include <string>

#include "domain/events.h"

namespace lw {

inline constexpr const char* kTestSubject = "test";

std::string DeliverySubject(int trigger_id, const EventSubject& subject, int64_t org_id);

}  // namespace lw
