// The signed HTTP request for a claimed delivery: Standard Webhooks headers
// (webhook-id, webhook-timestamp, webhook-signature with every valid key) and
// X-Leadwire-Signature, stamped with the time of this attempt. Pure.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "delivery/delivery_job.h"
#include "webhooks/delivery_repository.h"

namespace lw {

class Ed25519Key;

// `body`: what is sent and signed (the event's payload, or the rule's
// template filled from it); `ed25519`: the organization's keys when it signs
// with them too ("v1a").
DeliveryJob BuildSignedJob(const deliveries::Claimed& d, std::string body, int64_t now_ms,
                           const std::vector<std::shared_ptr<const Ed25519Key>>& ed25519 = {});
inline DeliveryJob BuildSignedJob(const deliveries::Claimed& d, int64_t now_ms) {
  return BuildSignedJob(d, d.payload, now_ms);
}

}  // namespace lw
