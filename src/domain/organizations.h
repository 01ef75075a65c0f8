// Organizations (law firms): every record belongs to one. A new organization
// starts with the default statuses and a webhook key (webhooks off; their
// settings are webhooks/webhook_settings). Functions run inside the caller's
// transaction.
#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"
#include "store/sql.h"

namespace lw {

// Creates the organization with the default statuses and a fresh webhook key.
int64_t CreateOrganization(sql::Connection& c, const std::string& name, int64_t now_ms);
bool OrganizationExists(sql::Connection& c, int64_t org_id);

}  // namespace lw
