#include "delivery/dispatcher.h"

#include <chrono>

#include "common/crypto.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/named_thread.h"
#include "common/unicode.h"
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
      secrets_(options.secrets),
      rng_(std::random_device{}()) {}

namespace {
// The database is away or too busy for now: what could not be written waits
// for it, rather than being written piece by piece or dropped.
bool Transient(const Error& e) {
  return e.kind == ErrorKind::kUnavailable || e.kind == ErrorKind::kBusy;
}

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
    deliveries::GiveBack(c, still_held, node_id_, 0);
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
    new_work_ = true;
  }
  wake_.notify_one();
}

void Dispatcher::OnResult(DeliveryResult r) {
  metrics::ObserveAttempt(r.http_status, r.duration_ms);
  // A receiver's bytes (Latin-1, a body cut inside a character, NUL) become
  // valid text before they meet the database or a JSON listing.
  r.response_excerpt = StorableText(r.response_excerpt, kResponseExcerptBytes);
  r.error = StorableText(r.error, kResponseExcerptBytes);
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

Dispatcher::Round Dispatcher::RunOnce(bool may_claim) {
  std::vector<DeliveryResult> batch;
  std::vector<int64_t> returned;
  bool new_work = false;
  {
    std::lock_guard lock(mutex_);
    batch.swap(results_);
    returned.swap(returned_);
    new_work = std::exchange(new_work_, false);
  }
  const int64_t now = clock_.NowMs();
  // Leases half spent are extended while the delivery is still here (looked
  // at once a second: a lease lasts a minute). Not those this round ends: a
  // renewal after their result would hold them another minute for nothing.
  std::vector<int64_t> to_renew;
  if (now - renew_checked_at_ >= kRenewCheckEveryMs) {
    renew_checked_at_ = now;
    std::set<int64_t> ending(returned.begin(), returned.end());
    for (const auto& r : batch) ending.insert(r.delivery_id);
    for (const auto& [id, until] : held_)
      if (until - now <= kLeaseMs / 2 && !ending.count(id)) to_renew.push_back(id);
  }
  // Claiming costs a transaction: take a worthwhile batch, or anything when
  // idle, or — at most every few milliseconds — whatever fits when new work
  // was committed, so that a firm's fresh webhook for an idle endpoint need
  // not wait for a busy node's next big claim.
  const int pipe = transport_.Capacity() * 2;  // in flight + one round waiting
  const int load = int(transport_.Load());
  const int capacity = pipe - load;
  const bool for_new_work = new_work && now - small_claim_at_ >= kSmallClaimEveryMs;
  const bool claim =
      may_claim && capacity > 0 && (capacity >= pipe / 8 || load == 0 || for_new_work);
  if (claim && capacity < pipe / 8 && load > 0) small_claim_at_ = now;
  if (new_work && !claim) {
    // Not served this round (too soon after the last small claim, or no
    // room): the next round, woken by a result, claims for it.
    std::lock_guard lock(mutex_);
    new_work_ = true;
  }
  if (batch.empty() && returned.empty() && to_renew.empty() && !claim) return Round::kIdle;

  // Rules whose endpoint holds enough already wait for a later claim; those
  // whose endpoint has any work come after those whose endpoint has none.
  deliveries::ClaimScope scope{.after_rule = last_rule_served_};
  if (claim) {
    const std::set<std::string> full = transport_.FullEndpoints();
    const std::set<std::string> busy = transport_.BusyEndpoints();
    for (const auto& [rule, keys] : rule_keys_) {
      if (full.count(keys.endpoint)) scope.excluded.insert(rule);
      if (busy.count(keys.endpoint)) scope.busy.insert(rule);
    }
  }
  const int limit = std::min(capacity, options_.claim_batch);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto uniform01 = [&] { return unit(rng_); };
  ResultTally tally;
  std::vector<deliveries::Claimed> claimed;
  const deliveries::Lease lease{node_id_, now + kLeaseMs};
  // Results and the next claim share one transaction, and so one fsync.
  auto st = db_.Write([&](sql::Connection& c) -> Status {
    tally = RecordResults(c, batch, node_id_, now, uniform01, options_.retry);
    deliveries::GiveBack(c, returned, node_id_, now + kGivenBackPauseMs);
    deliveries::SetLeases(c, to_renew, lease);
    // Rules that may send again get their parked deliveries back (every few
    // seconds: it costs a seek per rule with parked deliveries).
    if (claim && now - tidied_at_ >= kTidyParkedEveryMs) {
      tidied_at_ = now;
      deliveries::TidyParked(c, now);
    }
    if (claim) claimed = deliveries::Claim(c, now, limit, options_.per_rule, scope, lease);
    return {};
  });
  if (!st && Transient(st.error())) {
    // The database is away or too busy: the results wait for the next round,
    // so an outage shorter than a lease sends nothing twice. What this round
    // claimed is given back then: its commit may have happened all the same
    // (the connection lost at COMMIT), and those leases would hold
    // deliveries nobody sends for a minute.
    std::lock_guard lock(mutex_);
    results_.insert(results_.begin(), std::make_move_iterator(batch.begin()),
                    std::make_move_iterator(batch.end()));
    returned_.insert(returned_.begin(), returned.begin(), returned.end());
    for (const auto& d : claimed)
      if (!held_.count(d.id)) returned_.push_back(d.id);
    return Round::kDatabaseDown;
  }
  // Answered or returned deliveries are no longer held, recorded or not.
  for (const auto& r : batch) held_.erase(r.delivery_id);
  for (int64_t id : returned) held_.erase(id);
  if (!st) {
    LogFailure("cannot record delivery results or claim deliveries: " + st.error().message);
    RecordOneByOne(std::move(batch), returned, now);
    return Round::kIdle;
  }
  for (int64_t id : to_renew)
    if (auto it = held_.find(id); it != held_.end()) it->second = now + kLeaseMs;
  metrics::CountOutcomes(tally.delivered, tally.retried, tally.failed, tally.gone);
  std::vector<DeliveryJob> jobs;
  jobs.reserve(claimed.size());
  for (const deliveries::Claimed& d : claimed) {
    // Its lease ran out while the transport still had it (a long stall) and
    // this node took it again: the job under way answers for it.
    if (auto it = held_.find(d.id); it != held_.end()) {
      it->second = now + kLeaseMs;
      continue;
    }
    // Worked out once per rule, and again when its URL changes.
    RuleKeys& keys = rule_keys_[d.rule_id];
    if (keys.url != d.url) {
      keys.url = d.url;
      keys.host = HostKey(d.url);
      keys.endpoint = EndpointKey(d.org_id, keys.host);
    }
    keys.used_at = now;
    auto payload_template = templates_.For(d, now);
    std::string refusal = payload_template ? "" : payload_template.error().message;
    auto signing = secrets_.KeysFor(d, now, refusal);
    jobs.push_back(
        BuildJob(d, std::move(signing), payload_template ? std::move(*payload_template) : nullptr));
    secrets_.Apply(d, jobs.back(), now);
    if (!refusal.empty()) jobs.back().refusal = refusal;
    jobs.back().host = keys.host;
    jobs.back().endpoint = keys.endpoint;
    held_[d.id] = now + kLeaseMs;
  }
  if (!claimed.empty()) last_rule_served_ = claimed.back().rule_id;
  transport_.Submit(std::move(jobs));
  // Rules come and go: keys unused for ten minutes are forgotten.
  constexpr int64_t kForgetKeysAfterMs = 10 * 60'000;
  if (now - keys_pruned_at_ >= 60'000) {
    keys_pruned_at_ = now;
    std::erase_if(rule_keys_, [&](const auto& entry) {
      return now - entry.second.used_at > kForgetKeysAfterMs;
    });
    secrets_.Prune(now);
    templates_.Prune(now);
  }
  const bool more = !batch.empty() || int(claimed.size()) == limit;
  return more ? Round::kMore : Round::kIdle;
}

void Dispatcher::RecordOneByOne(std::vector<DeliveryResult> batch,
                                const std::vector<int64_t>& returned, int64_t now) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto uniform01 = [&] { return unit(rng_); };
  auto record = [&](const DeliveryResult& r) -> Status {
    ResultTally tally;
    auto st = db_.Write([&](sql::Connection& c) -> Status {
      tally = RecordResults(c, {r}, node_id_, now, uniform01, options_.retry);
      return {};
    });
    if (st) metrics::CountOutcomes(tally.delivered, tally.retried, tally.failed, tally.gone);
    return st;
  };
  for (size_t i = 0; i < batch.size(); ++i) {
    auto st = record(batch[i]);
    if (!st && Transient(st.error())) {
      // Gone meanwhile: the rest waits for it like any results.
      std::lock_guard lock(mutex_);
      results_.insert(results_.begin(), std::make_move_iterator(batch.begin() + long(i)),
                      std::make_move_iterator(batch.end()));
      return;
    }
    if (st) continue;
    // What the receiver said is the likeliest cause: the outcome without it.
    DeliveryResult bare = batch[i];
    bare.response_excerpt.clear();
    bare.error = "the receiver's answer could not be stored as received (" + st.error().message +
                 ")" + (bare.error.empty() ? "" : ": " + bare.error);
    if (auto again = record(bare); !again)
      LogFailure("cannot record the result of delivery " + std::to_string(bare.delivery_id) +
                 ", which will be sent again once its lease runs out: " + again.error().message);
  }
  if (returned.empty()) return;
  if (auto st = db_.Write([&](sql::Connection& c) -> Status {
        deliveries::GiveBack(c, returned, node_id_, now + kGivenBackPauseMs);
        return {};
      });
      !st)
    LogFailure("cannot give back deliveries: " + st.error().message);
}

