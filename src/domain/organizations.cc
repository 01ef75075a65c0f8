#include "domain/organizations.h"

#include "common/secrets.h"
#include "domain/lookups.h"

namespace lw {

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

}  // namespace lw
