#include "delivery/endpoint_scheduler.h"

#include <algorithm>

namespace lw {

namespace {
// An answer this much slower than the endpoint's usual, and over the floor,
// counts against its health like a failure would.
constexpr double kSlowFactor = 8.0;
constexpr double kSlowFloorMs = 2000.0;
constexpr double kAverageWeight = 0.1;  // of the newest good answer
}  // namespace

void EndpointScheduler::Add(DeliveryJob job, TimePoint now) {
  auto it = endpoints_.try_emplace(job.endpoint).first;
  const TimePoint since = job.queued_at.value_or(now);
  job.queued_at = since;
  it->second.queue.push_back({std::move(job), since});
  ++waiting_;
  Update(it);
}

std::vector<int64_t> EndpointScheduler::TakeExpired(TimePoint now) {
  std::vector<int64_t> expired;
  for (auto it = endpoints_.begin(); it != endpoints_.end();) {
    Endpoint& e = it->second;
    while (!e.queue.empty() && now - e.queue.front().since > limits_.max_wait) {
      expired.push_back(e.queue.front().job.delivery_id);
      e.queue.pop_front();
      --waiting_;
    }
    auto next = std::next(it);
    // An impaired endpoint's record outlives its work, but not for ever:
    // rules are deleted, URLs change, and the records would pile up.
    if (!e.queue.empty() || e.in_flight > 0) {
      e.idle_since.reset();
    } else if (!e.idle_since) {
      e.idle_since = now;
    } else if (now - *e.idle_since > kForgetIdleAfter) {
      ready_.erase(it->first);
      endpoints_.erase(it);
      it = next;
      continue;
    }
    Update(it);
    it = next;
  }
  return expired;
}

int EndpointScheduler::Limit(const Endpoint& e) const {
  return e.bad_in_a_row >= kImpairedAfter ? std::min(kImpairedLimit, limits_.max_per_endpoint)
                                          : limits_.max_per_endpoint;
}

int EndpointScheduler::LimitOf(const std::string& endpoint) const {
  auto it = endpoints_.find(endpoint);
  return it == endpoints_.end() ? limits_.max_per_endpoint : Limit(it->second);
}

std::vector<DeliveryJob> EndpointScheduler::TakeStartable() {
  std::vector<DeliveryJob> out;
  // Passes over the ready endpoints, one job each, starting after the one
  // served last, until the global bound is reached or nothing more can start.
  for (bool started = true; started && in_flight_ < limits_.max_in_flight && !ready_.empty();) {
    started = false;
    const size_t n = ready_.size();
    auto cur = ready_.upper_bound(last_served_);
    for (size_t visited = 0; visited < n && in_flight_ < limits_.max_in_flight && !ready_.empty();
         ++visited) {
      if (cur == ready_.end()) cur = ready_.begin();
      const auto next = std::next(cur);  // Update below may erase only `cur`
      const std::string name = *cur;
      cur = next;
      auto it = endpoints_.find(name);
      Endpoint& e = it->second;
      const std::string& host = e.queue.front().job.host;
      if (limits_.max_per_host > 0) {
        if (host_in_flight_[host] >= limits_.max_per_host) continue;
        ++host_in_flight_[host];
      }
      out.push_back(std::move(e.queue.front().job));
      e.queue.pop_front();
      --waiting_;
      ++e.in_flight;
      ++in_flight_;
      last_served_ = name;
      started = true;
      Update(it);
    }
  }
  return out;
}

void EndpointScheduler::Release(const DeliveryJob& job) {
  if (limits_.max_per_host > 0) {
    auto h = host_in_flight_.find(job.host);
    if (h != host_in_flight_.end() && --h->second <= 0) host_in_flight_.erase(h);
  }
  --in_flight_;
}

void EndpointScheduler::Finished(const DeliveryJob& job, Outcome outcome) {
  auto it = endpoints_.find(job.endpoint);
  if (it == endpoints_.end() || it->second.in_flight == 0) return;
  Endpoint& e = it->second;
  --e.in_flight;
  Release(job);
  const double ms = double(outcome.duration.count());
  const bool slow = e.usual_ms > 0 && ms > std::max(kSlowFloorMs, kSlowFactor * e.usual_ms);
  if (outcome.answered_well && !slow) {
    e.bad_in_a_row = 0;
    e.usual_ms = e.usual_ms == 0 ? ms : e.usual_ms + kAverageWeight * (ms - e.usual_ms);
  } else {
    ++e.bad_in_a_row;
  }
  Update(it);
}

void EndpointScheduler::Abandoned(const DeliveryJob& job) {
  auto it = endpoints_.find(job.endpoint);
  if (it == endpoints_.end() || it->second.in_flight == 0) return;
  --it->second.in_flight;
  Release(job);
  Update(it);
}

void EndpointScheduler::Update(Iterator it) {
  const Endpoint& e = it->second;
  if (!e.queue.empty() && e.in_flight < Limit(e))
    ready_.insert(it->first);
  else
    ready_.erase(it->first);
  // An idle endpoint in good health needs no record; an impaired one keeps
  // its record, so its next jobs start at the impaired limit.
  if (e.queue.empty() && e.in_flight == 0 && e.bad_in_a_row == 0) endpoints_.erase(it);
}

std::set<std::string> EndpointScheduler::Busy() const {
  std::set<std::string> out;
  for (const auto& [name, e] : endpoints_)
    if (e.in_flight > 0 || !e.queue.empty()) out.insert(name);
  return out;
}

std::set<std::string> EndpointScheduler::Full() const {
  std::set<std::string> out;
  for (const auto& [name, e] : endpoints_)
    if (e.in_flight + int(e.queue.size()) >= kQuotaFactor * Limit(e)) out.insert(name);
  return out;
}

}  // namespace lw
