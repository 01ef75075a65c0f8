// The deliveries repository: every statement on the `deliveries` and
// `delivery_attempts` tables lives here (enqueue from the outbox and test
// events, redeliver, recover, cancel on rule deletion, claim with a lease,
// attempt results, the delivery log, the queue counts, and retention's
// deletes, with the events no delivery refers to any more). Services call it;
// nothing else touches those tables. Functions run inside the caller's
// transaction; backend differences are asked of the connection (SKIP LOCKED).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "store/sql.h"

namespace lw::deliveries {

// --- Queueing -------------------------------------------------------------

// A pending delivery of the event to the rule, due at once, about `subject`
// (webhooks/delivery_subject.h) and numbered next in the rule's sequence for
// that subject (1, 2, 3… with no gaps, whatever retention deletes). Returns
// its id.
int64_t Enqueue(sql::Connection& c, int64_t org_id, int64_t rule_id, int64_t event_id,
                const std::string& subject, int64_t now_ms);
// The same for each rule, when nobody needs the ids: the rows go out with the
// transaction's next statement or its commit. Of an ordered rule, a delivery
// behind a subject head that waits for its retry is due with that retry.
struct RuleToQueue {
  int64_t id = 0;
  bool ordered = false;
};
void EnqueueAll(sql::Connection& c, int64_t org_id, const std::vector<RuleToQueue>& rules,
                int64_t event_id, const std::string& subject, int64_t now_ms);

// Parking. The pending deliveries of a rule that may not send now (disabled,
// or its organization's webhooks off) wait parked: kParkedOffset is added to
// their next_attempt_at, which takes them out of the claims' index, so the
// claims' walk over rules with work stops visiting rules that cannot send,
// however many there are. Parking is done by the claims themselves, a
// bounded number of rows each (a rule with a million pending deliveries
// disabled by a 410 costs no transaction more than that), and undone by
// TidyParked for rules that may send again. Rows of a rule that no longer
// exists are cancelled the same way, whichever race left them pending.
inline constexpr int64_t kParkedOffset = 1'000'000'000'000'000;  // ms: ~31,700 years
// Unparks a bounded number of each rule's parked deliveries where the rule may
// send again, and cancels those of rules that are gone. Cost: one index seek
// per rule with parked deliveries. Run every few seconds.
void TidyParked(sql::Connection& c, int64_t now_ms);
// At once, at most `limit` of the rule's parked deliveries (its Admin just
// enabled it; TidyParked does the rest).
void Unpark(sql::Connection& c, int64_t rule_id, int64_t limit);
// The time a delivery is due, parked or not.
inline int64_t DueAt(int64_t next_attempt_at) {
  return next_attempt_at >= kParkedOffset ? next_attempt_at - kParkedOffset : next_attempt_at;
}
// Makes due now the deliveries of `rule_id` (of `subject`, if given) that an
// ordered rule held back behind a retry: for when that retry is no longer
// what they wait for (redelivered, or the rule no longer ordered).
void ReleaseHeldBack(sql::Connection& c, int64_t rule_id, std::optional<std::string> subject,
                     int64_t now_ms);
// A deleted rule's pending deliveries can never be sent: they become cancelled.
void CancelPending(sql::Connection& c, int64_t rule_id, int64_t now_ms);
// Makes a delivery due now with a fresh retry schedule (its attempts are
// kept), unless it is in flight (pending and held by a node): false then,
// and nothing changes, so one webhook is never sent twice at once.
bool MakeDueAgain(sql::Connection& c, int64_t id, int64_t now_ms);
// Likewise for every failed delivery of the rule created at or after `since_ms`.
int64_t MakeFailedDueAgain(sql::Connection& c, int64_t org_id, int64_t rule_id, int64_t since_ms,
                           int64_t now_ms);

// --- The delivery log -----------------------------------------------------

struct AttemptRow {
  int64_t at = 0;
  std::optional<int64_t> http_status;
  int64_t duration_ms = 0;
  std::optional<std::string> error;
  std::optional<std::string> response_excerpt;
};

struct DeliveryRow {
  int64_t id = 0;
  std::string webhook_id;
  int64_t rule_id = 0;
  int64_t event_id = 0;
  int trigger_id = 0;
  bool test = false;
  std::string status;  // pending, delivered, failed or cancelled
  int64_t attempt_count = 0;
  int64_t next_attempt_at = 0;
  int64_t created_at = 0;
  std::vector<AttemptRow> attempts;    // oldest first
  std::optional<std::string> subject;  // null for deliveries made before subjects
  std::optional<int64_t> sequence;
  // Pending, of an ordered rule: the earlier sequence of its subject that it
  // waits for (the lowest still pending), if any.
  std::optional<int64_t> waiting_for;
};

// The statuses a delivery can have, as the API names them.
const std::vector<std::string>& Statuses();

struct Page {
  std::vector<DeliveryRow> rows;  // newest first
  int64_t total = 0;
};
// status: "" for all. Runs a fixed number of queries whatever the page size.
Page ListForRule(sql::Connection& c, int64_t org_id, int64_t rule_id, const std::string& status,
                 int64_t limit, int64_t offset);
// The newest `limit` deliveries of the events about one lead (any rule,
// tests excluded), with the total.
Page ListForLead(sql::Connection& c, int64_t org_id, int64_t lead_id, int64_t limit);
std::optional<DeliveryRow> Find(sql::Connection& c, int64_t org_id, int64_t id);

struct QueueCounts {
  int64_t pending = 0;  // waiting to be sent, due or not
  int64_t due = 0;      // of which due now
};
QueueCounts CountQueue(sql::Connection& c, int64_t now_ms);

// --- Claims and results (the dispatcher) ----------------------------------

struct Claimed {
  int64_t id = 0;
  int64_t org_id = 0;
  int64_t rule_id = 0;
  std::string webhook_id;
  std::string url;
  std::string payload;
  int trigger_id = 0;
  std::vector<std::string> keys;  // signing keys: current, then previous during its grace
  std::string subject;            // empty for deliveries made before subjects
  int64_t sequence = 0;
  std::string trace;  // the event's (TraceContext::Stored); empty: none
  // As stored (sealed secrets; see rule_credentials.h and webhook_settings.h);
  // empty: none. Opened once per rule or organization by the dispatcher.
  std::string headers;
  std::string auth;
  std::string client_certificate;
  std::string payload_template;  // the rule's (JSON text); empty: the full payload
  // Sealed Ed25519 seeds when the organization signs with them too: current,
  // then previous during its grace.
  std::vector<std::string> ed25519_keys;
};

// A claim's hold on deliveries: the node holding them (any text unique per
// running node) and until when no other node may claim them.
struct Lease {
  std::string owner;
  int64_t until = 0;
};

// What the claiming node knows of the rules it serves.
struct ClaimScope {
  std::set<int64_t> excluded = {};  // their endpoint holds enough already: none of theirs
  // Their endpoint has work in the node already: within each turn, served
  // after the rules whose endpoint has none (a firm's fresh webhook goes out
  // at once, however many rules have backlogs).
  std::set<int64_t> busy = {};
  // Within a turn rules take their places in rotation, starting after this
  // one (the last rule the previous claim served), so no rule loses every
  // claim to older backlogs when a claim has fewer places than rules.
  int64_t after_rule = 0;
};

// Leases up to `limit` pending deliveries that are due, of organizations with
// webhooks enabled and rules enabled (see `scope`); each is held by `lease`
// (not claimable by anyone before it runs out). Rules take turns: every
// rule's oldest due delivery comes before any rule's second, and so on, at
// most `per_rule` of each, so one rule's backlog never stands in front of
// another rule's fresh deliveries. The cost follows the number of rules with
// pending deliveries, not the length of their backlogs. Rows another node is
// claiming are skipped where the backend can. Of an ordered rule, a delivery
// is taken only when no earlier one of its subject is pending (waiting or in
// flight), so one subject's webhooks go out one at a time, in sequence, on any
// number of nodes. The result is in the order the places were given.
std::vector<Claimed> Claim(sql::Connection& c, int64_t now_ms, int limit, int per_rule,
                           const ClaimScope& scope, const Lease& lease);
// Moves the end of the leases among `ids` that `lease.owner` still holds
// (until 0: claimable again at once). Another node's leases stay as they are.
void SetLeases(sql::Connection& c, const std::vector<int64_t>& ids, const Lease& lease);
// Gives back, unsent, the deliveries among `ids` that `owner` holds: nobody
// holds them any more, and no node claims them before `until`.
void GiveBack(sql::Connection& c, const std::vector<int64_t>& ids, const std::string& owner,
              int64_t until);

// Views into the caller's results, which outlive the call.
struct AttemptRecord {
  int64_t delivery_id = 0;
  int64_t at = 0;
  std::optional<int> http_status;
  int64_t duration_ms = 0;
  std::string_view error;             // empty: none
  std::string_view response_excerpt;  // empty: none
};
void InsertAttempts(sql::Connection& c, const std::vector<AttemptRecord>& attempts);
// (delivery, at, duration, HTTP status or 0) of each attempt of `ids`.
std::set<std::tuple<int64_t, int64_t, int64_t, int>> AttemptsOf(sql::Connection& c,
                                                                const std::vector<int64_t>& ids);

// A delivery's place in its ordered rule's sequence for its subject.
struct OrderedPlace {
  std::string subject;
  int64_t sequence = 0;
};
struct LeaseState {
  bool exists = false;
  // Still pending under a lease of `owner`: its attempt's result decides what
  // becomes of it. Otherwise (cancelled, redelivered, or taken by another
  // node after the lease ran out) the attempt is history only.
  bool held = false;
  int attempts = 0;
  int64_t org_id = 0;
  int64_t rule_id = 0;
  std::optional<OrderedPlace> ordered;  // set when its rule is ordered
};
// What each of `ids` is now, for results that came back under `owner`'s
// leases. Rows are locked until the transaction ends where the backend has
// row locks, so no other node changes them between this read and the writes.
std::unordered_map<int64_t, LeaseState> LeaseStates(sql::Connection& c,
                                                    const std::vector<int64_t>& ids,
                                                    const std::string& owner);
// Results under `owner`'s lease (the writes repeat the condition). The owner
// stays on the row (which node sent it last); a Redeliver clears it, so an
// answer to an attempt from before the Redeliver no longer counts.
void MarkDelivered(sql::Connection& c, const std::vector<int64_t>& ids, const std::string& owner,
                   int64_t now_ms);
// After a failed attempt: pending again at `next_attempt_at`, or failed. On
// an ordered rule a retry also holds back its subject's later deliveries
// until then. `state`: the delivery's, from LeaseStates.
void RecordFailure(sql::Connection& c, const LeaseState& state, int64_t id,
                   const std::string& owner, bool retry, int attempts, int64_t next_attempt_at,
                   int64_t now_ms);

// --- Retention ------------------------------------------------------------

// One step of a walk in id order from `after_id`: how far it read, what it
// deleted, and whether rows past `scanned_to` may still be old enough.
struct Purged {
  int64_t scanned_to = 0;
  int64_t deleted = 0;
  int64_t attempts = 0;  // PurgeDeliveries: their attempts, deleted with them
  bool more = false;
};
// Deletes, among the next `limit` deliveries after `after_id`, those finished
// (delivered, failed, cancelled) and last changed before `cutoff_ms`, with
// their attempts. Pending ones stay, however old. Ids grow with creation
// time, so the walk ends at the first delivery created after the cutoff.
Purged PurgeDeliveries(sql::Connection& c, int64_t after_id, int64_t cutoff_ms, int limit);
// Deletes, among the next `limit` events after `after_id` created before
// `cutoff_ms`, those no delivery refers to.
Purged PurgeEvents(sql::Connection& c, int64_t after_id, int64_t cutoff_ms, int limit);

}  // namespace lw::deliveries
