// Triggers: the kinds of event the domain records (events.h), which are the
// actions that can fire a webhook, with the ids and names integrations already
// know (Lead Docket's). Only the lead triggers (1–4) take creation rules.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lw {

namespace trigger {
inline constexpr int kLeadCreated = 1;
inline constexpr int kLeadEdited = 2;
inline constexpr int kLeadStatusChanged = 3;
inline constexpr int kNoteAdded = 4;
inline constexpr int kContactAdded = 6;
inline constexpr int kContactEdited = 7;
inline constexpr int kTagAddedToContact = 8;
inline constexpr int kOpportunityCreated = 10;
inline constexpr int kTextReceived = 11;
inline constexpr int kEmailReceived = 12;
inline constexpr int kFileUploaded = 15;
inline constexpr int kOpportunityConverted = 19;
inline constexpr int kOpportunityDisregarded = 20;
inline constexpr int kLeadSentToExternal = 25;
inline constexpr int kDataSyncCompleted = 29;
// Leadwire disabled a webhook rule (410 Gone, or 5 days of failures): for
// forwarding the news to a chat or ticket system. Recorded by the webhooks
// side; never delivered to the rule it is about.
inline constexpr int kWebhookRuleDisabled = 30;
}  // namespace trigger

struct Trigger {
  int id;
  const char* name;
  bool creation_rules;
};

const std::vector<Trigger>& Triggers();
const Trigger* FindTrigger(int id);
const Trigger* FindTrigger(std::string_view name);  // case-insensitive

}  // namespace lw
