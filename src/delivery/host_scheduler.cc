#include "delivery/host_scheduler.h"

namespace lw {

void HostScheduler::Add(DeliveryJob job, TimePoint now) {
  std::string host = job.host;
  hosts_[host].queue.push_back({std::move(job), now});
  ++waiting_;
}

std::vector<int64_t> HostScheduler::TakeExpired(TimePoint now) {
  std::vector<int64_t> expired;
  for (auto it = hosts_.begin(); it != hosts_.end();) {
    auto& queue = it->second.queue;
    while (!queue.empty() && now - queue.front().since > limits_.max_wait) {
      expired.push_back(queue.front().job.delivery_id);
      queue.pop_front();
      --waiting_;
    }
    it = queue.empty() && it->second.in_flight == 0 ? hosts_.erase(it) : std::next(it);
  }
  return expired;
}

std::vector<DeliveryJob> HostScheduler::TakeStartable() {
  std::vector<DeliveryJob> out;
  // Passes over the hosts, one job each, starting after the host served last,
  // until the global bound is reached or no host can start anything.
  bool started = true;
  while (started && in_flight_ < limits_.max_in_flight) {
    started = false;
    auto it = hosts_.upper_bound(last_served_);
    for (size_t visited = 0; visited < hosts_.size() && in_flight_ < limits_.max_in_flight;
         ++visited, ++it) {
      if (it == hosts_.end()) it = hosts_.begin();
      Host& h = it->second;
      if (h.queue.empty() || h.in_flight >= limits_.max_per_host) continue;
      out.push_back(std::move(h.queue.front().job));
      h.queue.pop_front();
      --waiting_;
      ++h.in_flight;
      ++in_flight_;
      last_served_ = it->first;
      started = true;
    }
  }
  return out;
}

void HostScheduler::Finished(const std::string& host) {
  auto it = hosts_.find(host);
  if (it == hosts_.end() || it->second.in_flight == 0) return;
  --it->second.in_flight;
  --in_flight_;
  if (it->second.in_flight == 0 && it->second.queue.empty()) hosts_.erase(it);
}

bool HostScheduler::IsSaturated(const Host& h, TimePoint now) const {
  // A fast host with a queue is not slow: its queue moves, so its oldest job
  // is always young.
  return !h.queue.empty() && now - h.queue.front().since > limits_.slow_after;
}

size_t HostScheduler::Load(TimePoint now) const {
  size_t load = size_t(in_flight_);
  for (const auto& [_, h] : hosts_)
    if (!IsSaturated(h, now)) load += h.queue.size();
  return load;
}

std::set<std::string> HostScheduler::Saturated(TimePoint now) const {
  std::set<std::string> out;
  for (const auto& [name, h] : hosts_)
    if (IsSaturated(h, now)) out.insert(name);
  return out;
}

}  // namespace lw
