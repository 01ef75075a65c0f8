#include "store/database.h"

#include "store/sqlite/sqlite_database.h"

namespace lw {

Result<std::unique_ptr<Database>> OpenDatabase(const std::string& url) {
  if (url.starts_with("sqlite:")) return OpenSqlite(url.substr(7));
  if (url.starts_with("postgresql://") || url.starts_with("postgres://"))
    return Fail(Error{ErrorKind::kBadRequest,
                      "unsupported_database",
                      "PostgreSQL support is not built yet; use --db sqlite:PATH.",
                      {}});
  return Fail(Error{ErrorKind::kBadRequest,
                    "bad_database_url",
                    "--db must be sqlite:PATH or a postgresql:// URL.",
                    {}});
}

Error ToError(const sql::DbError& e) {
  if (e.kind == sql::DbError::Kind::kConstraint)
    return Error::Conflict("conflict", "The change conflicts with existing data.");
  return Error::Internal(std::string("Database error: ") + e.what());
}

}  // namespace lw
