// An online copy of a SQLite database with SQLite's backup API, taken while
// a server writes to it: one read snapshot (WAL mode lets the server go on
// writing meanwhile), so the copy is the database as of one commit.
#pragma once

#include <string>

#include "common/error.h"
#include "store/database.h"

namespace lw {

// Copies `source` to `target`, which must not exist; the copy is written
// beside it under a temporary name, checked (quick_check) and only then
// renamed, so `target` is either a whole, sound database or absent.
Result<BackupReport> BackupSqlite(const std::string& source, const std::string& target);

}  // namespace lw
