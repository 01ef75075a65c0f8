// Dispatcher: the delivery loop of a worker node. Its thread claims due
// deliveries in batches (with a lease it renews while it holds them), signs
// them, hands them to the Transport, and writes the results back in batched
// transactions. It wakes when a transaction commits new deliveries, when
// results arrive, or every 200 ms for retries that came due. Rules whose
// endpoint the transport reports full are left out of claims.
// While the database cannot be reached it keeps the results and tries again
// after a pause growing from 100 ms to 5 s (the outage is logged once, by the
// store). A result that cannot be written for another reason never takes
// the rest of its batch with it: the batch is then written one result at a time.
// Start/Stop/Wake: any thread. RunOnce: tests, with the loop not started.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "delivery/retry_policy.h"
#include "delivery/rule_templates.h"
#include "delivery/sending_secrets.h"
#include "delivery/transport.h"
#include "store/database.h"

namespace lw {

// How long a claimed delivery is held by its node before another may take
// it: longer than an attempt can take (15 s) plus the time a job may wait for
// its host (20 s). Renewed while the node still holds the delivery.
inline constexpr int64_t kLeaseMs = 60'000;
// How often held leases are checked for renewal.
inline constexpr int64_t kRenewCheckEveryMs = 1000;
// A delivery the transport gave back unsent (its endpoint was slow, or no
// socket was free) waits this long before any node claims it again, so a
// node short of sockets does not claim and give back in a loop.
inline constexpr int64_t kGivenBackPauseMs = 1000;
// How often a node unparks the deliveries of rules that may send again.
inline constexpr int64_t kTidyParkedEveryMs = 2000;
// A busy node claims for new work, with what little room it has, at most this
// often (a claim is a transaction; commits may come thousands a second).
inline constexpr int64_t kSmallClaimEveryMs = 20;

struct DispatcherOptions {
  // Deliveries per claim at most. A claim's transaction costs one fsync and
  // a walk over the rules with work, whatever it takes: with 1,000 endpoints
  // 2,048 drained (g) 20% faster than 1,024 (A/B in one run), (a) the same.
  int claim_batch = 2048;
  int per_rule = 256;  // of one rule per claim at most
  // At Stop: how long requests already sent may take to be answered (an
  // answer recorded is a duplicate spared); the rest are sent again later.
  std::chrono::milliseconds stop_grace{5000};
  RetrySchedule retry = RetrySchedule::Standard();  // --retry-schedule (tests only)
  // Opens the secrets rules and organizations send (--secret-key-file).
  std::shared_ptr<const SecretBox> secrets = nullptr;
};

class Dispatcher {
 public:
  Dispatcher(Database& db, const Clock& clock, Transport& transport, DispatcherOptions options);
  ~Dispatcher();
  void Start();
  // Stops the loop and the transport (after the grace), records the results that came back,
  // and gives back the leases of the deliveries still held, so they can be
  // claimed at once (by this node after a restart, or by another).
  void Stop();
  void Wake();

  // One round: records the results that came back, gives back what the
  // transport returned, renews leases that are half spent, and claims what
  // fits, in one transaction.
  enum class Round {
    kIdle,          // nothing more to do now
    kMore,          // there may be more to do at once
    kDatabaseDown,  // nothing could be written; the results wait
  };
  Round RunOnce(bool may_claim = true);

  // The transport's sinks (Start connects them): a result, or deliveries
  // given back unsent. Any thread; the loop picks them up on its next round.
  void OnResult(DeliveryResult r);
  void OnReturned(std::vector<int64_t> delivery_ids);

 private:
  void Run();
  // After a round that failed for a reason other than an outage: each
  // result in a transaction of its own, so one that cannot be written is the
  // only one lost (its lease runs out and it is sent again).
  void RecordOneByOne(std::vector<DeliveryResult> batch, const std::vector<int64_t>& returned,
                      int64_t now);
  // Logs a failure at most every few seconds, with how many were not logged.
  void LogFailure(const std::string& what);

  Database& db_;
  const Clock& clock_;
  Transport& transport_;
  DispatcherOptions options_;
  const std::string node_id_;  // the owner of this node's leases
  std::thread thread_;
  std::atomic<bool> running_{false};

  std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;
  bool new_work_ = false;  // a commit announced work since the last round, under mutex_
  std::vector<DeliveryResult> results_;  // under mutex_
  std::vector<int64_t> returned_;        // deliveries given back unsent, under mutex_

  // Loop thread only (or the caller of RunOnce/Stop once it has stopped).
  std::map<int64_t, int64_t> held_;  // delivery id -> its lease's end
  struct RuleKeys {
    std::string url, host, endpoint;
    int64_t used_at = 0;  // forgotten after a while unused (rules come and go)
  };
  std::map<int64_t, RuleKeys> rule_keys_;  // by rule id
  SendingSecrets secrets_;
  RuleTemplates templates_;
  int64_t renew_checked_at_ = 0;
  int64_t last_rule_served_ = 0;  // where the next claim's rotation starts
  int64_t tidied_at_ = 0;
  int64_t small_claim_at_ = 0;
  int64_t keys_pruned_at_ = 0;
  int64_t failure_logged_at_ = 0;
  int failures_unlogged_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace lw
