// SQLite gives a new row max(id) + 1, so deleting the row with the highest id
// hands its id to the next row: a deleted rule's id to another firm's new rule,
// and with it the old rule's deliveries, audit trail and sequence numbers.
// AUTOINCREMENT never reuses an id. Tables made before it are rebuilt here
// (migration 9), and their counters start above every id still referred to.
// Runs inside the migration's transaction, with foreign keys off.
#pragma once

#include "store/sql.h"

namespace lw {

void RebuildTablesWithAutoincrement(sql::Connection& c);

}  // namespace lw