void Dispatcher::LogFailure(const std::string& what) {
  constexpr int64_t kEveryMs = 10'000;
  const int64_t now = clock_.NowMs();
  if (failure_logged_at_ && now - failure_logged_at_ < kEveryMs) {
    ++failures_unlogged_;
    return;
  }
  std::string line = what;
  if (failures_unlogged_)
    line += " (and " + std::to_string(failures_unlogged_) + " more failures since the last line)";
  log::Error(line);
  failure_logged_at_ = now;
  failures_unlogged_ = 0;
}

void Dispatcher::Run() {
  tl_on_dispatcher_thread = true;
  constexpr std::chrono::milliseconds kFirstPause{100}, kLongestPause{5000};
  std::chrono::milliseconds pause{0};
  while (running_) {
    const Round round = RunOnce(true);
    if (round == Round::kDatabaseDown) {
      // Results arriving meanwhile do not end the pause: they wait for the database too.
      pause = pause.count() ? std::min(pause * 2, kLongestPause) : kFirstPause;
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, pause, [&] { return !running_; });
      continue;
    }
    pause = {};
    if (round == Round::kMore) continue;
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(200),
                   [&] { return woken_ || !results_.empty() || !returned_.empty() || !running_; });
    woken_ = false;
  }
}

}  // namespace lw
