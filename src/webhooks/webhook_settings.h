// An organization's webhook settings: the enabled switch and the
// authentication key, with the previous key kept valid for 24 hours after a
// rotation, and the version stamp of its rules (the outbox's cache key).
// They live on the organization's row; this file owns those columns.
// Functions run inside the caller's transaction.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"
#include "common/secret_box.h"
#include "domain/actor.h"
#include "store/sql.h"

namespace lw {

inline constexpr int64_t kKeyGraceMs = 24LL * 3600 * 1000;

struct WebhookSettings {
  bool enabled = false;
  std::string key;
  std::optional<std::string> previous_key;  // still signing until previous_valid_until
  std::optional<int64_t> previous_valid_until;
};

WebhookSettings LoadWebhookSettings(sql::Connection& c, int64_t org_id);
// GET /api/settings/webhooks.
boost::json::value WebhookSettingsJson(const WebhookSettings& s, int64_t now_ms);
// GET /api/settings/webhooks: the settings, and the client certificate's
// subject and expiry.
boost::json::value WebhookSettingsJson(sql::Connection& c, int64_t org_id, int64_t now_ms);
// PUT /api/settings/webhooks {"enabled":bool, "signing":"hmac"|"hmac+ed25519",
// "client_certificate":{…}|null, "notify_emails":[…]} (any of them); audited. `box` seals the
// certificate's key and the Ed25519 seed.
Result<boost::json::value> UpdateWebhookSettings(sql::Connection& c, const Actor& actor,
                                                 const boost::json::object& body,
                                                 const SecretBox* box = nullptr);
// POST /api/settings/webhooks/rotate-key: the HMAC key and the Ed25519 pair
// (when there is one); audited. Answers the settings as GET does.
Result<boost::json::value> RotateWebhookKey(sql::Connection& c, const Actor& actor,
                                            const SecretBox* box);

// 409 webhooks_disabled while the organization has webhooks off.
Status RequireWebhooksEnabled(sql::Connection& c, int64_t org_id);

// What the outbox reads for every event, in one query.
struct OutboxState {
  bool webhooks_enabled = false;
  int64_t rules_version = 0;
};
OutboxState LoadOutboxState(sql::Connection& c, int64_t org_id);

// Marks the organization's rules as changed, so every node's rule cache reloads
// them before matching the next event. Call in the transaction that changes rules.
void BumpRulesVersion(sql::Connection& c, int64_t org_id);

}  // namespace lw
