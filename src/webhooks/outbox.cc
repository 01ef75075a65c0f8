#include "webhooks/outbox.h"

#include <boost/json.hpp>
#include <cstring>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "common/crypto.h"
#include "webhooks/payload.h"
#include "webhooks/rule_matcher.h"
#include "webhooks/rules_service.h"
#include "webhooks/triggers.h"

namespace lw {

namespace {

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

RuleCache& Cache() {
  static RuleCache cache;
  return cache;
}

LeadFacts LoadLeadFacts(sql::Connection& c, int64_t lead_id) {
  auto r = c.QueryOne(
      "SELECT status_id, substatus_id, case_type_id, office_id, opportunity_source_id, "
      "marketing_source_id, case_tracker_code FROM leads WHERE id = ?",
      {lead_id});
  if (!r) return {};
  return {r->OptInt(0),
          r->OptInt(1),
          r->OptInt(2),
          r->OptInt(3),
          r->OptInt(4),
          r->OptInt(5),
          !r->IsNull(6) && !r->Text(6).empty()};
}

}  // namespace

std::string NewWebhookId() { return "msg_" + crypto::Hex(crypto::RandomBytes(16)); }

void BumpRulesVersion(sql::Connection& c, int64_t org_id) {
  int64_t version = 0;
  const std::string bytes = crypto::RandomBytes(8);
  std::memcpy(&version, bytes.data(), sizeof version);
  c.Exec("UPDATE organizations SET rules_version = ? WHERE id = ?", {version & INT64_MAX, org_id});
}

int QueueDeliveries(sql::Connection& c, const Actor& actor, int64_t event_id, int trigger_id,
                    const EventSubject& subject) {
  auto org = c.QueryOne("SELECT webhooks_enabled, rules_version FROM organizations WHERE id = ?",
                        {actor.org_id});
  if (!org || !org->Bool(0)) return 0;
  const auto index = Cache().Get(c, actor.org_id, org->Int(1));
  if (index->size() == 0) return 0;
  const Trigger* trigger = FindTrigger(trigger_id);
  LeadFacts facts;
  if (trigger && trigger->creation_rules && subject.lead_id)
    facts = LoadLeadFacts(c, *subject.lead_id);
  std::vector<const IndexedRule*> matched;
  index->Match(trigger_id, facts, matched);
  if (matched.empty()) return 0;
  auto payload = RenderEventPayload(c, actor.org_id, trigger_id, subject, actor.user_name);
  if (!payload) throw sql::DbError(sql::DbError::Kind::kOther, payload.error().message);
  c.Exec("UPDATE events SET payload = ? WHERE id = ?",
         {boost::json::serialize(*payload), event_id});
  for (const IndexedRule* rule : matched)
    c.Exec(
        "INSERT INTO deliveries (org_id, rule_id, event_id, webhook_id, status, next_attempt_at, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)",
        {actor.org_id, rule->id, event_id, NewWebhookId(), actor.now_ms, actor.now_ms,
         actor.now_ms});
  return int(matched.size());
}

}  // namespace lw
