// Whether a node's key file is the database's: the first node to start with
// a key leaves a value sealed with it in the database; a node whose key does
// not open that value refuses to start — it could not open the secrets the
// others sealed, and what it sealed they could not open.
#pragma once

#include <string>

#include "common/error.h"
#include "common/secret_box.h"
#include "store/database.h"

namespace lw {

// `path` names the key file in the error (one sentence).
Status CheckSecretKey(Database& db, const SecretBox& box, const std::string& path);
// Whether a node has already started on this database with a key.
Result<bool> DatabaseHasSecretKey(Database& db);

}  // namespace lw
