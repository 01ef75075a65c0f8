#include "webhooks/outbox.h"

#include <boost/json.hpp>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "domain/triggers.h"
#include "webhooks/delivery_repository.h"
#include "webhooks/delivery_subject.h"
#include "webhooks/payload.h"
#include "webhooks/rule_matcher.h"
#include "webhooks/rules_service.h"
#include "webhooks/webhook_settings.h"

namespace lw {

// Rule indexes by organization, each stamped with the rules_version it was
// built from. The version is random per change, so one cache is safe across
// databases and nodes: a stamp that differs means "reload".
class RuleCache {
 public:
  std::shared_ptr<const RuleIndex> Get(sql::Connection& c, int64_t org_id, int64_t version) {
    {
      std::lock_guard lock(mutex_);
      auto it = entries_.find(org_id);
      if (it != entries_.end() && it->second.version == version) return it->second.index;
    }
    auto index = std::make_shared<const RuleIndex>(LoadRules(c, org_id));
    std::lock_guard lock(mutex_);
    entries_[org_id] = {version, index};
    return index;
  }

 private:
  struct Entry {
    int64_t version;
    std::shared_ptr<const RuleIndex> index;
  };
  std::mutex mutex_;
  std::unordered_map<int64_t, Entry> entries_;
};

Outbox::Outbox(RecordSource& records) : records_(records), rules_(std::make_unique<RuleCache>()) {}

Outbox::~Outbox() = default;

void Outbox::OnEvent(sql::Connection& c, const Actor& actor, const RecordedEvent& event) {
  const auto state = LoadOutboxState(c, actor.org_id);
  if (!state.webhooks_enabled) return;
  const auto index = rules_->Get(c, actor.org_id, state.rules_version);
  if (index->size() == 0) return;
  const Trigger* trigger = FindTrigger(event.trigger_id);
  LeadFacts facts;
  if (trigger && trigger->creation_rules && event.subject.lead_id)
    facts = event.subject.lead_facts ? *event.subject.lead_facts
                                     : records_.Facts(c, actor.org_id, *event.subject.lead_id);
  std::vector<const IndexedRule*> matched;
  index->Match(event.trigger_id, facts, matched);
  // A rule never hears of its own disabling (it is off by then anyway, and
  // must not feed a loop if it is turned on again).
  if (event.trigger_id == trigger::kWebhookRuleDisabled && event.subject.subject_id)
    std::erase_if(matched,
                  [&](const IndexedRule* r) { return r->id == *event.subject.subject_id; });
  if (matched.empty()) return;
  auto payload = RenderEventPayload(c, records_, actor.org_id, event.trigger_id, event.subject,
                                    actor.user_name);
  // The event's records were written in this transaction: not finding them is
  // a broken invariant, and the whole write must fail rather than lose a webhook.
  if (!payload) throw sql::DbError(sql::DbError::Kind::kOther, payload.error().message);
  const int64_t event_id = event.Write(boost::json::serialize(*payload));
  std::vector<deliveries::RuleToQueue> rules;
  for (const IndexedRule* rule : matched) rules.push_back({rule->id, rule->ordered});
  deliveries::EnqueueAll(c, actor.org_id, rules, event_id,
                         DeliverySubject(event.trigger_id, event.subject, actor.org_id),
                         actor.now_ms);
}

}  // namespace lw
