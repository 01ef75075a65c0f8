#include "webhooks/delivery_subject.h"

#include "domain/triggers.h"

namespace lw {

std::string DeliverySubject(int trigger_id, const EventSubject& s, int64_t org_id) {
  auto key = [](const char* kind, int64_t id) {
    return std::string(kind) + ":" + std::to_string(id);
  };
  switch (trigger_id) {
    case trigger::kContactAdded:
    case trigger::kContactEdited:
    case trigger::kTagAddedToContact:
      if (s.contact_id) return key("contact", *s.contact_id);
      break;
    case trigger::kOpportunityCreated:
    case trigger::kOpportunityConverted:
    case trigger::kOpportunityDisregarded:
      if (s.opportunity_id) return key("opportunity", *s.opportunity_id);
      break;
    case trigger::kWebhookRuleDisabled:
      if (s.subject_id) return key("rule", *s.subject_id);
      break;
    default:
      if (s.lead_id) return key("lead", *s.lead_id);
      break;
  }
  return key("organization", org_id);
}

}  // namespace lw
