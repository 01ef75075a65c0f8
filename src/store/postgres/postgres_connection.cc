#include "store/postgres/postgres_connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "common/metrics.h"
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
  // A statement past statement_timeout, a lock not had within lock_timeout:
  // the server is too busy or blocked for now (503, try again), not a bug,
  // and not an outage either.
  if (std::strcmp(sqlstate, "57014") == 0 || std::strcmp(sqlstate, "55P03") == 0)
    return sql::DbError::Kind::kTimeout;
  // Class 08: connection exception; 57P01–57P03: the server is shutting down,
  // crashed or is starting.
  if (std::strncmp(sqlstate, "08", 2) == 0 || std::strncmp(sqlstate, "57P0", 4) == 0)
    return sql::DbError::Kind::kUnavailable;
  // disk_full, and io_error (a write the server's disk refused).
  if (std::strcmp(sqlstate, "53100") == 0 || std::strcmp(sqlstate, "58030") == 0)
    return sql::DbError::Kind::kNoSpace;
  return sql::DbError::Kind::kOther;
}

}  // namespace

bool PostgresConnection::IsBegin(const Statement& s) {
  return !s.prepared && s.name.starts_with("BEGIN");
}

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
  if (const std::string settings = SessionSettings(conninfo); !settings.empty()) {
    metrics::CountDatabaseRoundTrip();
    Result r(PQexec(conn_, settings.c_str()));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      std::string why = PQerrorMessage(conn_);
      PQfinish(conn_);
      conn_ = nullptr;
      throw sql::DbError(sql::DbError::Kind::kUnavailable, "cannot set up the session: " + why);
    }
  }
}

std::string PostgresConnection::SessionSettings(const std::string& conninfo) {
  // A session stuck in a transaction (its node paused, or cut off from the
  // server) would hold its row locks until TCP gave up, about two hours:
  // other nodes' claims and results would wait and their leases run out.
  // So: a transaction idle for 5 s is ended by the server (its locks freed
  // before anyone's 10 s lock wait runs out), no statement runs past 30 s,
  // and the server probes an idle client every few seconds. A setting named
  // in --db is left as given.
  static constexpr std::pair<const char*, const char*> kSettings[] = {
      {"statement_timeout", "30s"},
      {"lock_timeout", "10s"},
      {"idle_in_transaction_session_timeout", "5s"},
      {"tcp_keepalives_idle", "10"},
      {"tcp_keepalives_interval", "5"},
      {"tcp_keepalives_count", "3"},
  };
  std::string script;
  for (const auto& [name, value] : kSettings)
    if (conninfo.find(name) == std::string::npos)
      script += std::string("SET ") + name + " = '" + value + "'; ";
  return script;
}

PostgresConnection::~PostgresConnection() {
  if (conn_) PQfinish(conn_);
}

bool PostgresConnection::Usable() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

bool PostgresConnection::AtRest() const {
  return Usable() && pending_.empty() && PQtransactionStatus(conn_) == PQTRANS_IDLE &&
         PQpipelineStatus(conn_) == PQ_PIPELINE_OFF;
}

bool PostgresConnection::StillOpen() {
  if (!Usable()) return false;
  // An idle connection has nothing to read, unless the server said goodbye:
  // first its last words (FATAL: terminating connection…), then the end of
  // the stream, which is what libpq takes as the connection lost.
  pollfd p{PQsocket(conn_), POLLIN, 0};
  for (int reads = 0; reads < 4 && poll(&p, 1, 0) > 0; ++reads)
    if (!PQconsumeInput(conn_)) return false;
  return Usable();
}

int64_t PostgresConnection::NextNumber(const std::string& counter,
                                       const std::function<int64_t()>& floor) {
  const bool plain = !counter.empty() && std::all_of(counter.begin(), counter.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
  });
  if (!plain) throw sql::DbError(sql::DbError::Kind::kOther, "bad counter name: " + counter);
  const std::string sequence = "lw_counter_" + counter;
  // A missing sequence yields no row here, rather than an error that would
  // end the transaction. pg_class is read, not to_regclass(): that consults
  // the session's catalog cache, which may still say "no such sequence" just
  // after another node made it.
  const auto next = [&] {
    return QueryOne(
        "SELECT nextval(c.oid::regclass) FROM pg_class c WHERE c.relname = ? AND c.relkind = 'S' "
        "AND c.relnamespace = current_schema()::regnamespace",
        {sequence});
  };
  if (auto row = next()) return row->Int(0);
  // The counter's first use: made under a lock, so that two nodes starting
  // it at once make it once (the second waits, then finds it made).
  LockName("counter:" + sequence);
  if (auto row = next()) return row->Int(0);
  ExecScript("CREATE SEQUENCE " + sequence + " START WITH " + std::to_string(floor() + 1));
  return next()->Int(0);
}

void PostgresConnection::LockName(std::string_view name) {
  Query("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", {std::string(name)});
}

int PostgresConnection::Socket() const { return PQsocket(conn_); }

std::vector<int> PostgresConnection::TakeNotifications() {
  if (!PQconsumeInput(conn_) || !Usable())
    throw sql::DbError(sql::DbError::Kind::kUnavailable,
                       std::string("lost the connection to PostgreSQL: ") + PQerrorMessage(conn_));
  std::vector<int> senders;
  while (PGnotify* note = PQnotifies(conn_)) {
    senders.push_back(note->be_pid);
    PQfreemem(note);
  }
  return senders;
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
  metrics::CountDatabaseRoundTrip();
  Result r(PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) Throw(r.get(), "prepare");
  return prepared_.emplace(std::string(sql), name).first->second;
}

