// One PostgreSQL connection (libpq) with its prepared statements: each SQL
// text is rewritten to $n placeholders and prepared once per connection.
// Used by one thread at a time (the database hands it out from its pool).
//
// Round trips are what a request pays for on PostgreSQL (each is a wake-up
// of this process and of the server's), so statements whose result nobody
// reads — BEGIN, Defer()'d writes — wait in `pending_` and go out
// with the next statement or the COMMIT in one pipeline (libpq pipeline mode).
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
  // Each session gets SessionSettings(conninfo).
  explicit PostgresConnection(const std::string& conninfo);
  // The timeouts every session runs with (the SET statements), but those
  // `conninfo` names itself.
  static std::string SessionSettings(const std::string& conninfo);
  ~PostgresConnection() override;
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  std::vector<sql::Row> Query(std::string_view sql,
                              std::initializer_list<sql::Value> params) override;
  std::vector<sql::Row> Query(std::string_view sql, const std::vector<sql::Value>& params) override;
  int64_t Exec(std::string_view sql, std::initializer_list<sql::Value> params) override;
  int64_t Exec(std::string_view sql, const std::vector<sql::Value>& params) override;
  void ExecScript(std::string_view sql) override;
  void Defer(std::string_view sql, const std::vector<sql::Value>& params) override;
  bool SupportsSkipLocked() const override { return true; }
  int64_t NextNumber(const std::string& counter, const std::function<int64_t()>& floor) override;
  void AnnounceWork() override { announce_ = true; }
  void LockName(std::string_view name) override;

  // False once the connection to the server is lost: do not reuse it.
  bool Usable() const;
  // Usable, outside any transaction, out of pipeline mode, nothing queued:
  // fit to be handed to the next transaction.
  bool AtRest() const;
  // For an idle connection about to be used: whether the server has not
  // closed it meanwhile (a restart, an idle timeout, pg_terminate_backend).
  // Reads what the socket holds without waiting.
  bool StillOpen();

  // A transaction: Begin() only queues the BEGIN (or `begin`, a BEGIN with
  // options); Commit() sends what is queued and the COMMIT in one round trip,
  // and returns whether AnnounceWork() was called (the caller announces it
  // after the commit: a NOTIFY inside would serialize commits, see
  // work_announcer.h); Rollback() drops what is queued and ends what the
  // server has begun. SafeToRunElsewhere(): the server has answered nothing since
  // Begin() and no COMMIT went out — a transaction that failed then did
  // nothing, and may run again on another connection.
  void Begin(std::string_view begin = "BEGIN");
  [[nodiscard]] bool Commit();
  void Rollback();
  bool SafeToRunElsewhere() const { return !answered_ && !commit_sent_; }
  // After Commit() failed: the COMMIT of a transaction that announced work
  // went out, and may have been carried out with its answer lost.
  bool MayHaveCommittedAnnouncedWork() const { return announce_ && commit_sent_; }
  // Sends whatever is queued now (a read must leave nothing behind).
  void Flush();

  // For a connection that LISTENs: the socket to wait on, and the
  // notifications that arrived since the last call, as their senders'
  // backend pids (reading what the socket holds). Throws DbError
  // (kUnavailable) once the connection is lost.
  int Socket() const;
  std::vector<int> TakeNotifications();

 private:
  struct ResultDeleter {
    void operator()(pg_result* r) const;
  };
  using Result = std::unique_ptr<pg_result, ResultDeleter>;

  // A statement ready to send: a prepared one by name, or (`prepared` false)
  // a command without parameters such as BEGIN, by its text.
  struct Statement {
    std::string name;
    bool prepared = true;
    std::vector<std::string> texts;
    std::vector<bool> nulls;
  };

  static bool IsBegin(const Statement& s);
  Result Run(std::string_view sql, const sql::Value* params, size_t n);
  Statement Bind(std::string_view sql, const sql::Value* params, size_t n);
  static std::vector<const char*> Values(const Statement& s);  // libpq's parameter pointers
  bool Send(const Statement& s);
  // Sends `pending_` and then `last` (if any) as one pipeline; returns the
  // result of `last`. Throws the first statement's error.
  Result RunPipeline(const Statement* last);
  const std::string& Prepare(std::string_view sql);
  [[noreturn]] void Throw(const pg_result* r, std::string_view context);

  pg_conn* conn_ = nullptr;
  sql::StatementMap<std::string> prepared_;  // SQL → prepared statement's name
  std::vector<Statement> pending_;
  bool announce_ = false;
  bool begun_ = false;     // the BEGIN was sent: a failure owes a ROLLBACK
  bool answered_ = false;  // see SafeToRunElsewhere()
  bool commit_sent_ = false;
};

}  // namespace lw
