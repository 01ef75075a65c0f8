#include "domain/organizations.h"

#include <boost/json.hpp>

#include "common/json_fields.h"
#include "common/secrets.h"
#include "common/time_format.h"
#include "domain/audit_log.h"
#include "domain/lookups.h"

namespace lw {

namespace json = boost::json;

int64_t CreateOrganization(sql::Connection& c, const std::string& name, int64_t now_ms) {
  const int64_t org_id = c.InsertId(
      "INSERT INTO organizations (name, webhooks_enabled, webhook_key, created_at) "
      "VALUES (?, 0, ?, ?) RETURNING id",
      {name, secrets::NewWebhookKey(), now_ms});
  for (const auto& status : DefaultStatuses()) {
    std::vector<std::string> subs(status.substatuses.begin(), status.substatuses.end());
    (void)AddStatus(c, org_id, status.name, subs);  // a fresh organization has no duplicates
  }
  return org_id;
}

bool OrganizationExists(sql::Connection& c, int64_t org_id) {
  return c.QueryOne("SELECT 1 FROM organizations WHERE id = ?", {org_id}).has_value();
}

WebhookSettings LoadWebhookSettings(sql::Connection& c, int64_t org_id) {
  auto r = c.QueryOne(
      "SELECT webhooks_enabled, webhook_key, previous_webhook_key, previous_key_valid_until "
      "FROM organizations WHERE id = ?",
      {org_id});
  if (!r) return {};
  return {r->Bool(0), r->Text(1), r->OptText(2), r->OptInt(3)};
}

json::value WebhookSettingsJson(const WebhookSettings& s, int64_t now_ms) {
  json::object out{{"enabled", s.enabled}, {"authentication_key", s.key}};
  const bool grace = s.previous_valid_until && *s.previous_valid_until > now_ms;
  out["previous_key_valid_until"] =
      grace ? json::value(FormatIsoMs(*s.previous_valid_until)) : json::value(nullptr);
  return out;
}

Result<json::value> UpdateWebhookSettings(sql::Connection& c, const Actor& actor,
                                          const json::object& body) {
  FieldReader f(body);
  auto enabled = f.Bool("enabled");
  if (f.ok() && !enabled) f.Fail("enabled", "is required (true or false)");
  LW_CHECK(f.Check());
  const WebhookSettings before = LoadWebhookSettings(c, actor.org_id);
  if (before.enabled != *enabled) {
    c.Exec("UPDATE organizations SET webhooks_enabled = ? WHERE id = ?",
           {int64_t(*enabled), actor.org_id});
    RecordAudit(c, actor, *enabled ? "webhooks.enabled" : "webhooks.disabled", "organization",
                actor.org_id, json::object{{"enabled", *enabled}});
  }
  return WebhookSettingsJson(LoadWebhookSettings(c, actor.org_id), actor.now_ms);
}

json::value RotateWebhookKey(sql::Connection& c, const Actor& actor) {
  const WebhookSettings before = LoadWebhookSettings(c, actor.org_id);
  const std::string key = secrets::NewWebhookKey();
  const int64_t until = actor.now_ms + kKeyGraceMs;
  c.Exec(
      "UPDATE organizations SET webhook_key = ?, previous_webhook_key = ?, "
      "previous_key_valid_until = ? WHERE id = ?",
      {key, before.key, until, actor.org_id});
  RecordAudit(c, actor, "webhooks.key_rotated", "organization", actor.org_id,
              json::object{{"previous_key_valid_until", FormatIsoMs(until)}});
  return json::object{{"authentication_key", key},
                      {"previous_key_valid_until", FormatIsoMs(until)}};
}

}  // namespace lw
