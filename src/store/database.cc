#include "store/database.h"

#include "store/availability.h"
#include "store/database_url.h"
#include "store/postgres/postgres_database.h"
#include "store/sqlite/sqlite_backup.h"
#include "store/sqlite/sqlite_database.h"

namespace lw {

namespace {
// Marks a full disk's error, whose outage only a write can end.
constexpr std::string_view kNoSpacePrefix = "no space: ";
}  // namespace

Result<std::unique_ptr<Database>> OpenDatabase(const std::string& url,
                                               const DatabaseOptions& options) {
  auto parsed = ParseDatabaseUrl(url);
  if (!parsed) return Fail(parsed.error());
  if (parsed->backend == DatabaseUrl::Backend::kSqlite) return OpenSqlite(parsed->sqlite_path);
  return OpenPostgres(parsed->conninfo, options.pool_size);
}

Result<BackupReport> BackupDatabase(const std::string& url, const std::string& target) {
  auto parsed = ParseDatabaseUrl(url);
  if (!parsed) return Fail(parsed.error());
  if (parsed->backend == DatabaseUrl::Backend::kPostgres)
    return Fail(Error{ErrorKind::kBadRequest,
                      "backup_unsupported",
                      "leadwire backup copies SQLite databases; back up PostgreSQL with its own "
                      "tools (pg_dump, or pg_basebackup with WAL archiving; see the README).",
                      {}});
  return BackupSqlite(parsed->sqlite_path, target);
}

Status Database::Observed(Status st, bool write) {
  if (st)
    availability::ReportUp(write);
  else if (st.error().kind == ErrorKind::kUnavailable)
    availability::ReportDown(st.error().detail.empty() ? st.error().message : st.error().detail,
                             st.error().detail.starts_with(kNoSpacePrefix));
  return st;
}

Error ToError(const sql::DbError& e) {
  if (e.kind == sql::DbError::Kind::kConstraint)
    return Error::Conflict("conflict", "The change conflicts with existing data.");
  // A lock or a statement that ran out of time, conflicts that kept
  // repeating (SQLite's busy writer, PostgreSQL's retries spent): a 503 to
  // try again shortly, not a bug.
  if (e.kind == sql::DbError::Kind::kTimeout || e.kind == sql::DbError::Kind::kBusy) {
    Error out = Error::Busy(
        "The database is too busy right now; nothing was changed. Try again in a few seconds.");
    out.detail = e.what();
    return out;
  }
  if (e.kind == sql::DbError::Kind::kUnavailable) {
    Error out = Error::Unavailable(
        "The database cannot be reached right now; nothing was changed. Try again in a few "
        "seconds.");
    out.detail = e.what();
    return out;
  }
  if (e.kind == sql::DbError::Kind::kNoSpace) {
    Error out = Error::Unavailable(
        "The database cannot store anything right now (its disk is full); nothing was changed. "
        "Reading still works; try again once space is freed.");
    out.detail = std::string(kNoSpacePrefix) + e.what();
    return out;
  }
  return Error::Internal(std::string("Database error: ") + e.what());
}

}  // namespace lw
