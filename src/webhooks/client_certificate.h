// An organization's client certificate for receivers behind mutual TLS
// (PUT /api/settings/webhooks {"client_certificate":{…}|null}): checked,
// stored sealed with the node's key, shown by its subject, issuer and expiry
// (never the key). This file owns the organization's client_certificate
// columns. Functions run inside the caller's transaction.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/client_identity.h"
#include "common/error.h"
#include "common/secret_box.h"
#include "domain/actor.h"
#include "store/sql.h"

namespace lw {

// The settings screen warns this long before the certificate expires.
inline constexpr int64_t kCertificateWarningMs = 30LL * 24 * 3600 * 1000;

// null, or {"subject","issuer","not_after","expires_soon","expired"}.
boost::json::value ClientCertificateJson(sql::Connection& c, int64_t org_id, int64_t now_ms);
// Applies body["client_certificate"] when present (an object sets it, null
// removes it); audited without the key. 422 per field for a bad PEM, a key
// that does not match, an expired certificate.
Status UpdateClientCertificate(sql::Connection& c, const Actor& actor,
                               const boost::json::object& body, const SecretBox* box);
// The identity a stored (sealed) certificate holds, dates unchecked (an
// expired one is presented and the receiver decides); an error when it
// cannot be opened with `box`.
Result<std::shared_ptr<const ClientIdentity>> OpenClientCertificate(const std::string& stored,
                                                                    const SecretBox& box);

}  // namespace lw
