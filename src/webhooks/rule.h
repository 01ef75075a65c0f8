// A webhook rule: what an Admin wrote — a trigger, a URL, and creation rules
// that narrow which leads fire it (lookup ids; empty = match everything).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "webhooks/rule_credentials.h"

namespace lw {

struct CreationRules {
  std::optional<int64_t> status_id;
  std::optional<int64_t> substatus_id;
  std::vector<int64_t> case_type_ids;
  std::optional<int64_t> office_id;
  std::optional<int64_t> opportunity_source_id;
  std::optional<int64_t> marketing_source_id;
  bool requires_case_tracker_code = false;

  bool Empty() const {
    return !status_id && !substatus_id && case_type_ids.empty() && !office_id &&
           !opportunity_source_id && !marketing_source_id && !requires_case_tracker_code;
  }
  bool operator==(const CreationRules&) const = default;
};

struct Rule {
  int64_t id = 0;
  int64_t org_id = 0;
  std::string title;
  bool enabled = true;
  std::string url;
  int trigger_id = 0;
  CreationRules creation_rules;
  std::optional<std::string> disabled_reason;  // set when Leadwire disabled it
  int64_t created_at = 0;
  int64_t updated_at = 0;
  // Deliver in order for each subject (lead, contact, opportunity): one at a
  // time, each after the one before it was delivered or finally failed.
  bool ordered = false;
  // Its own headers and authentication, secrets sealed.
  RuleCredentials credentials;
  // The JSON text of its payload template (payload_template.h); empty: the
  // full payload of §5.
  std::string payload_template;
};

// The creation rules as stored (ids) and back.
std::string CreationRulesToStorage(const CreationRules& rules);
CreationRules CreationRulesFromStorage(const std::string& text);

}  // namespace lw
