// One SQLite connection with its cache of prepared statements. Used by one
// thread at a time (the database hands it out under a lock).
#pragma once

#include <memory>
#include <string>

#include "store/sql.h"
#include "store/statement_map.h"

struct sqlite3;
struct sqlite3_stmt;

namespace lw {

class SqliteConnection final : public sql::Connection {
 public:
  // Throws DbError when the file cannot be opened.
  explicit SqliteConnection(const std::string& path);
  ~SqliteConnection() override;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  std::vector<sql::Row> Query(std::string_view sql,
                              std::initializer_list<sql::Value> params) override;
  std::vector<sql::Row> Query(std::string_view sql, const std::vector<sql::Value>& params) override;
  int64_t Exec(std::string_view sql, std::initializer_list<sql::Value> params) override;
  int64_t Exec(std::string_view sql, const std::vector<sql::Value>& params) override;
  void ExecScript(std::string_view sql) override;
  bool SupportsSkipLocked() const override { return false; }
  int64_t NextNumber(const std::string& counter, const std::function<int64_t()>& floor) override;

  // The handle, for SQLite calls beyond statements (the log's checkpoints).
  sqlite3* Handle() const { return db_; }

 private:
  sqlite3_stmt* Prepare(std::string_view sql);
  void Bind(sqlite3_stmt* stmt, const sql::Value* params, size_t n);
  std::vector<sql::Row> Run(std::string_view sql, const sql::Value* params, size_t n);
  [[noreturn]] void Throw(int rc, std::string_view context);

  sqlite3* db_ = nullptr;
  sql::StatementMap<sqlite3_stmt*> statements_;
};

}  // namespace lw
