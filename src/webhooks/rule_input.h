// Reads and validates the body of POST/PUT /api/webhook-rules into a Rule.
// Lookup names are resolved through a callback, so the validation is pure and
// unit-tested without a database.
#pragma once

#include <boost/json/fwd.hpp>
#include <functional>
#include <optional>
#include <string>

#include "common/error.h"
#include "webhooks/rule.h"
#include "webhooks/rule_credentials.h"

namespace lw {

// Finds a lookup id by kind ("status", "substatus", …), name and parent (the
// status, for substatuses; 0 otherwise).
using LookupResolver = std::function<std::optional<int64_t>(
    const std::string& kind, const std::string& name, int64_t parent_id)>;

inline constexpr size_t kMaxTitleChars = 200;
inline constexpr size_t kMaxUrlChars = 2048;
// Case types one rule may name (each is looked up while the rule is saved).
inline constexpr size_t kMaxCaseTypesPerRule = 100;

// Empty when `url` is an absolute http(s) URL (https only when `https_only`)
// with a host, no user:password, at most 2048 characters; otherwise what is wrong.
std::optional<std::string> UrlProblem(const std::string& url, bool https_only = false);

// A Rule with title, enabled, url, trigger_id and creation_rules set, or a 422
// naming every bad field ("title", "url", "trigger", "creation_rules.status",
// "headers.X-Key", "auth.password", …). The headers and auth as given go to
// `credentials` (they become the rule's with ApplyCredentials).
// https_only: the server runs with --https-only, so http:// URLs are refused here
// rather than failing at every delivery.
// "payload_template" is checked against the trigger's keys; left out of the
// body, `template_given` is false (a PUT keeps the rule's).
Result<Rule> ParseRuleInput(const boost::json::object& body, const LookupResolver& find,
                            bool https_only = false, CredentialsInput* credentials = nullptr,
                            bool* template_given = nullptr);

// Only the trigger, the creation rules and the enabled switch, validated as
// ParseRuleInput does:
// a rule as typed on the form, checked against a lead before it is saved
// (title and URL play no part in matching and may still be unfinished).
Result<Rule> ParseRuleMatchInput(const boost::json::object& body, const LookupResolver& find);

// Only the trigger and the payload template, validated as ParseRuleInput
// does: what the rule form's preview needs of a rule as typed.
Result<Rule> ParseRuleShapeInput(const boost::json::object& body);

}  // namespace lw
