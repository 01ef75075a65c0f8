// The PostgreSQL backend: many Leadwire nodes share one database. Every Write
// is its own transaction on a pooled connection (a Read one REPEATABLE READ,
// READ ONLY transaction: one snapshot for all its statements); a Write that
// fails with a serialization failure or deadlock is run again a few times;
// durability is the server's (synchronous_commit on: a Write that returned
// survives a crash of the database server). Migrations run under an advisory
// lock, so nodes starting together apply them once.
// Thread-safe: any number of threads may call Read/Write at once.
#pragma once

#include <memory>
#include <string>

#include "store/database.h"

namespace lw {

// conninfo: a postgresql:// URL as libpq takes it. Connects once to check it.
// At most `pool_size` connections are open at once (the LISTEN of a worker
// node is one more).
Result<std::unique_ptr<Database>> OpenPostgres(const std::string& conninfo, int pool_size);

}  // namespace lw
