#include "store/postgres/postgres_connection.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <cstring>

#include "store/placeholders.h"

namespace lw {

namespace {

// Type OIDs (pg_type.h) of the columns read as numbers; everything else is text.
constexpr Oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kFloat4 = 700, kFloat8 = 701;

sql::DbError::Kind KindOf(const char* sqlstate) {
  if (!sqlstate) return sql::DbError::Kind::kOther;
  // Class 23: integrity constraint violation (unique, foreign key, not null, check).
  if (std::strncmp(sqlstate, "23", 2) == 0) return sql::DbError::Kind::kConstraint;
  // Serialization failure and deadlock: the transaction may simply be run again.
  if (std::strcmp(sqlstate, "40001") == 0 || std::strcmp(sqlstate, "40P01") == 0)
    return sql::DbError::Kind::kBusy;
  // Class 08: connection exception; 57P01–57P03: the server is shutting down,
  // crashed or is starting.
  if (std::strncmp(sqlstate, "08", 2) == 0 || std::strncmp(sqlstate, "57P0", 4) == 0)
    return sql::DbError::Kind::kUnavailable;
  return sql::DbError::Kind::kOther;
}

}  // namespace

void PostgresConnection::ResultDeleter::operator()(pg_result* r) const { PQclear(r); }

PostgresConnection::PostgresConnection(const std::string& conninfo)
    : conn_(PQconnectdb(conninfo.c_str())) {
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string why = conn_ ? PQerrorMessage(conn_) : "out of memory";
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    PQfinish(conn_);
    conn_ = nullptr;
    throw sql::DbError(sql::DbError::Kind::kUnavailable, "cannot connect to PostgreSQL: " + why);
  }
  // Notices (e.g. "relation already exists, skipping") are not errors.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
}

PostgresConnection::~PostgresConnection() {
  if (conn_) PQfinish(conn_);
}

bool PostgresConnection::Usable() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

void PostgresConnection::LockName(std::string_view name) {
  Query("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", {std::string(name)});
}

int PostgresConnection::Socket() const { return PQsocket(conn_); }

int PostgresConnection::TakeNotifications() {
  if (!PQconsumeInput(conn_) || !Usable())
    throw sql::DbError(sql::DbError::Kind::kUnavailable,
                       std::string("lost the connection to PostgreSQL: ") + PQerrorMessage(conn_));
  int n = 0;
  while (PGnotify* note = PQnotifies(conn_)) {
    PQfreemem(note);
    ++n;
  }
  return n;
}

void PostgresConnection::Throw(const pg_result* r, std::string_view context) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = r ? PQresultErrorMessage(r) : PQerrorMessage(conn_);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  // A connection that died mid-statement often reports no SQLSTATE at all.
  const auto kind = Usable() ? KindOf(state) : sql::DbError::Kind::kUnavailable;
  throw sql::DbError(kind, std::string(context) + ": " + message);
}

const std::string& PostgresConnection::Prepare(std::string_view sql) {
  auto it = prepared_.find(sql);
  if (it != prepared_.end()) return it->second;
  const std::string name = "lw" + std::to_string(prepared_.size() + 1);
  const std::string text = sql::NumberPlaceholders(sql);
  Result r(PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) Throw(r.get(), "prepare");
  return prepared_.emplace(std::string(sql), name).first->second;
}

PostgresConnection::Result PostgresConnection::Run(std::string_view sql, const sql::Value* params,
                                                   size_t n) {
  const std::string& name = Prepare(sql);
  std::vector<std::string> texts(n);
  std::vector<const char*> values(n, nullptr);
  for (size_t i = 0; i < n; ++i) {
    if (auto* v = std::get_if<int64_t>(&params[i])) {
      texts[i] = std::to_string(*v);
    } else if (auto* d = std::get_if<double>(&params[i])) {
      texts[i] = std::to_string(*d);
    } else if (auto* s = std::get_if<std::string>(&params[i])) {
      texts[i] = *s;
    } else {
      continue;  // NULL
    }
    values[i] = texts[i].c_str();
  }
  Result r(PQexecPrepared(conn_, name.c_str(), int(n), values.data(), nullptr, nullptr, 0));
  const auto status = PQresultStatus(r.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) Throw(r.get(), "statement");
  return r;
}

std::vector<sql::Row> PostgresConnection::Query(std::string_view sql,
                                                std::initializer_list<sql::Value> params) {
  return Query(sql, std::vector<sql::Value>(params));
}

std::vector<sql::Row> PostgresConnection::Query(std::string_view sql,
                                                const std::vector<sql::Value>& params) {
  Result r = Run(sql, params.data(), params.size());
  const int rows = PQntuples(r.get()), cols = PQnfields(r.get());
  std::vector<sql::Row> out;
  out.reserve(size_t(rows));
  for (int i = 0; i < rows; ++i) {
    std::vector<sql::Value> cells;
    cells.reserve(size_t(cols));
    for (int c = 0; c < cols; ++c) {
      if (PQgetisnull(r.get(), i, c)) {
        cells.emplace_back(nullptr);
        continue;
      }
      const char* v = PQgetvalue(r.get(), i, c);
      switch (PQftype(r.get(), c)) {
        case kInt2:
        case kInt4:
        case kInt8:
          cells.emplace_back(int64_t(std::strtoll(v, nullptr, 10)));
          break;
        case kBool:
          cells.emplace_back(int64_t(v[0] == 't'));
          break;
        case kFloat4:
        case kFloat8:
          cells.emplace_back(std::strtod(v, nullptr));
          break;
        default:
          cells.emplace_back(std::string(v, size_t(PQgetlength(r.get(), i, c))));
      }
    }
    out.emplace_back(std::move(cells));
  }
  return out;
}

int64_t PostgresConnection::Exec(std::string_view sql, std::initializer_list<sql::Value> params) {
  return Exec(sql, std::vector<sql::Value>(params));
}

int64_t PostgresConnection::Exec(std::string_view sql, const std::vector<sql::Value>& params) {
  Result r = Run(sql, params.data(), params.size());
  const char* changed = PQcmdTuples(r.get());
  return changed && *changed ? std::strtoll(changed, nullptr, 10) : 0;
}

void PostgresConnection::ExecScript(std::string_view sql) {
  const std::string text(sql);
  Result r(PQexec(conn_, text.c_str()));
  const auto status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) Throw(r.get(), "script");
}

}  // namespace lw
