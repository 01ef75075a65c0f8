#include "webhooks/delivery_repository.h"

#include <algorithm>
#include <bit>
#include <tuple>

#include "common/crypto.h"
#include "webhooks/signing_keypair.h"

namespace lw::deliveries {

// What parks a delivery: added to next_attempt_at (see kParkedOffset). The
// claims' index holds only unparked rows; each statement that reads it says
// LW_UNPARKED word for word, so both planners know the index applies.
#define LW_PARKED_OFFSET "1000000000000000"
#define LW_UNPARKED(x) x "next_attempt_at < " LW_PARKED_OFFSET
static_assert(kParkedOffset == 1'000'000'000'000'000);

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

// The same for an ordered rule: behind a subject head that waits for a
// retry, the new delivery is due when that retry is (it cannot go before),
// so claims need not step over it until then.
constexpr const char* kInsertOrderedDelivery =
    "INSERT INTO deliveries (org_id, rule_id, event_id, webhook_id, status, next_attempt_at, "
    "created_at, updated_at, subject, sequence) VALUES (?, ?, ?, ?, 'pending', COALESCE("
    "(SELECT CASE WHEN h.next_attempt_at > ? AND h." LW_UNPARKED("") " THEN h.next_attempt_at "
    "ELSE ? END FROM deliveries h WHERE h.status = 'pending' AND h.rule_id = ? AND "
    "h.subject = ? ORDER BY h.sequence LIMIT 1), ?), ?, ?, ?, "
    "(SELECT last FROM delivery_sequences WHERE rule_id = ? AND subject = ?))";

std::vector<sql::Value> InsertParams(int64_t org_id, int64_t rule_id, int64_t event_id,
                                     const std::string& subject, int64_t now_ms) {
  return {org_id, rule_id, event_id, NewWebhookId(), now_ms,
          now_ms, now_ms,  subject,  rule_id,        subject};
}
std::vector<sql::Value> OrderedInsertParams(int64_t org_id, int64_t rule_id, int64_t event_id,
                                            const std::string& subject, int64_t now_ms) {
  return {org_id,  rule_id, event_id, NewWebhookId(), now_ms,  now_ms,  rule_id,
          subject, now_ms,  now_ms,   now_ms,         subject, rule_id, subject};
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

void EnqueueAll(sql::Connection& c, int64_t org_id, const std::vector<RuleToQueue>& rules,
                int64_t event_id, const std::string& subject, int64_t now_ms) {
  c.AnnounceWork();
  for (const RuleToQueue& rule : rules) {
    c.Defer(kNextSequence, {rule.id, subject});
    if (rule.ordered)
      c.Defer(kInsertOrderedDelivery,
              OrderedInsertParams(org_id, rule.id, event_id, subject, now_ms));
    else
      c.Defer(kInsertDelivery, InsertParams(org_id, rule.id, event_id, subject, now_ms));
  }
}

void ReleaseHeldBack(sql::Connection& c, int64_t rule_id, std::optional<std::string> subject,
                     int64_t now_ms) {
  // Never attempted and due later than now: only a push could have done
  // that (a retry's schedule has attempts behind it).
  std::string sql =
      "UPDATE deliveries SET next_attempt_at = ? WHERE rule_id = ? AND status = 'pending' AND "
      "attempt_count = 0 AND next_attempt_at > ? AND " LW_UNPARKED("");
  std::vector<sql::Value> params{now_ms, rule_id, now_ms};
  if (subject) {
    sql += " AND subject = ?";
    params.emplace_back(*subject);
  }
  c.Exec(sql, params);
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
  if (c.Exec("UPDATE deliveries SET status = 'pending', attempt_count = 0, next_attempt_at = ?, "
             "lease_until = 0, lease_owner = NULL, updated_at = ? WHERE id = ? AND NOT "
             "(status = 'pending' AND lease_until > ? AND lease_owner IS NOT NULL)",
             {now_ms, now_ms, id, now_ms}) == 0)
    return false;
  // Its successors, held back behind its retry on an ordered rule, need not
  // wait for that retry any more.
  if (auto d = c.QueryOne("SELECT rule_id, subject FROM deliveries WHERE id = ?", {id});
      d && !d->IsNull(1))
    ReleaseHeldBack(c, d->Int(0), d->Text(1), now_ms);
  return true;
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

// The rules with unparked pending deliveries, found by seeking the partial
// index deliveries_pending (rule_id, next_attempt_at) from one rule to the
// next (a loose index scan): the cost follows the number of rules with work,
// however long each backlog is. With each, whether it may send (0), may not
// (1: disabled, or webhooks off; its rows get parked) or is gone (2).
#define LW_WALK(condition)                                                               \
  "WITH RECURSIVE rules(rule_id) AS ("                                                   \
  " SELECT (SELECT MIN(rule_id) FROM deliveries WHERE status = 'pending' AND " condition \
  ")"                                                                                    \
  " UNION ALL SELECT (SELECT MIN(rule_id) FROM deliveries WHERE status = 'pending'"      \
  " AND " condition                                                                      \
  " AND rule_id > rules.rule_id) FROM rules"                                             \
  " WHERE rules.rule_id IS NOT NULL)"                                                    \
  " SELECT rules.rule_id, COALESCE(r.ordered, 0), CASE WHEN r.id IS NULL THEN 2"         \
  " WHEN r.enabled = 1 AND o.webhooks_enabled = 1 THEN 0 ELSE 1 END FROM rules"          \
  " LEFT JOIN webhook_rules r ON r.id = rules.rule_id LEFT JOIN organizations o"         \
  " ON o.id = r.org_id WHERE rules.rule_id IS NOT NULL"
constexpr const char* kRulesWithWork = LW_WALK(LW_UNPARKED(""));
// The same over the parked deliveries (the deliveries_parked index).
constexpr const char* kRulesWithParkedWork = LW_WALK("next_attempt_at >= " LW_PARKED_OFFSET);
enum RuleState { kMaySend = 0, kMayNotSend = 1, kGone = 2 };

// At most `?` rows of a rule, picked by `condition`: rows another node is
// working on are skipped where the backend can.
std::string SomeOfRule(const sql::Connection& c, const char* condition) {
  return std::string("SELECT id FROM deliveries WHERE rule_id = ? AND status = 'pending' AND ") +
         condition + " LIMIT ?" + (c.SupportsSkipLocked() ? " FOR UPDATE SKIP LOCKED" : "");
}
// Parks up to `limit` of the rule's pending rows; returns how many.
int64_t Park(sql::Connection& c, int64_t rule_id, int64_t limit) {
  return c.Exec("UPDATE deliveries SET next_attempt_at = next_attempt_at + " LW_PARKED_OFFSET
                " WHERE id IN (" +
                    SomeOfRule(c, LW_UNPARKED("")) + ")",
                {rule_id, limit});
}
// Cancels up to `limit` of a gone rule's pending rows (parked or not).
int64_t CancelOrphans(sql::Connection& c, int64_t rule_id, int64_t limit, int64_t now_ms) {
  return c.Exec(
      "UPDATE deliveries SET status = 'cancelled', lease_until = 0, updated_at = ? "
      "WHERE id IN (" +
          SomeOfRule(c, "1 = 1") + ")",
      {now_ms, rule_id, limit});
}
// Rows a claim parks or cancels on the way, at most: the rest wait for the
// next claims, so no claim's transaction grows with a backlog.
constexpr int64_t kTidyRowsPerClaim = 2000;

// Each rule's first `?` due deliveries, numbered: every rule's first before
// any rule's second, and so on. Only ids and order: the rows to send are read
// afterwards for the ones taken. Parameters: now, now, turns, then the rules.
// `gate`: more conditions on a candidate `x` (an ordered rule's).
#define LW_TURNS(gate) \
  "WITH turns AS (SELECT d.id, d.rule_id, d.next_attempt_at, ROW_NUMBER() OVER (PARTITION BY" \
  " d.rule_id"                                                                                 \
  " ORDER BY d.next_attempt_at, d.id) AS turn FROM webhook_rules r"                          \
  " JOIN deliveries d ON d.id IN (SELECT x.id FROM deliveries x WHERE x.status = 'pending'"  \
  " AND x.rule_id = r.id AND x." LW_UNPARKED("") " AND x.next_attempt_at <= ?"               \
  " AND x.lease_until <= ?" gate                                                             \
  " ORDER BY x.next_attempt_at LIMIT ?) WHERE r.id IN (@ids))"                               \
  " SELECT t.turn, t.next_attempt_at, t.id, t.rule_id FROM turns t"
// The same where several nodes claim at once (PostgreSQL): rows another node
// is claiming are skipped rather than waited for, and the per-rule scan is a
// LATERAL join, because PostgreSQL runs kTurns' correlated "IN (… LIMIT)" once
// per delivery row (3.7 s for 20,000 pending; this form: 2 ms).
#define LW_TURNS_LOCKING(gate) \
  "WITH turns AS (SELECT x.id, x.rule_id, x.next_attempt_at, ROW_NUMBER() OVER (PARTITION BY" \
  " x.rule_id"                                                                                 \
  " ORDER BY x.next_attempt_at, x.id) AS turn FROM webhook_rules r CROSS JOIN LATERAL"       \
  " (SELECT x.id, x.rule_id, x.next_attempt_at FROM deliveries x WHERE x.status = 'pending'" \
  " AND x.rule_id = r.id AND x." LW_UNPARKED("") " AND x.next_attempt_at <= ?"               \
  " AND x.lease_until <= ?" gate                                                             \
  " ORDER BY x.next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED) x WHERE r.id IN (@ids))"      \
  " SELECT t.turn, t.next_attempt_at, t.id, t.rule_id FROM turns t"
// An ordered rule's candidate only when no earlier one of its subject is
// pending, and no other one of its subject is in flight (held by a node):
// a redelivered or recovered earlier one waits for a later one sent before
// it, so two of one subject are never out at once. The parameter is now.
// Unordered rules run the forms without it, so they never pay for it.
#define LW_IN_ORDER \
  " AND " LW_EARLIER_PENDING("x") " IS NULL AND (x.subject = 'test' OR NOT EXISTS ("   \
  "SELECT 1 FROM deliveries q WHERE q.status = 'pending' AND q.rule_id = x.rule_id"    \
  " AND q.subject = x.subject AND q.id <> x.id AND q.lease_until > ?"                  \
  " AND q.lease_owner IS NOT NULL))"
// [locking][ordered]
constexpr const char* kTurns[2][2] = {{LW_TURNS(""), LW_TURNS(LW_IN_ORDER)},
                                      {LW_TURNS_LOCKING(""), LW_TURNS_LOCKING(LW_IN_ORDER)}};

}  // namespace

std::vector<Claimed> Claim(sql::Connection& c, int64_t now_ms, int limit, int per_rule,
                           const ClaimScope& scope, const Lease& lease) {
  std::vector<int64_t> rules[2];  // [ordered]
  int64_t budget = kTidyRowsPerClaim;
  for (const auto& r : c.Query(kRulesWithWork)) {
    const int64_t rule = r.Int(0);
    if (r.Int(2) == kMaySend) {
      if (!scope.excluded.count(rule)) rules[r.Bool(1)].push_back(rule);
    } else if (budget > 0) {
      budget -= r.Int(2) == kGone ? CancelOrphans(c, rule, budget, now_ms) : Park(c, rule, budget);
    }
  }
  const int64_t n = int64_t(rules[0].size() + rules[1].size());
  if (n == 0 || limit <= 0) return {};
  // Turns enough to fill the batch even when some rules have little due, but
  // no more: with many rules each gives a few, so the window below never
  // sorts whole backlogs (at most about 4 × limit rows).
  const int64_t turns =
      std::clamp<int64_t>((4 * int64_t(limit) + n - 1) / n, 1, std::max(per_rule, 1));
  // Long rule lists run in parts, so the order is taken here, over all of
  // them (at most about 4 × limit rows): by turn; then rules whose endpoint
  // is idle; then in rotation; then the oldest first.
  struct Place {
    int64_t turn;
    bool busy;
    bool before_rotation;  // at or before scope.after_rule: served after the others
    int64_t rule, due, id;
    auto Key() const { return std::tie(turn, busy, before_rotation, rule, due, id); }
  };
  std::vector<Place> order;
  for (int ordered : {0, 1}) {
    if (rules[ordered].empty()) continue;
    std::vector<sql::Value> params{now_ms, now_ms};
    if (ordered) params.emplace_back(now_ms);  // LW_IN_ORDER's
    params.emplace_back(turns);
    for (const auto& r :
         c.QueryIn(kTurns[c.SupportsSkipLocked()][ordered], params, rules[ordered])) {
      const int64_t rule = r.Int(3);
      order.push_back({r.Int(0), scope.busy.count(rule) > 0, rule <= scope.after_rule, rule,
                       r.Int(1), r.Int(2)});
    }
  }
  std::sort(order.begin(), order.end(),
            [](const Place& a, const Place& b) { return a.Key() < b.Key(); });
  if (order.size() > size_t(limit)) order.resize(size_t(limit));
  std::vector<int64_t> ids;
  ids.reserve(order.size());
  for (const auto& o : order) ids.push_back(o.id);
  // Where several nodes claim at once, an ordered rule's subject is claimed
  // by one of them at a time: each takes its subjects' counter rows, and
  // drops a candidate whose subject another node's claim holds (it would
  // not yet see that claim's lease, and could send a second of the subject).
  if (c.SupportsSkipLocked() && !rules[1].empty()) {
    const std::set<int64_t> ordered(rules[1].begin(), rules[1].end());
    std::vector<int64_t> gated;
    for (const auto& o : order)
      if (ordered.count(o.rule)) gated.push_back(o.id);
    if (!gated.empty()) {
      std::set<int64_t> held;
      for (const auto& r : c.QueryIn(
               "SELECT d.id FROM deliveries d JOIN delivery_sequences s ON s.rule_id = d.rule_id"
               " AND s.subject = d.subject WHERE d.id IN (@ids) FOR UPDATE OF s SKIP LOCKED",
               {}, gated))
        held.insert(r.Int(0));
      // Deliveries made before subjects existed have no counter row: no gate.
      if (held.size() < gated.size())
        for (const auto& r : c.QueryIn(
                 "SELECT id FROM deliveries WHERE subject IS NULL AND id IN (@ids)", {}, gated))
          held.insert(r.Int(0));
      std::erase_if(ids, [&](int64_t id) {
        return std::find(gated.begin(), gated.end(), id) != gated.end() && !held.count(id);
      });
    }
  }
  if (ids.empty()) return {};
  std::unordered_map<int64_t, Claimed> by_id;
  for (const auto& r :
       c.QueryIn("SELECT d.id, d.org_id, d.rule_id, d.webhook_id, r.url, e.payload, e.trigger_id,"
                 " o.webhook_key, o.previous_webhook_key, o.previous_key_valid_until, d.subject,"
                 " d.sequence, e.trace, r.headers, r.auth, o.client_certificate,"
                 " r.payload_template, o.signing, o.ed25519_key, o.previous_ed25519_key"
                 " FROM deliveries d"
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
              r.OptInt(11).value_or(0),
              r.OptText(12).value_or(""),
              r.OptText(13).value_or(""),
              r.OptText(14).value_or(""),
              r.OptText(15).value_or(""),
              r.OptText(16).value_or(""),
              {}};
    const bool grace = r.OptInt(9).value_or(0) > now_ms;
    if (!r.IsNull(8) && grace) d.keys.push_back(r.Text(8));
    if (r.Text(17) == kSigningEd25519 && !r.IsNull(18)) {
      d.ed25519_keys.push_back(r.Text(18));
      if (!r.IsNull(19) && grace) d.ed25519_keys.push_back(r.Text(19));
    }
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

void GiveBack(sql::Connection& c, const std::vector<int64_t>& ids, const std::string& owner,
              int64_t until) {
  if (!ids.empty())
    c.DeferIn(
        "UPDATE deliveries SET lease_until = ?, lease_owner = NULL WHERE lease_owner = ? AND id IN "
        "(@ids)",
        {until, owner}, ids);
}

void TidyParked(sql::Connection& c, int64_t now_ms) {
  constexpr int64_t kRowsPerTidy = 5000;
  int64_t budget = kRowsPerTidy;
  for (const auto& r : c.Query(kRulesWithParkedWork)) {
    if (budget <= 0) break;
    if (r.Int(2) == kMaySend)
      budget -= c.Exec("UPDATE deliveries SET next_attempt_at = next_attempt_at - " LW_PARKED_OFFSET
                       " WHERE id IN (" +
                           SomeOfRule(c, "next_attempt_at >= " LW_PARKED_OFFSET) + ")",
                       {r.Int(0), budget});
    else if (r.Int(2) == kGone)
      budget -= CancelOrphans(c, r.Int(0), budget, now_ms);
  }
}

void Unpark(sql::Connection& c, int64_t rule_id, int64_t limit) {
  c.Exec("UPDATE deliveries SET next_attempt_at = next_attempt_at - " LW_PARKED_OFFSET
         " WHERE id IN (" +
             SomeOfRule(c, "next_attempt_at >= " LW_PARKED_OFFSET) + ")",
         {rule_id, limit});
}

void SetLeases(sql::Connection& c, const std::vector<int64_t>& ids, const Lease& lease) {
  if (!ids.empty())
    c.DeferIn("UPDATE deliveries SET lease_until = ? WHERE lease_owner = ? AND id IN (@ids)",
              {lease.until, lease.owner}, ids);
}

void InsertAttempts(sql::Connection& c, const std::vector<AttemptRecord>& attempts) {
  // Multi-row INSERTs of 256, 128, … 1 rows: a few statement shapes, each
  // prepared once per connection, serve every batch size.
  constexpr size_t kRowsPerInsert = 256;
  for (size_t start = 0, n = 0; start < attempts.size(); start += n) {
    n = std::bit_floor(std::min(kRowsPerInsert, attempts.size() - start));
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

std::set<std::tuple<int64_t, int64_t, int64_t, int>> AttemptsOf(sql::Connection& c,
                                                                const std::vector<int64_t>& ids) {
  std::set<std::tuple<int64_t, int64_t, int64_t, int>> out;
  if (ids.empty()) return out;
  for (const auto& r :
       c.QueryIn("SELECT delivery_id, at, duration_ms, http_status FROM delivery_attempts WHERE "
                 "delivery_id IN (@ids)",
                 {}, ids))
    out.emplace(r.Int(0), r.Int(1), r.Int(2), int(r.OptInt(3).value_or(0)));
  return out;
}

std::unordered_map<int64_t, LeaseState> LeaseStates(sql::Connection& c,
                                                    const std::vector<int64_t>& ids,
                                                    const std::string& owner) {
  std::unordered_map<int64_t, LeaseState> out;
  if (ids.empty()) return out;
  // By primary key only: with "status = ?" here SQLite would walk the status index.
  const std::string sql =
      std::string(
          "SELECT d.id, d.attempt_count, d.org_id, d.rule_id, d.status, d.lease_owner, d.subject, "
          "d.sequence, (SELECT r.ordered FROM webhook_rules r WHERE r.id = d.rule_id), "
          "d.lease_until FROM deliveries d WHERE d.id IN (@ids)") +
      (c.SupportsSkipLocked() ? " FOR UPDATE OF d" : "");
  for (const auto& row : c.QueryIn(sql, {}, ids)) {
    LeaseState& s = out[row.Int(0)];
    s.exists = true;
    // A result already written ended the lease (lease_until 0): the same
    // result written again (its first commit's answer was lost) is stale.
    s.held = row.Text(4) == "pending" && row.OptText(5) == owner && row.Int(9) > 0;
    s.attempts = int(row.Int(1));
    s.org_id = row.Int(2);
    s.rule_id = row.Int(3);
    if (!row.IsNull(6) && row.OptInt(8).value_or(0) == 1 && row.Text(6) != "test")
      s.ordered = OrderedPlace{row.Text(6), row.Int(7)};
  }
  return out;
}

void MarkDelivered(sql::Connection& c, const std::vector<int64_t>& ids, const std::string& owner,
                   int64_t now_ms) {
  if (ids.empty()) return;
  c.DeferIn(
      "UPDATE deliveries SET status = 'delivered', attempt_count = attempt_count + 1, "
      "lease_until = 0, updated_at = ? WHERE lease_owner = ? AND id IN (@ids)",
      {now_ms, owner}, ids);
}

void RecordFailure(sql::Connection& c, const LeaseState& state, int64_t id,
                   const std::string& owner, bool retry, int attempts, int64_t next_attempt_at,
                   int64_t now_ms) {
  c.Defer(
      "UPDATE deliveries SET status = ?, attempt_count = ?, next_attempt_at = ?, "
      "lease_until = 0, updated_at = ? WHERE id = ? AND lease_owner = ?",
      {std::string(retry ? "pending" : "failed"), int64_t(attempts), next_attempt_at, now_ms, id,
       owner});
  // On an ordered rule what comes after it cannot go before its retry: due
  // then, not now, so no claim steps over a backlog that only waits (found
  // by the deliveries_subject index, this subject's rows alone).
  if (retry && state.ordered)
    c.Defer(
        "UPDATE deliveries SET next_attempt_at = ? WHERE status = 'pending' AND rule_id = ? "
        "AND subject = ? AND sequence > ? AND next_attempt_at < ?",
        {next_attempt_at, state.rule_id, state.ordered->subject, state.ordered->sequence,
         next_attempt_at});
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
