#include "webhooks/webhook_settings.h"

#include <boost/json.hpp>
#include <cstring>

#include "common/crypto.h"
#include "common/json_fields.h"
#include "common/secrets.h"
#include "common/time_format.h"
#include "domain/audit_log.h"
#include "webhooks/client_certificate.h"
#include "webhooks/rule_notifications.h"
#include "webhooks/signing_keypair.h"

namespace lw {

namespace json = boost::json;

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

json::value WebhookSettingsJson(sql::Connection& c, int64_t org_id, int64_t now_ms) {
  const WebhookSettings settings = LoadWebhookSettings(c, org_id);
  json::value out = WebhookSettingsJson(settings, now_ms);
  json::object& o = out.as_object();
  // The public keys receivers verify "v1a" with, while Ed25519 is on.
  const SigningKeypair pair = LoadSigningKeypair(c, org_id);
  const bool ed25519 = pair.signing == kSigningEd25519;
  const bool grace = settings.previous_valid_until && *settings.previous_valid_until > now_ms;
  o["signing"] = pair.signing;
  o["public_key"] = ed25519 && pair.public_key ? json::value(*pair.public_key) : nullptr;
  o["previous_public_key"] = ed25519 && grace && pair.previous_public_key
                                 ? json::value(*pair.previous_public_key)
                                 : nullptr;
  o["client_certificate"] = ClientCertificateJson(c, org_id, now_ms);
  json::array emails;
  for (auto& e : LoadNotifyEmails(c, org_id)) emails.emplace_back(e);
  o["notify_emails"] = std::move(emails);
  return out;
}

Result<json::value> UpdateWebhookSettings(sql::Connection& c, const Actor& actor,
                                          const json::object& body, const SecretBox* box) {
  FieldReader f(body);
  auto enabled = f.Bool("enabled");
  auto signing = f.String("signing");
  if (signing && *signing != kSigningHmac && *signing != kSigningEd25519)
    f.Fail("signing", "must be \"hmac\" or \"hmac+ed25519\"");
  if (f.ok() && !enabled && !signing && !body.contains("client_certificate") &&
      !body.contains("notify_emails"))
    f.Fail("enabled", "is required (true or false)");
  LW_CHECK(f.Check());
  LW_CHECK(UpdateClientCertificate(c, actor, body, box));
  if (signing) LW_CHECK(SetSigning(c, actor, *signing, box));
  if (auto it = body.find("notify_emails"); it != body.end())
    LW_CHECK(SetNotifyEmails(c, actor, it->value()));
  const WebhookSettings before = LoadWebhookSettings(c, actor.org_id);
  if (enabled && before.enabled != *enabled) {
    c.Exec("UPDATE organizations SET webhooks_enabled = ? WHERE id = ?",
           {int64_t(*enabled), actor.org_id});
    c.ForgetReadsOnce();  // LoadOutboxState's
    RecordAudit(c, actor, *enabled ? "webhooks.enabled" : "webhooks.disabled", "organization",
                actor.org_id, json::object{{"enabled", *enabled}});
  }
  return WebhookSettingsJson(c, actor.org_id, actor.now_ms);
}

Result<json::value> RotateWebhookKey(sql::Connection& c, const Actor& actor, const SecretBox* box) {
  const WebhookSettings before = LoadWebhookSettings(c, actor.org_id);
  LW_CHECK(RotateSigningKeypair(c, actor.org_id, box));
  const std::string key = secrets::NewWebhookKey();
  const int64_t until = actor.now_ms + kKeyGraceMs;
  c.Exec(
      "UPDATE organizations SET webhook_key = ?, previous_webhook_key = ?, "
      "previous_key_valid_until = ? WHERE id = ?",
      {key, before.key, until, actor.org_id});
  RecordAudit(c, actor, "webhooks.key_rotated", "organization", actor.org_id,
              json::object{{"previous_key_valid_until", FormatIsoMs(until)}});
  return WebhookSettingsJson(c, actor.org_id, actor.now_ms);
}

Status RequireWebhooksEnabled(sql::Connection& c, int64_t org_id) {
  if (!LoadOutboxState(c, org_id).webhooks_enabled)
    return Fail(Error::Conflict("webhooks_disabled",
                                "Webhooks are disabled for this organization; enable them in "
                                "Settings > Integrations > Webhooks."));
  return {};
}

OutboxState LoadOutboxState(sql::Connection& c, int64_t org_id) {
  // Read once per transaction: a lead's events all ask.
  auto org = c.QueryOneOnce(
      "SELECT webhooks_enabled, rules_version FROM organizations WHERE id = ?", {org_id});
  if (!org) return {};
  return {org->Bool(0), org->Int(1)};
}

void BumpRulesVersion(sql::Connection& c, int64_t org_id) {
  int64_t version = 0;
  const std::string bytes = crypto::RandomBytes(8);
  std::memcpy(&version, bytes.data(), sizeof version);
  c.Exec("UPDATE organizations SET rules_version = ? WHERE id = ?", {version & INT64_MAX, org_id});
  c.ForgetReadsOnce();  // LoadOutboxState's
}

}  // namespace lw
