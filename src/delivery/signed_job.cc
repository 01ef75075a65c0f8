#include "delivery/signed_job.h"

#include "common/trace_context.h"
#include "domain/triggers.h"
#include "webhooks/payload_template.h"
#include "webhooks/signature.h"

namespace lw {

DeliveryJob BuildJob(const deliveries::Claimed& d, std::shared_ptr<const SigningKeys> keys,
                     std::shared_ptr<const PayloadTemplate> payload_template) {
  const Trigger* t = FindTrigger(d.trigger_id);
  DeliveryJob job;
  job.delivery_id = d.id;
  job.url = d.url;
  job.body = d.payload;
  job.payload_template = std::move(payload_template);
  job.webhook_id = d.webhook_id;
  job.signing = std::move(keys);
  job.headers = {
      "Content-Type: application/json",
      "webhook-id: " + d.webhook_id,
      std::string("X-Leadwire-Event: ") + (t ? t->name : ""),
      "X-Leadwire-Rule-Id: " + std::to_string(d.rule_id),
      "X-Leadwire-Subject: " + d.subject,
      "X-Leadwire-Sequence: " + std::to_string(d.sequence),
      "User-Agent: Leadwire-Webhooks/" LEADWIRE_VERSION,  // common/version.h's kVersion
  };
  // The event's trace, continued: a new span for each attempt.
  if (auto trace = ParseStoredTrace(d.trace))
    job.headers.push_back("traceparent: " + trace->ChildTraceparent());
  return job;
}

Status FinishJob(DeliveryJob& job, int64_t now_ms) {
  if (job.payload_template) {
    auto body = job.payload_template->RenderText(job.body);
    if (!body)
      return Fail(Error::Internal("the payload template " + body.error().fields.begin()->second));
    job.body = std::move(*body);
    job.payload_template.reset();
  }
  job.signature_headers.clear();
  if (!job.signing || job.signing->hmac.empty()) return {};
  const SigningKeys& keys = *job.signing;
  const int64_t ts = now_ms / 1000;
  job.signature_headers = {
      "webhook-timestamp: " + std::to_string(ts),
      "webhook-signature: " +
          StandardSignatureHeader(keys.hmac, job.webhook_id, ts, job.body, keys.ed25519),
      "X-Leadwire-Signature: " + LeadwireSignature(keys.hmac.front(), job.body),
  };
  return {};
}

}  // namespace lw
