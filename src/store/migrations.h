// The schema, as an ordered list of versioned migrations written in SQL that
// both backends accept; the few words that differ are placeholders that
// MigrationsFor() fills in. Never edit a shipped migration: append a new one.
#pragma once

#include <string>
#include <vector>

namespace lw {

struct Migration {
  int version;
  std::string sql;
};

// The migrations with the placeholders ({ID}, the auto-increment primary key)
// filled in for "sqlite" or "postgresql".
std::vector<Migration> MigrationsFor(const std::string& dialect);

}  // namespace lw
