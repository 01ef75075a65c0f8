#include "webhooks/delivery_repository.h"

#include <algorithm>
#include <tuple>

#include "common/crypto.h"

namespace lw::deliveries {

namespace {

// "msg_" + 32 hex digits: the webhook-id header, the same on every retry.
std::string NewWebhookId() { return "msg_" + crypto::Hex(crypto::RandomBytes(16)); }

// The lowest earlier sequence of delivery `d`'s rule and subject that is still
// pending, or NULL: what an ordered rule's delivery waits for (answered by
// the deliveries_subject index). Test events are no record's changes: they
// wait for nothing (a new test must not queue behind a failed one's retries).
#define LW_EARLIER_PENDING(d)                                                                      \
  "(SELECT MIN(p.sequence) FROM deliveries p WHERE p.status = 'pending' AND "                      \
  "p.rule_id = " d ".rule_id AND p.subject = " d ".subject AND p.sequence < " d ".sequence AND " d \
  ".subject <> 'test')"

constexpr const char* kRowColumns =
    "SELECT d.id, d.webhook_id, d.rule_id, d.event_id, e.trigger_id, e.is_test, d.status, "
    "d.attempt_count, d.next_attempt_at, d.created_at, d.subject, d.sequence, "
    "CASE WHEN d.status = 'pending' AND wr.ordered = 1 THEN " LW_EARLIER_PENDING("d") " END "
    "FROM deliveries d JOIN events e ON e.id = d.event_id "
    "LEFT JOIN webhook_rules wr ON wr.id = d.rule_id ";

DeliveryRow ToRow(const sql::Row& r) {
  return {r.Int(0), r.Text(1), r.Int(2), r.Int(3), int(r.Int(4)), r.Bool(5),    r.Text(6),
          r.Int(7), r.Int(8),  r.Int(9), {},       r.OptText(10), r.OptInt(11), r.OptInt(12)};
}

// The attempts of all `rows` in one query.
void AttachAttempts(sql::Connection& c, std::vector<DeliveryRow>& rows) {
  if (rows.empty()) return;
  std::vector<int64_t> ids;
  std::unordered_map<int64_t, DeliveryRow*> by_id;
  for (auto& row : rows) {
    ids.push_back(row.id);
    by_id[row.id] = &row;
  }
  for (const auto& a :
       c.QueryIn("SELECT delivery_id, at, http_status, duration_ms, error, response_excerpt "
                 "FROM delivery_attempts WHERE delivery_id IN (@ids) ORDER BY id",
                 {}, ids))
    by_id.at(a.Int(0))->attempts.push_back(
        {a.Int(1), a.OptInt(2), a.Int(3), a.OptText(4), a.OptText(5)});
}

// The rule's next number for the subject. On PostgreSQL the row lock makes
// concurrent writers for one subject take their numbers one after the other,
// in the order they commit; nobody reads the answer back (the INSERT below
// reads it in the same transaction), so both go out pipelined.
constexpr const char* kNextSequence =
    "INSERT INTO delivery_sequences (rule_id, subject, last) VALUES (?, ?, 1) "
    "ON CONFLICT (rule_id, subject) DO UPDATE SET last = delivery_sequences.last + 1";
constexpr const char* kInsertDelivery =
    "INSERT INTO deliveries (org_id, rule_id, event_id, webhook_id, status, next_attempt_at, "
    "created_at, updated_at, subject, sequence) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, "
    "(SELECT last FROM delivery_sequences WHERE rule_id = ? AND subject = ?))";

std::vector<sql::Value> InsertParams(int64_t org_id, int64_t rule_id, int64_t event_id,
                                     const std::string& subject, int64_t now_ms) {
  return {org_id, rule_id, event_id, NewWebhookId(), now_ms,
          now_ms, now_ms,  subject,  rule_id,        subject};
}

}  // namespace

int64_t Enqueue(sql::Connection& c, int64_t org_id, int64_t rule_id, int64_t event_id,
                const std::string& subject, int64_t now_ms) {
  c.AnnounceWork();
  c.Defer(kNextSequence, {rule_id, subject});
  return c
      .Query(std::string(kInsertDelivery) + " RETURNING id",
             InsertParams(org_id, rule_id, event_id, subject, now_ms))
      .front()
      .Int(0);
}

void EnqueueAll(sql::Connection& c, int64_t org_id, const std::vector<int64_t>& rule_ids,
                int64_t event_id, const std::string& subject, int64_t now_ms) {
  c.AnnounceWork();
  for (int64_t rule_id : rule_ids) {
    c.Defer(kNextSequence, {rule_id, subject});
    c.Defer(kInsertDelivery, InsertParams(org_id, rule_id, event_id, subject, now_ms));
  }
}

void CancelPending(sql::Connection& c, int64_t rule_id, int64_t now_ms) {
  c.Exec(
      "UPDATE deliveries SET status = 'cancelled', updated_at = ? WHERE rule_id = ? AND "
      "status = 'pending'",
      {now_ms, rule_id});
}

bool MakeDueAgain(sql::Connection& c, int64_t id, int64_t now_ms) {
  c.AnnounceWork();
  // The lease's owner goes too: a result of an earlier attempt that arrives
  // later no longer counts.
  return c.Exec(
             "UPDATE deliveries SET status = 'pending', attempt_count = 0, next_attempt_at = ?, "
             "lease_until = 0, lease_owner = NULL, updated_at = ? WHERE id = ? AND NOT "
             "(status = 'pending' AND lease_until > ?)",
             {now_ms, now_ms, id, now_ms}) > 0;
}

int64_t MakeFailedDueAgain(sql::Connection& c, int64_t org_id, int64_t rule_id, int64_t since_ms,
                           int64_t now_ms) {
  c.AnnounceWork();
  return c.Exec(
      "UPDATE deliveries SET status = 'pending', attempt_count = 0, next_attempt_at = ?, "
      "lease_until = 0, lease_owner = NULL, updated_at = ? WHERE rule_id = ? AND org_id = ? AND "
      "status = 'failed' AND created_at >= ?",
      {now_ms, now_ms, rule_id, org_id, since_ms});
}

const std::vector<std::string>& Statuses() {
  static const std::vector<std::string> kStatuses = {"pending", "delivered", "failed", "cancelled"};
  return kStatuses;
}

Page ListForRule(sql::Connection& c, int64_t org_id, int64_t rule_id, const std::string& status,
                 int64_t limit, int64_t offset) {
  std::string where = "WHERE d.rule_id = ? AND d.org_id = ?";
  std::vector<sql::Value> params{rule_id, org_id};
  if (!status.empty()) {
    where += " AND d.status = ?";
    params.emplace_back(status);
  }
  Page page;
  page.total = c.Query("SELECT COUNT(*) FROM deliveries d " + where, params).front().Int(0);
  params.insert(params.end(), {limit, offset});
  for (const auto& r :
       c.Query(kRowColumns + where + " ORDER BY d.id DESC LIMIT ? OFFSET ?", params))
    page.rows.push_back(ToRow(r));
  AttachAttempts(c, page.rows);
  return page;
}

Page ListForLead(sql::Connection& c, int64_t org_id, int64_t lead_id, int64_t limit) {
  // Through events_lead: the lead's events, then their deliveries by event.
  const std::string where = "WHERE e.lead_id = ? AND e.org_id = ? AND d.org_id = ?";
  Page page;
  page.total =
      c.Query("SELECT COUNT(*) FROM deliveries d JOIN events e ON e.id = d.event_id " + where,
              {lead_id, org_id, org_id})
          .front()
          .Int(0);
  for (const auto& r : c.Query(kRowColumns + where + " ORDER BY d.id DESC LIMIT ?",
                               {lead_id, org_id, org_id, limit}))
    page.rows.push_back(ToRow(r));
  AttachAttempts(c, page.rows);
  return page;
}

std::optional<DeliveryRow> Find(sql::Connection& c, int64_t org_id, int64_t id) {
  auto r = c.QueryOne(std::string(kRowColumns) + "WHERE d.id = ? AND d.org_id = ?", {id, org_id});
  if (!r) return std::nullopt;
  std::vector<DeliveryRow> rows{ToRow(*r)};
  AttachAttempts(c, rows);
  return std::move(rows.front());
}

QueueCounts CountQueue(sql::Connection& c, int64_t now_ms) {
  auto row = c.QueryOne(
      "SELECT COUNT(*), COALESCE(SUM(CASE WHEN next_attempt_at <= ? THEN 1 ELSE 0 END), 0) "
      "FROM deliveries WHERE status = 'pending'",
      {now_ms});
  return {row->Int(0), row->Int(1)};
}

namespace {

// The enabled rules with pending deliveries, found by seeking the partial
// index deliveries_pending (rule_id, next_attempt_at) from one rule to the
// next (a loose index scan): the cost follows the number of rules with work,
// however long each backlog is.
constexpr const char* kRulesWithWork =
    "WITH RECURSIVE rules(rule_id) AS ("
    " SELECT (SELECT MIN(rule_id) FROM deliveries WHERE status = 'pending')"
    " UNION ALL SELECT (SELECT MIN(rule_id) FROM deliveries WHERE status = 'pending'"
    " AND rule_id > rules.rule_id) FROM rules WHERE rules.rule_id IS NOT NULL)"
    " SELECT r.id, r.ordered FROM rules JOIN webhook_rules r ON r.id = rules.rule_id"
    " AND r.enabled = 1"
    " JOIN organizations o ON o.id = r.org_id AND o.webhooks_enabled = 1";

// Each rule's first `?` due deliveries, numbered: every rule's first before
// any rule's second, and so on. Only ids and order: the rows to send are read
// afterwards for the ones taken. Parameters: now, now, turns, then the rules.
// `gate`: more conditions on a candidate `x` (an ordered rule's).
#define LW_TURNS(gate)                                                                       \
  "WITH turns AS (SELECT d.id, d.next_attempt_at, ROW_NUMBER() OVER (PARTITION BY d.rule_id" \
  " ORDER BY d.next_attempt_at, d.id) AS turn FROM webhook_rules r"                          \
  " JOIN deliveries d ON d.id IN (SELECT x.id FROM deliveries x WHERE x.status = 'pending'"  \
  " AND x.rule_id = r.id AND x.next_attempt_at <= ? AND x.lease_until <= ?" gate             \
  " ORDER BY x.next_attempt_at LIMIT ?) WHERE r.id IN (@ids))"                               \
  " SELECT t.turn, t.next_attempt_at, t.id FROM turns t"
// The same where several nodes claim at once (PostgreSQL): rows another node
// is claiming are skipped rather than waited for, and the per-rule scan is a
// LATERAL join, because PostgreSQL runs kTurns' correlated "IN (… LIMIT)" once
// per delivery row (3.7 s for 20,000 pending; this form: 2 ms).
#define LW_TURNS_LOCKING(gate)                                                               \
  "WITH turns AS (SELECT x.id, x.next_attempt_at, ROW_NUMBER() OVER (PARTITION BY x.rule_id" \
  " ORDER BY x.next_attempt_at, x.id) AS turn FROM webhook_rules r CROSS JOIN LATERAL"       \
  " (SELECT x.id, x.rule_id, x.next_attempt_at FROM deliveries x WHERE x.status = 'pending'" \
  " AND x.rule_id = r.id AND x.next_attempt_at <= ? AND x.lease_until <= ?" gate             \
  " ORDER BY x.next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED) x WHERE r.id IN (@ids))"      \
  " SELECT t.turn, t.next_attempt_at, t.id FROM turns t"
// An ordered rule's candidate only when no earlier one of its subject is
// pending. Unordered rules run the forms without it, so they never pay for it.
#define LW_IN_ORDER " AND " LW_EARLIER_PENDING("x") " IS NULL"
// [locking][ordered]
constexpr const char* kTurns[2][2] = {{LW_TURNS(""), LW_TURNS(LW_IN_ORDER)},
                                      {LW_TURNS_LOCKING(""), LW_TURNS_LOCKING(LW_IN_ORDER)}};

}  // namespace

std::vector<Claimed> Claim(sql::Connection& c, int64_t now_ms, int limit, int per_rule,
                           const std::set<int64_t>& excluded_rules, const Lease& lease) {
  std::vector<int64_t> rules[2];  // [ordered]
  for (const auto& r : c.Query(kRulesWithWork))
    if (!excluded_rules.count(r.Int(0))) rules[r.Bool(1)].push_back(r.Int(0));
  const int64_t n = int64_t(rules[0].size() + rules[1].size());
  if (n == 0 || limit <= 0) return {};
  // Turns enough to fill the batch even when some rules have little due, but
  // no more: with many rules each gives a few, so the window below never
  // sorts whole backlogs (at most about 4 × limit rows).
  const int64_t turns =
      std::clamp<int64_t>((4 * int64_t(limit) + n - 1) / n, 1, std::max(per_rule, 1));
  // Long rule lists run in parts, so the order by turn is taken here, over
  // all of them (at most about 4 × limit rows).
  std::vector<std::tuple<int64_t, int64_t, int64_t>> order;
  for (int ordered : {0, 1}) {
    if (rules[ordered].empty()) continue;
    for (const auto& r : c.QueryIn(kTurns[c.SupportsSkipLocked()][ordered], {now_ms, now_ms, turns},
                                   rules[ordered]))
      order.emplace_back(r.Int(0), r.Int(1), r.Int(2));
  }
  std::sort(order.begin(), order.end());
  if (order.size() > size_t(limit)) order.resize(size_t(limit));
  std::vector<int64_t> ids;
  ids.reserve(order.size());
  for (const auto& o : order) ids.push_back(std::get<2>(o));
  if (ids.empty()) return {};
  std::unordered_map<int64_t, Claimed> by_id;
  for (const auto& r :
       c.QueryIn("SELECT d.id, d.org_id, d.rule_id, d.webhook_id, r.url, e.payload, e.trigger_id,"
                 " o.webhook_key, o.previous_webhook_key, o.previous_key_valid_until, d.subject,"
                 " d.sequence FROM deliveries d"
                 " JOIN webhook_rules r ON r.id = d.rule_id AND r.org_id = d.org_id"
                 " JOIN organizations o ON o.id = d.org_id"
                 " JOIN events e ON e.id = d.event_id AND e.org_id = d.org_id"
                 " WHERE d.id IN (@ids)",
                 {}, ids)) {
    Claimed d{r.Int(0),
              r.Int(1),
              r.Int(2),
              r.Text(3),
              r.Text(4),
              r.Text(5),
              int(r.Int(6)),
              {r.Text(7)},
              r.OptText(10).value_or(""),
              r.OptInt(11).value_or(0)};
    if (!r.IsNull(8) && r.OptInt(9).value_or(0) > now_ms) d.keys.push_back(r.Text(8));
    by_id.emplace(d.id, std::move(d));
  }
  std::vector<Claimed> out;
  std::vector<int64_t> taken, orphans;
  out.reserve(ids.size());
  for (int64_t id : ids) {
    if (auto it = by_id.find(id); it != by_id.end()) {
      out.push_back(std::move(it->second));
      taken.push_back(id);
    } else {
      orphans.push_back(id);
    }
  }
  // A delivery whose rule or event is not its organization's must never be
  // sent (it would carry one firm's data to another's URL); none is made so,
  // and one found is cancelled rather than left pending forever.
  if (!orphans.empty())
    c.DeferIn(
        "UPDATE deliveries SET status = 'cancelled', lease_until = 0, updated_at = ? WHERE "
        "id IN (@ids)",
        {now_ms}, orphans);
  // The lease lives outside the pending index, so taking one does not move index entries.
  c.DeferIn("UPDATE deliveries SET lease_until = ?, lease_owner = ? WHERE id IN (@ids)",
            {lease.until, lease.owner}, taken);
  return out;
}

void SetLeases(sql::Connection& c, const std::vector<int64_t>& ids, const Lease& lease) {
  if (!ids.empty())
    c.DeferIn("UPDATE deliveries SET lease_until = ? WHERE lease_owner = ? AND id IN (@ids)",
              {lease.until, lease.owner}, ids);
}

void InsertAttempts(sql::Connection& c, const std::vector<AttemptRecord>& attempts) {
  // Multi-row INSERTs, a bounded number of rows each.
  constexpr size_t kRowsPerInsert = 256;
  for (size_t start = 0; start < attempts.size(); start += kRowsPerInsert) {
    const size_t n = std::min(kRowsPerInsert, attempts.size() - start);
    std::string sql =
        "INSERT INTO delivery_attempts (delivery_id, at, http_status, duration_ms, error, "
        "response_excerpt) VALUES ";
    std::vector<sql::Value> params;
    params.reserve(n * 6);
    for (size_t i = 0; i < n; ++i) {
      const AttemptRecord& a = attempts[start + i];
      sql += i ? ",(?,?,?,?,?,?)" : "(?,?,?,?,?,?)";
      params.insert(
          params.end(),
          {a.delivery_id, a.at,
           a.http_status ? sql::Value(int64_t(*a.http_status)) : sql::Value(nullptr), a.duration_ms,
           a.error.empty() ? sql::Value(nullptr) : sql::Value(std::string(a.error)),
           a.response_excerpt.empty() ? sql::Value(nullptr)
                                      : sql::Value(std::string(a.response_excerpt))});
    }
    c.Defer(sql, params);
  }
}

std::unordered_map<int64_t, LeaseState> LeaseStates(sql::Connection& c,
                                                    const std::vector<int64_t>& ids,
                                                    const std::string& owner) {
  std::unordered_map<int64_t, LeaseState> out;
  if (ids.empty()) return out;
  // By primary key only: with "status = ?" here SQLite would walk the status index.
  const std::string sql =
      std::string(
          "SELECT id, attempt_count, org_id, rule_id, status, lease_owner FROM deliveries "
          "WHERE id IN (@ids)") +
      (c.SupportsSkipLocked() ? " FOR UPDATE" : "");
  for (const auto& row : c.QueryIn(sql, {}, ids))
    out[row.Int(0)] = {true, row.Text(4) == "pending" && row.OptText(5) == owner, int(row.Int(1)),
                       row.Int(2), row.Int(3)};
  return out;
}

void MarkDelivered(sql::Connection& c, const std::vector<int64_t>& ids, const std::string& owner,
                   int64_t now_ms) {
  if (ids.empty()) return;
  c.DeferIn(
      "UPDATE deliveries SET status = 'delivered', attempt_count = attempt_count + 1, "
      "lease_until = 0, lease_owner = NULL, updated_at = ? WHERE lease_owner = ? AND id IN (@ids)",
      {now_ms, owner}, ids);
}

void RecordFailure(sql::Connection& c, int64_t id, const std::string& owner, bool retry,
                   int attempts, int64_t next_attempt_at, int64_t now_ms) {
  c.Defer(
      "UPDATE deliveries SET status = ?, attempt_count = ?, next_attempt_at = ?, "
      "lease_until = 0, lease_owner = NULL, updated_at = ? WHERE id = ? AND lease_owner = ?",
      {std::string(retry ? "pending" : "failed"), int64_t(attempts), next_attempt_at, now_ms, id,
       owner});
}

Purged PurgeDeliveries(sql::Connection& c, int64_t after_id, int64_t cutoff_ms, int limit) {
  Purged out{after_id};
  std::vector<int64_t> doomed;
  const auto rows = c.Query(
      "SELECT id, status, created_at, updated_at FROM deliveries WHERE id > ? ORDER BY id LIMIT ?",
      {after_id, int64_t(limit)});
  out.more = rows.size() == size_t(limit);
  for (const auto& r : rows) {
    if (r.Int(2) >= cutoff_ms) {
      out.more = false;  // created after the cutoff, and so is everything after it
      break;
    }
    out.scanned_to = r.Int(0);
    if (r.Text(1) != "pending" && r.Int(3) < cutoff_ms) doomed.push_back(r.Int(0));
  }
  if (doomed.empty()) return out;
  // The DELETE says again what made a row doomed: under READ COMMITTED a
  // Redeliver may have committed since the SELECT, and the API answered it
  // 202. Only what went is taken with its attempts.
  std::vector<int64_t> gone;
  for (const auto& r : c.QueryIn("DELETE FROM deliveries WHERE status <> 'pending' AND "
                                 "updated_at < ? AND id IN (@ids) RETURNING id",
                                 {cutoff_ms}, doomed))
    gone.push_back(r.Int(0));
  out.deleted = int64_t(gone.size());
  if (!gone.empty())
    out.attempts = c.ExecIn("DELETE FROM delivery_attempts WHERE delivery_id IN (@ids)", {}, gone);
  return out;
}

Purged PurgeEvents(sql::Connection& c, int64_t after_id, int64_t cutoff_ms, int limit) {
  Purged out{after_id};
  std::vector<int64_t> doomed;
  const auto rows = c.Query(
      "SELECT e.id, e.created_at,"
      " CASE WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id) THEN 1 ELSE 0 END"
      " FROM events e WHERE e.id > ? ORDER BY e.id LIMIT ?",
      {after_id, int64_t(limit)});
  out.more = rows.size() == size_t(limit);
  for (const auto& r : rows) {
    if (r.Int(1) >= cutoff_ms) {
      out.more = false;
      break;
    }
    out.scanned_to = r.Int(0);
    if (!r.Bool(2)) doomed.push_back(r.Int(0));
  }
  // Again: a test event or Redeliver may have given one a delivery since.
  if (!doomed.empty())
    out.deleted = c.ExecIn(
        "DELETE FROM events WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = "
        "events.id) AND id IN (@ids)",
        {}, doomed);
  return out;
}

}  // namespace lw::deliveries
