// Organizations (law firms) and their webhook settings: the enabled switch and
// the authentication key, with the previous key kept valid for 24 hours after a
// rotation. Functions run inside the caller's transaction.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "common/error.h"
#include "domain/actor.h"
#include "store/sql.h"

namespace lw {

inline constexpr int64_t kKeyGraceMs = 24LL * 3600 * 1000;

// Creates the organization with the default statuses and a fresh webhook key.
int64_t CreateOrganization(sql::Connection& c, const std::string& name, int64_t now_ms);
bool OrganizationExists(sql::Connection& c, int64_t org_id);

struct WebhookSettings {
  bool enabled = false;
  std::string key;
  std::optional<std::string> previous_key;  // still signing until previous_valid_until
  std::optional<int64_t> previous_valid_until;
};

WebhookSettings LoadWebhookSettings(sql::Connection& c, int64_t org_id);
// GET /api/settings/webhooks.
boost::json::value WebhookSettingsJson(const WebhookSettings& s, int64_t now_ms);
// PUT /api/settings/webhooks {"enabled":bool}; audited.
Result<boost::json::value> UpdateWebhookSettings(sql::Connection& c, const Actor& actor,
                                                 const boost::json::object& body);
// POST /api/settings/webhooks/rotate-key; audited.
boost::json::value RotateWebhookKey(sql::Connection& c, const Actor& actor);

}  // namespace lw
