// The SQLite backend: one file in WAL mode with synchronous=FULL, so a Write
// that returned survives a crash or power loss. Writes go through one writer
// connection (SQLite allows one writer at a time anyway) and are group
// committed: concurrent writes share a transaction and its fsync, each in its
// own savepoint. Reads use a pool of connections, one per thread.
#pragma once

#include <memory>
#include <string>

#include "store/database.h"

namespace lw {

Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path);

}  // namespace lw
