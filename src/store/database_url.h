// The --db URL every command takes: "sqlite:PATH" (the folder must exist) or
// "postgresql://user:pass@host:port/db?sslmode=…" (also "postgres://").
// Parsing and its errors live here, so commands only pass the text on.
#pragma once

#include <string>

#include "common/error.h"

namespace lw {

struct DatabaseUrl {
  enum class Backend { kSqlite, kPostgres };
  Backend backend = Backend::kSqlite;
  std::string sqlite_path;  // kSqlite: the file
  std::string conninfo;     // kPostgres: the URL as libpq takes it
};

// A 400 bad_database_url with a sentence a person can act on when `url` is
// not one of the forms above or names a folder that does not exist.
Result<DatabaseUrl> ParseDatabaseUrl(const std::string& url);

}  // namespace lw
