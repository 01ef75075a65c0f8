// The SQLite backend: one file in WAL mode with synchronous=FULL, so a Write
// that returned survives a crash or power loss. Writes go through one writer
// connection (SQLite allows one writer at a time anyway; serializing them here
// avoids busy-waiting); reads use a pool of connections, one per thread.
#pragma once

#include <memory>
#include <string>

#include "store/database.h"

namespace lw {

Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path);

}  // namespace lw
