// One PostgreSQL connection (libpq) with its prepared statements: each SQL
// text is rewritten to $n placeholders and prepared once per connection.
// Used by one thread at a time (the database hands it out from its pool).
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "store/sql.h"
#include "store/statement_map.h"

struct pg_conn;
struct pg_result;

namespace lw {

class PostgresConnection final : public sql::Connection {
 public:
  // Throws DbError when the server cannot be reached or refuses the login.
  explicit PostgresConnection(const std::string& conninfo);
  ~PostgresConnection() override;
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  std::vector<sql::Row> Query(std::string_view sql,
                              std::initializer_list<sql::Value> params) override;
  std::vector<sql::Row> Query(std::string_view sql, const std::vector<sql::Value>& params) override;
  int64_t Exec(std::string_view sql, std::initializer_list<sql::Value> params) override;
  int64_t Exec(std::string_view sql, const std::vector<sql::Value>& params) override;
  void ExecScript(std::string_view sql) override;
  bool SupportsSkipLocked() const override { return true; }
  void AnnounceWork() override { announce_ = true; }
  void LockName(std::string_view name) override;

  // False once the connection to the server is lost: do not reuse it.
  bool Usable() const;
  // Whether AnnounceWork was called since the last call (the database sends
  // the NOTIFY just before COMMIT).
  bool TakeAnnouncement() { return std::exchange(announce_, false); }

  // For a connection that LISTENs: the socket to wait on, and how many
  // notifications arrived since the last call (reading what the socket
  // holds). Throws DbError (kUnavailable) once the connection is lost.
  int Socket() const;
  int TakeNotifications();

 private:
  struct ResultDeleter {
    void operator()(pg_result* r) const;
  };
  using Result = std::unique_ptr<pg_result, ResultDeleter>;

  Result Run(std::string_view sql, const sql::Value* params, size_t n);
  const std::string& Prepare(std::string_view sql);
  [[noreturn]] void Throw(const pg_result* r, std::string_view context);

  pg_conn* conn_ = nullptr;
  sql::StatementMap<std::string> prepared_;  // SQL → prepared statement's name
  bool announce_ = false;
};

}  // namespace lw
