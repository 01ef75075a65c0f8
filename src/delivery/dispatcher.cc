#include "delivery/dispatcher.h"

#include <chrono>

#include "common/crypto.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/named_thread.h"
#include "delivery/host_key.h"
#include "delivery/result_recorder.h"
#include "delivery/signed_job.h"
#include "webhooks/delivery_repository.h"

namespace lw {

Dispatcher::Dispatcher(Database& db, const Clock& clock, Transport& transport,
                       DispatcherOptions options)
    : db_(db),
      clock_(clock),
      transport_(transport),
      options_(options),
      // Names this node's leases; random, so a restarted node is a new owner.
      node_id_(crypto::Hex(crypto::RandomBytes(8))),
      rng_(std::random_device{}()) {}

namespace {
// Set on the dispatcher's own thread: its commits must not wake it again, or
// an idle dispatcher would claim, commit, wake and claim in a busy loop.
thread_local bool tl_on_dispatcher_thread = false;
}  // namespace

Dispatcher::~Dispatcher() { Stop(); }

void Dispatcher::Start() {
  running_ = true;
  transport_.Start([this](DeliveryResult r) { OnResult(std::move(r)); },
                   [this](std::vector<int64_t> ids) { OnReturned(std::move(ids)); });
  thread_ = NamedThread("lw-dispatcher", [this] { Run(); });
}

void Dispatcher::Stop() {
  if (!running_.exchange(false)) return;
  Wake();
  thread_.join();
  transport_.Stop(options_.stop_grace);
  RunOnce(/*may_claim=*/false);  // what finished before the stop is recorded, not retried
  // What is still held was not sent, or its answer never came: claimable again now.
  std::vector<int64_t> still_held;
  for (const auto& [id, _] : held_) still_held.push_back(id);
  if (still_held.empty()) return;
  auto st = db_.Write([&](sql::Connection& c) -> Status {
    deliveries::SetLeases(c, still_held, {node_id_, 0});
    return {};
  });
  if (st)
    held_.clear();
  else
    log::Error("cannot give back the leases at shutdown: " + st.error().message);
}

void Dispatcher::Wake() {
  if (tl_on_dispatcher_thread) return;
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_one();
}

void Dispatcher::OnResult(DeliveryResult r) {
  metrics::ObserveAttempt(r.http_status, r.duration_ms);
  {
    std::lock_guard lock(mutex_);
    results_.push_back(std::move(r));
  }
  wake_.notify_one();
}

void Dispatcher::OnReturned(std::vector<int64_t> ids) {
  {
    std::lock_guard lock(mutex_);
    returned_.insert(returned_.end(), ids.begin(), ids.end());
  }
  wake_.notify_one();
}

bool Dispatcher::RunOnce(bool may_claim) {
  std::vector<DeliveryResult> batch;
  std::vector<int64_t> returned;
  {
    std::lock_guard lock(mutex_);
    batch.swap(results_);
    returned.swap(returned_);
  }
  const int64_t now = clock_.NowMs();
  // Leases half spent are extended while the delivery is still here (looked
  // at once a second: a lease lasts a minute).
  std::vector<int64_t> to_renew;
  if (now - renew_checked_at_ >= kRenewCheckEveryMs) {
    renew_checked_at_ = now;
    for (const auto& [id, until] : held_)
      if (until - now <= kLeaseMs / 2) to_renew.push_back(id);
  }
  // Claiming costs a transaction: take a worthwhile batch, or anything when idle.
  const int pipe = transport_.Capacity() * 2;  // in flight + one round waiting
  const int load = int(transport_.Load());
  const int capacity = pipe - load;
  const bool claim = may_claim && capacity > 0 && (capacity >= pipe / 8 || load == 0);
  if (batch.empty() && returned.empty() && to_renew.empty() && !claim) return false;

  // Rules whose endpoint holds enough already wait for a later claim.
  std::set<int64_t> excluded;
  if (claim) {
    const std::set<std::string> full = transport_.FullEndpoints();
    if (!full.empty())
      for (const auto& [rule, keys] : rule_keys_)
        if (full.count(keys.endpoint)) excluded.insert(rule);
  }
  const int limit = std::min(capacity, options_.claim_batch);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto uniform01 = [&] { return unit(rng_); };
  ResultTally tally;
  std::vector<deliveries::Claimed> claimed;
  const deliveries::Lease lease{node_id_, now + kLeaseMs};
  // Results and the next claim share one transaction, and so one fsync.
  auto st = db_.Write([&](sql::Connection& c) -> Status {
    tally = RecordResults(c, batch, now, uniform01);
    deliveries::SetLeases(c, returned, {node_id_, 0});
    deliveries::SetLeases(c, to_renew, lease);
    if (claim) claimed = deliveries::Claim(c, now, limit, options_.per_rule, excluded, lease);
    return {};
  });
  if (!st) log::Error("cannot record delivery results or claim deliveries: " + st.error().message);
  if (!st && st.error().kind == ErrorKind::kUnavailable) {
    // The database is away: the results wait for the next round, so an
    // outage shorter than a lease sends nothing twice.
    std::lock_guard lock(mutex_);
    results_.insert(results_.begin(), std::make_move_iterator(batch.begin()),
                    std::make_move_iterator(batch.end()));
    returned_.insert(returned_.begin(), returned.begin(), returned.end());
    return false;
  }
  // Answered or returned deliveries are no longer held, recorded or not. A
  // failure other than an outage would repeat: those deliveries are sent
  // again once their leases run out (at-least-once), and the loop goes on.
  for (const auto& r : batch) held_.erase(r.delivery_id);
  for (int64_t id : returned) held_.erase(id);
  if (!st) return false;
  for (int64_t id : to_renew)
    if (auto it = held_.find(id); it != held_.end()) it->second = now + kLeaseMs;
  metrics::CountOutcomes(tally.delivered, tally.retried, tally.failed, tally.gone);
  std::vector<DeliveryJob> jobs;
  jobs.reserve(claimed.size());
  for (const deliveries::Claimed& d : claimed) {
    // Worked out once per rule, and again when its URL changes.
    RuleKeys& keys = rule_keys_[d.rule_id];
    if (keys.url != d.url) {
      keys.url = d.url;
      keys.host = HostKey(d.url);
      keys.endpoint = EndpointKey(d.org_id, keys.host);
    }
    jobs.push_back(BuildSignedJob(d, now));
    jobs.back().host = keys.host;
    jobs.back().endpoint = keys.endpoint;
    held_[d.id] = now + kLeaseMs;
  }
  transport_.Submit(std::move(jobs));
  return !batch.empty() || int(claimed.size()) == limit;  // more may be waiting
}

void Dispatcher::Run() {
  tl_on_dispatcher_thread = true;
  while (running_) {
    if (RunOnce(true)) continue;
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(200),
                   [&] { return woken_ || !results_.empty() || !returned_.empty() || !running_; });
    woken_ = false;
  }
}

}  // namespace lw
