// The SQL seam between services and a database backend: parameters and rows as
// plain values, statements with `?` placeholders (a backend rewrites them for
// its own dialect, see placeholders.h). A Connection belongs to one
// transaction on one thread. Backends differ in capabilities, never in names:
// services ask SupportsSkipLocked(), not which database this is.
//
// Statement failures throw DbError; Database::Read/Write catch it at the
// transaction boundary, roll back, and return it as an Error value, so service
// code reads straight through while errors still leave the store as values.
#pragma once

#include <bit>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace lw::sql {

class CommittedIds;  // committed_ids.h

using Value = std::variant<std::nullptr_t, int64_t, double, std::string>;

// Helpers for optional parameters: nullopt binds NULL.
inline Value Opt(const std::optional<int64_t>& v) { return v ? Value(*v) : Value(nullptr); }
inline Value Opt(const std::optional<std::string>& v) { return v ? Value(*v) : Value(nullptr); }

// A LIKE pattern for "contains `text`", where `text` is what a user typed:
// its % and _ match themselves, not any text. Write the condition as
// "column LIKE ? ESCAPE '\'" (kLikeEscape).
std::string LikeContaining(std::string_view text);
inline constexpr const char* kLikeEscape = " ESCAPE '\\'";

class Row {
 public:
  explicit Row(std::vector<Value> cells) : cells_(std::move(cells)) {}
  bool IsNull(size_t i) const { return std::holds_alternative<std::nullptr_t>(cells_.at(i)); }
  int64_t Int(size_t i) const;
  bool Bool(size_t i) const { return Int(i) != 0; }
  const std::string& Text(size_t i) const;
  std::optional<int64_t> OptInt(size_t i) const;
  std::optional<std::string> OptText(size_t i) const;
  size_t size() const { return cells_.size(); }

 private:
  std::vector<Value> cells_;
};

struct DbError : std::runtime_error {
  // kBusy: a conflict worth retrying; kTimeout: a statement or a lock wait
  // ran out of time; kUnavailable: the server cannot be reached; kNoSpace:
  // the store cannot write (disk full, or a write failing).
  enum class Kind { kConstraint, kBusy, kTimeout, kUnavailable, kNoSpace, kOther };
  DbError(Kind k, const std::string& what) : std::runtime_error(what), kind(k) {}
  Kind kind;
};

class Connection {
 public:
  virtual ~Connection() = default;
  // Runs a statement and returns every row it yields.
  virtual std::vector<Row> Query(std::string_view sql,
                                 std::initializer_list<Value> params = {}) = 0;
  virtual std::vector<Row> Query(std::string_view sql, const std::vector<Value>& params) = 0;
  // Runs a statement and returns the number of rows it changed.
  virtual int64_t Exec(std::string_view sql, std::initializer_list<Value> params = {}) = 0;
  virtual int64_t Exec(std::string_view sql, const std::vector<Value>& params) = 0;
  // Runs a script of several statements without parameters (migrations).
  virtual void ExecScript(std::string_view sql) = 0;
  // Runs a statement whose outcome nobody reads. A backend with a network
  // between it and the server (PostgreSQL) holds it back and sends it with
  // the next statement or the commit: several statements, one round trip.
  // Its error then fails that later call, and so the transaction all the
  // same. In-process SQLite runs it at once.
  virtual void Defer(std::string_view sql, const std::vector<Value>& params) { Exec(sql, params); }

  // Whether "FOR UPDATE SKIP LOCKED" works: several nodes claim rows at once
  // and step over each other's. (SQLite has one writer and no row locks.)
  virtual bool SupportsSkipLocked() const = 0;

  // Says this transaction makes deliveries due: once it commits, worker nodes
  // waiting for work wake (PostgreSQL: a NOTIFY after the commit, shared
  // with the node's other commits of those milliseconds; see
  // work_announcer.h). SQLite serves one process, whose commit listener
  // wakes it.
  virtual void AnnounceWork() {}

  // The next number of the counter `counter` (lower-case letters, digits and
  // _), for numbering things per tenant. Taking a number never waits for
  // another transaction's, and no two committed transactions get the same
  // number. The first call
  // for a counter starts it above `floor()` (called only then: the numbers
  // some older scheme already used). SQLite keeps counters in a table, inside
  // the transaction (its writes are one at a time anyway); PostgreSQL uses a
  // sequence per counter, outside transactions, so a rolled-back transaction
  // leaves a gap rather than holding every other one up until it commits.
  virtual int64_t NextNumber(const std::string& counter, const std::function<int64_t()>& floor) = 0;

  // Holds a lock named `name` until the transaction ends, on every node
  // (PostgreSQL: an advisory lock on the name's hash). SQLite's one writer
  // already runs write transactions one at a time.
  virtual void LockName(std::string_view /*name*/) {}

  // Ids remembered across this database's transactions (committed_ids.h),
  // or null while this transaction wrote such a row itself (WroteRemembered-
  // Kind), and so could see one that may yet be rolled back.
  CommittedIds* Remembered() { return wrote_remembered_kind_ ? nullptr : remembered_; }
  void WroteRememberedKind() { wrote_remembered_kind_ = true; }
  // Called by the backend as each transaction begins.
  void BeganTransaction(CommittedIds* remembered) {
    remembered_ = remembered;
    wrote_remembered_kind_ = false;
    ForgetReadsOnce();
  }

  // QueryOne, asked of the database once per transaction however often the
  // transaction asks (a lead's two events each read their organization's
  // webhook settings: a round trip each on PostgreSQL). Whoever writes what
  // such a read reads calls ForgetReadsOnce in the same transaction; SQLite's
  // group commit calls it between the requests that share a transaction.
  std::optional<Row> QueryOneOnce(std::string_view sql, std::initializer_list<Value> params);
  void ForgetReadsOnce() { reads_once_.clear(); }

  // Conveniences built on Query.
  std::optional<Row> QueryOne(std::string_view sql, std::initializer_list<Value> params = {});
  // For "INSERT … RETURNING id".
  int64_t InsertId(std::string_view sql, std::initializer_list<Value> params);

  // Statements over a list of ids: `sql` holds the marker "(@ids)" where the
  // list goes ("… WHERE id IN (@ids)"), after the `leading` parameters. Long
  // lists are split into several runs; rows and counts are added up.
  std::vector<Row> QueryIn(std::string_view sql, const std::vector<Value>& leading,
                           const std::vector<int64_t>& ids);
  int64_t ExecIn(std::string_view sql, const std::vector<Value>& leading,
                 const std::vector<int64_t>& ids);
  void DeferIn(std::string_view sql, const std::vector<Value>& leading,
               const std::vector<int64_t>& ids);

 protected:
  // How many placeholders a list of `n` ids gets; the ids past `n` repeat the
  // last one. Rounded up to a power of two: backends prepare each statement
  // text once per connection and keep it, so a few shapes serve every length
  // (9 per statement, not 256).
  virtual size_t IdListSlots(size_t n) const { return std::bit_ceil(n); }

 private:
  CommittedIds* remembered_ = nullptr;
  bool wrote_remembered_kind_ = false;
  // QueryOneOnce's answers by statement and parameters: a few per transaction.
  std::vector<std::pair<std::string, std::optional<Row>>> reads_once_;

  template <typename Run>
  void ForIdChunks(std::string_view sql, const std::vector<Value>& leading,
                   const std::vector<int64_t>& ids, Run&& run);
};

}  // namespace lw::sql