PostgresConnection::Statement PostgresConnection::Bind(std::string_view sql,
                                                       const sql::Value* params, size_t n) {
  Statement s{Prepare(sql), true, std::vector<std::string>(n), std::vector<bool>(n, false)};
  for (size_t i = 0; i < n; ++i) {
    if (auto* v = std::get_if<int64_t>(&params[i])) {
      s.texts[i] = std::to_string(*v);
    } else if (auto* d = std::get_if<double>(&params[i])) {
      s.texts[i] = std::to_string(*d);
    } else if (auto* t = std::get_if<std::string>(&params[i])) {
      s.texts[i] = *t;
    } else {
      s.nulls[i] = true;
    }
  }
  return s;
}

std::vector<const char*> PostgresConnection::Values(const Statement& s) {
  std::vector<const char*> values(s.texts.size());
  for (size_t i = 0; i < values.size(); ++i) values[i] = s.nulls[i] ? nullptr : s.texts[i].c_str();
  return values;
}

bool PostgresConnection::Send(const Statement& s) {
  if (!s.prepared)
    return PQsendQueryParams(conn_, s.name.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0);
  const auto values = Values(s);
  return PQsendQueryPrepared(conn_, s.name.c_str(), int(values.size()), values.data(), nullptr,
                             nullptr, 0);
}

PostgresConnection::Result PostgresConnection::RunPipeline(const Statement* last) {
  const size_t n = pending_.size() + (last ? 1 : 0);
  if (!pending_.empty() && IsBegin(pending_.front())) begun_ = true;
  metrics::CountDatabaseRoundTrip();
  bool sent = PQenterPipelineMode(conn_);
  for (const auto& s : pending_) sent = sent && Send(s);
  if (last) sent = sent && Send(*last);
  sent = sent && PQpipelineSync(conn_);
  pending_.clear();
  if (!sent) Throw(nullptr, "pipeline");
  // Each statement's result is followed by a null; after an error the rest
  // come back PGRES_PIPELINE_ABORTED; then the sync point.
  Result failed, out;
  for (size_t i = 0; i < n; ++i) {
    Result r(PQgetResult(conn_));
    if (!r) Throw(nullptr, "pipeline");  // the connection is gone
    const auto status = PQresultStatus(r.get());
    if (status == PGRES_FATAL_ERROR && !failed) failed = std::move(r);
    if (last && i + 1 == n) out = std::move(r);
    while (pg_result* extra = PQgetResult(conn_)) PQclear(extra);
  }
  Result sync(PQgetResult(conn_));
  const bool synced = sync && PQresultStatus(sync.get()) == PGRES_PIPELINE_SYNC;
  if (synced) PQexitPipelineMode(conn_);
  if (failed) Throw(failed.get(), "statement");
  if (!synced) Throw(sync.get(), "pipeline");
  answered_ = true;
  return out;
}

PostgresConnection::Result PostgresConnection::Run(std::string_view sql, const sql::Value* params,
                                                   size_t n) {
  Statement s = Bind(sql, params, n);
  Result r;
  if (pending_.empty()) {
    const auto values = Values(s);
    metrics::CountDatabaseRoundTrip();
    r.reset(PQexecPrepared(conn_, s.name.c_str(), int(n), values.data(), nullptr, nullptr, 0));
  } else {
    r = RunPipeline(&s);
  }
  const auto status = PQresultStatus(r.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) Throw(r.get(), "statement");
  answered_ = true;
  return r;
}

void PostgresConnection::Defer(std::string_view sql, const std::vector<sql::Value>& params) {
  // A bounded pipeline: libpq in blocking mode writes it all before reading,
  // so the server's answers must fit in the socket's buffers meanwhile.
  constexpr size_t kMaxPending = 256;
  if (pending_.size() >= kMaxPending) Flush();
  pending_.push_back(Bind(sql, params.data(), params.size()));
}

void PostgresConnection::Begin(std::string_view begin) {
  pending_.assign(1, Statement{std::string(begin), false, {}, {}});
  answered_ = commit_sent_ = false;
  announce_ = false;
}

void PostgresConnection::Flush() {
  if (!pending_.empty()) RunPipeline(nullptr);
}

bool PostgresConnection::Commit() {
  Statement commit{"COMMIT", false, {}, {}};
  if (pending_.size() == 1 && IsBegin(pending_.front())) {
    pending_.clear();  // nothing ran: nothing to commit, no round trip
  } else {
    commit_sent_ = true;
    Result r = RunPipeline(&commit);
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) Throw(r.get(), "commit");
  }
  begun_ = false;
  // Kept when the COMMIT fails: MayHaveCommittedAnnouncedWork() asks.
  return std::exchange(announce_, false);
}

void PostgresConnection::Rollback() {
  pending_.clear();
  announce_ = false;
  if (std::exchange(begun_, false) && Usable()) {
    metrics::CountDatabaseRoundTrip();
    Result r(PQexec(conn_, "ROLLBACK"));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) Throw(r.get(), "rollback");
  }
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
  Flush();  // a queued BEGIN first, or the script would run outside the transaction
  const std::string text(sql);
  metrics::CountDatabaseRoundTrip();
  Result r(PQexec(conn_, text.c_str()));
  const auto status = PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) Throw(r.get(), "script");
}

}  // namespace lw
