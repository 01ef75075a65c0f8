#include "store/sqlite/sqlite_connection.h"

#include <sqlite3.h>

namespace lw {

SqliteConnection::SqliteConnection(const std::string& path) {
  const int rc =
      sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  // The destructor does not run when the constructor throws: close here.
  try {
    if (rc != SQLITE_OK)
      Throw(rc, "cannot open " + path + " (check that the folder exists and is writable)");
    sqlite3_busy_timeout(db_, 10000);  // other processes (the CLI) may hold the write lock briefly
    // A larger page cache keeps hot pages out of read(2). (No mmap: remapping a
    // growing file costs TLB shootdowns on every write burst.) The first
    // statement is also where SQLite reads the file: a file that is not a
    // database fails here.
    const int pragmas =
        sqlite3_exec(db_,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                     "PRAGMA cache_size=-8192; PRAGMA temp_store=MEMORY;",
                     nullptr, nullptr, nullptr);
    if (pragmas != SQLITE_OK) Throw(pragmas, "cannot use " + path);
  } catch (...) {
    sqlite3_close(db_);
    throw;
  }
}

SqliteConnection::~SqliteConnection() {
  for (auto& [_, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

namespace {

sql::DbError::Kind KindOf(int rc) {
  const int primary = rc & 0xff;
  if (primary == SQLITE_CONSTRAINT) return sql::DbError::Kind::kConstraint;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return sql::DbError::Kind::kBusy;
  // SQLITE_FULL is a short write (no space); a write the system refused
  // outright (ENOSPC, EFBIG, EDQUOT) arrives as one of the I/O errors.
  if (primary == SQLITE_FULL || rc == SQLITE_IOERR_WRITE || rc == SQLITE_IOERR_FSYNC ||
      rc == SQLITE_IOERR_DIR_FSYNC || rc == SQLITE_IOERR_TRUNCATE)
    return sql::DbError::Kind::kNoSpace;
  return sql::DbError::Kind::kOther;
}

}  // namespace

void SqliteConnection::Throw(int rc, std::string_view context) {
  // The extended code (of the call that just failed) tells I/O errors apart.
  const int extended = db_ && (rc & 0xff) == SQLITE_IOERR ? sqlite3_extended_errcode(db_) : rc;
  const auto kind = KindOf(extended);
  throw sql::DbError(kind, std::string(context) + ": " + (db_ ? sqlite3_errmsg(db_) : "no db"));
}

sqlite3_stmt* SqliteConnection::Prepare(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), int(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                    &stmt, nullptr);
  if (rc != SQLITE_OK) Throw(rc, "prepare");
  statements_.emplace(std::string(sql), stmt);
  return stmt;
}

void SqliteConnection::Bind(sqlite3_stmt* stmt, const sql::Value* params, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const int idx = int(i + 1);
    int rc = SQLITE_OK;
    if (auto* v = std::get_if<int64_t>(&params[i])) {
      rc = sqlite3_bind_int64(stmt, idx, *v);
    } else if (auto* d = std::get_if<double>(&params[i])) {
      rc = sqlite3_bind_double(stmt, idx, *d);
    } else if (auto* s = std::get_if<std::string>(&params[i])) {
      rc = sqlite3_bind_text(stmt, idx, s->data(), int(s->size()), SQLITE_TRANSIENT);
    } else {
      rc = sqlite3_bind_null(stmt, idx);
    }
    if (rc != SQLITE_OK) Throw(rc, "bind");
  }
}

std::vector<sql::Row> SqliteConnection::Run(std::string_view sql, const sql::Value* params,
                                            size_t n) {
  sqlite3_stmt* stmt = Prepare(sql);
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  Bind(stmt, params, n);
  std::vector<sql::Row> rows;
  const int cols = sqlite3_column_count(stmt);
  for (;;) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      sqlite3_reset(stmt);
      Throw(rc, "step");
    }
    std::vector<sql::Value> cells;
    cells.reserve(cols);
    for (int c = 0; c < cols; ++c) {
      switch (sqlite3_column_type(stmt, c)) {
        case SQLITE_INTEGER:
          cells.emplace_back(int64_t(sqlite3_column_int64(stmt, c)));
          break;
        case SQLITE_FLOAT:
          cells.emplace_back(sqlite3_column_double(stmt, c));
          break;
        case SQLITE_NULL:
          cells.emplace_back(nullptr);
          break;
        default:
          cells.emplace_back(
              std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, c)),
                          size_t(sqlite3_column_bytes(stmt, c))));
      }
    }
    rows.emplace_back(std::move(cells));
  }
  sqlite3_reset(stmt);
  return rows;
}

std::vector<sql::Row> SqliteConnection::Query(std::string_view sql,
                                              std::initializer_list<sql::Value> params) {
  return Run(sql, params.begin(), params.size());
}

std::vector<sql::Row> SqliteConnection::Query(std::string_view sql,
                                              const std::vector<sql::Value>& params) {
  return Run(sql, params.data(), params.size());
}

int64_t SqliteConnection::Exec(std::string_view sql, std::initializer_list<sql::Value> params) {
  Run(sql, params.begin(), params.size());
  return sqlite3_changes64(db_);
}

int64_t SqliteConnection::Exec(std::string_view sql, const std::vector<sql::Value>& params) {
  Run(sql, params.data(), params.size());
  return sqlite3_changes64(db_);
}

int64_t SqliteConnection::NextNumber(const std::string& counter,
                                     const std::function<int64_t()>& floor) {
  if (auto row = QueryOne("UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value",
                          {counter}))
    return row->Int(0);
  const int64_t first = floor() + 1;
  Exec("INSERT INTO counters (name, value) VALUES (?, ?)", {counter, first});
  return first;
}

void SqliteConnection::ExecScript(std::string_view sql) {
  const std::string text(sql);
  // On failure sqlite3_errmsg holds the same text sqlite3_exec would hand back.
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) Throw(rc, "script");
}

}  // namespace lw
