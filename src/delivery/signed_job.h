// The HTTP request for a claimed delivery. The dispatcher builds it
// (BuildJob); the transport finishes it as it goes out (FinishJob): fills the
// rule's payload template, then signs the body sent with the time of that
// send — the Standard Webhooks headers (webhook-id, webhook-timestamp,
// webhook-signature with every valid key, "v1a" with Ed25519 ones) and
// X-Leadwire-Signature. Pure.
#pragma once

#include <cstdint>
#include <memory>

#include "common/error.h"
#include "delivery/delivery_job.h"
#include "webhooks/delivery_repository.h"

namespace lw {

// `keys`: the organization's signing keys (null: unsigned);
// `payload_template`: the rule's, or null for the full payload.
DeliveryJob BuildJob(const deliveries::Claimed& d, std::shared_ptr<const SigningKeys> keys,
                     std::shared_ptr<const PayloadTemplate> payload_template = nullptr);
// Fills the template (once: the body is then what is sent) and signs at
// `now_ms`. An error (the template's result over 256 KiB, a payload that
// cannot be read) says why the attempt fails.
Status FinishJob(DeliveryJob& job, int64_t now_ms);

}  // namespace lw
