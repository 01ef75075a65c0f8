#include "delivery/signed_job.h"

#include "common/trace_context.h"
#include "domain/triggers.h"
#include "webhooks/signature.h"

namespace lw {

DeliveryJob BuildSignedJob(const deliveries::Claimed& d, std::string body, int64_t now_ms,
                           const std::vector<std::shared_ptr<const Ed25519Key>>& ed25519) {
  const int64_t ts = now_ms / 1000;
  const Trigger* t = FindTrigger(d.trigger_id);
  DeliveryJob job;
  job.delivery_id = d.id;
  job.url = d.url;
  job.body = std::move(body);
  job.headers = {
      "Content-Type: application/json",
      "webhook-id: " + d.webhook_id,
      "webhook-timestamp: " + std::to_string(ts),
      "webhook-signature: " + StandardSignatureHeader(d.keys, d.webhook_id, ts, job.body, ed25519),
      "X-Leadwire-Signature: " + LeadwireSignature(d.keys.front(), job.body),
      std::string("X-Leadwire-Event: ") + (t ? t->name : ""),
      "X-Leadwire-Rule-Id: " + std::to_string(d.rule_id),
      "X-Leadwire-Subject: " + d.subject,
      "X-Leadwire-Sequence: " + std::to_string(d.sequence),
      "User-Agent: Leadwire-Webhooks/" LEADWIRE_VERSION,
  };
  // The event's trace, continued: a new span for each attempt.
  if (auto trace = ParseStoredTrace(d.trace))
    job.headers.push_back("traceparent: " + trace->ChildTraceparent());
  return job;
}

}  // namespace lw
