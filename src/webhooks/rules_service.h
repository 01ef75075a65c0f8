// Webhook rules as the API serves them: CRUD for an organization's Admins,
// each change audited in its transaction; every call answers 409
// webhooks_disabled while the organization has webhooks off.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/secret_box.h"
#include "domain/actor.h"
#include "store/sql.h"
#include "webhooks/rule.h"
#include "webhooks/rule_input.h"
#include "webhooks/rule_list.h"

namespace lw {

std::vector<Rule> LoadRules(sql::Connection& c, int64_t org_id);
// Finds the organization's lookups by name (rule bodies name them); valid
// while `c` is.
LookupResolver OrgLookupResolver(sql::Connection& c, int64_t org_id);
Result<Rule> LoadRule(sql::Connection& c, int64_t org_id, int64_t id);

// The rules of the list screen, filtered and sorted (also used by the export).
Result<std::vector<Rule>> ListRules(sql::Connection& c, int64_t org_id, const RuleListQuery& q);
// {"records":[…],"total":N,"authentication_key":"whsec_…"}
Result<boost::json::value> ListRulesJson(sql::Connection& c, int64_t org_id,
                                         const RuleListQuery& q);
// The organization's rule with exactly this title, if any.
std::optional<int64_t> FindRuleByTitle(sql::Connection& c, int64_t org_id,
                                       const std::string& title);
Result<boost::json::value> GetRuleJson(sql::Connection& c, int64_t org_id, int64_t id);
// GET /api/webhook-rules/{id}/example: what the rule would send for its
// trigger's example — the example itself, or the rule's template filled from it.
// GET /api/webhook-rules/{id}/schema: the JSON Schema of what the rule
// sends — its trigger's, or its template's shape (404 for another
// organization's rule; 409 while webhooks are off).
Result<boost::json::value> RuleSchemaJson(sql::Connection& c, int64_t org_id, int64_t id);
Result<boost::json::value> RuleExampleJson(sql::Connection& c, int64_t org_id, int64_t id,
                                           const std::string& by_user, int64_t now_ms);
// What the node was started with that shapes which rules it accepts.
struct RulePolicy {
  bool https_only = false;  // --https-only
  // Seals the secrets rules and settings hold (--secret-key-file).
  std::shared_ptr<const SecretBox> secrets;
  bool smtp_configured = false;  // serve --smtp-url: the notifications are sent
};

Result<boost::json::value> CreateRule(sql::Connection& c, const Actor& actor,
                                      const boost::json::object& body,
                                      const RulePolicy& policy = {});
Result<boost::json::value> UpdateRule(sql::Connection& c, const Actor& actor, int64_t id,
                                      const boost::json::object& body,
                                      const RulePolicy& policy = {});
// Deletes a disabled rule (409 rule_enabled otherwise).
Status DeleteRule(sql::Connection& c, const Actor& actor, int64_t id);

boost::json::value TriggersJson();

// Leadwire itself disables a rule (410 Gone, five days of failures): the
// reason shows in the rule list and the audit log.
void DisableRuleBySystem(sql::Connection& c, int64_t org_id, int64_t rule_id,
                         const std::string& reason, int64_t now_ms);

inline constexpr int64_t kAutoDisableAfterMs = 5LL * 24 * 3600 * 1000;

// A delivery of each rule succeeded: none of them is failing any more.
void MarkRulesHealthy(sql::Connection& c, const std::vector<int64_t>& rule_ids);
// A delivery of the rule failed: remember since when the rule fails, and
// disable it once every delivery has failed for five days.
void NoteRuleFailure(sql::Connection& c, int64_t org_id, int64_t rule_id, int64_t now_ms);

}  // namespace lw
