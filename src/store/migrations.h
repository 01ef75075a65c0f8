// The schema, as an ordered list of versioned migrations written in SQL that
// both backends accept; the few words that differ are placeholders that
// MigrationsFor() fills in. Never edit a shipped migration: append a new one.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "store/sql.h"

namespace lw {

struct Migration {
  int version;
  std::string sql;
  // What SQL alone cannot say (run after `sql`), for one backend; may be empty.
  std::function<void(sql::Connection&)> code = {};
};

// The migrations with the placeholders ({ID}, the auto-increment primary key)
// filled in for "sqlite" or "postgresql".
std::vector<Migration> MigrationsFor(const std::string& dialect);

// Applies the migrations not applied yet, recording each in
// schema_migrations, inside the caller's transaction (which a backend
// serializes between nodes). A database a newer release has migrated
// further than this binary knows is refused, with one sentence, and left
// as it is.
Status ApplyMigrations(sql::Connection& c, const std::string& dialect);

}  // namespace lw
