// The signed HTTP request for a claimed delivery: Standard Webhooks headers
// (webhook-id, webhook-timestamp, webhook-signature with every valid key) and
// X-Leadwire-Signature, stamped with the time of this attempt. Pure.
#pragma once

#include <cstdint>

#include "delivery/delivery_job.h"
#include "webhooks/delivery_repository.h"

namespace lw {

// `body`: what is sent and signed (the event's payload, or the rule's
// template filled from it).
DeliveryJob BuildSignedJob(const deliveries::Claimed& d, std::string body, int64_t now_ms);
inline DeliveryJob BuildSignedJob(const deliveries::Claimed& d, int64_t now_ms) {
  return BuildSignedJob(d, d.payload, now_ms);
}

}  // namespace lw
