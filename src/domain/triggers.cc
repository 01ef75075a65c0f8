#include "domain/triggers.h"

#include <strings.h>

namespace lw {

const std::vector<Trigger>& Triggers() {
  static const std::vector<Trigger> kTriggers = {
      {trigger::kLeadCreated, "Lead Created", true},
      {trigger::kLeadEdited, "Lead Edited", true},
      {trigger::kLeadStatusChanged, "Lead Status Changed", true},
      {trigger::kNoteAdded, "Note Added", true},
      {trigger::kContactAdded, "Contact Added", false},
      {trigger::kContactEdited, "Contact Edited", false},
      {trigger::kTagAddedToContact, "Tag Added To Contact", false},
      {trigger::kOpportunityCreated, "Opportunity Created", false},
      {trigger::kTextReceived, "Text Received", false},
      {trigger::kEmailReceived, "Email Received", false},
      {trigger::kFileUploaded, "File Uploaded", false},
      {trigger::kOpportunityConverted, "Opportunity Converted To Lead", false},
      {trigger::kOpportunityDisregarded, "Opportunity Disregarded", false},
      {trigger::kLeadSentToExternal, "Lead Sent to External System", false},
      {trigger::kDataSyncCompleted, "Data Sync Completed", false},
      {trigger::kWebhookRuleDisabled, "Webhook Rule Disabled", false},
  };
  return kTriggers;
}

const Trigger* FindTrigger(int id) {
  for (const auto& t : Triggers())
    if (t.id == id) return &t;
  return nullptr;
}

const Trigger* FindTrigger(std::string_view name) {
  for (const auto& t : Triggers())
    if (std::string_view(t.name).size() == name.size() &&
        strncasecmp(t.name, name.data(), name.size()) == 0)
      return &t;
  return nullptr;
}

}  // namespace lw
