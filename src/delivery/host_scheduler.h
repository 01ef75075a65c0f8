// HostScheduler: which waiting delivery job starts next, without any I/O.
// Jobs queue per host (HostKey). At most max_in_flight run at once and at
// most max_per_host per host; hosts with work take turns, one job each, so
// no host starves the rest. A host whose oldest job has waited `slow_after`
// for a slot is saturated (the dispatcher stops claiming for it, and its
// queue stops counting as load); a job that waited `max_wait` is given back.
// Time is passed in. Not thread-safe: its owner serializes calls.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "delivery/delivery_job.h"

namespace lw {

class HostScheduler {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  struct Limits {
    int max_in_flight = 256;
    int max_per_host = 32;
    std::chrono::milliseconds slow_after{200};
    std::chrono::milliseconds max_wait{20000};
  };

  explicit HostScheduler(Limits limits) : limits_(limits) {}

  // Queues a job (job.host set) that arrived at `now`.
  void Add(DeliveryJob job, TimePoint now);
  // Removes the jobs that have waited over max_wait; returns their delivery ids.
  std::vector<int64_t> TakeExpired(TimePoint now);
  // The jobs that may start now, in turn across hosts; each counts as in
  // flight until Finished(host).
  std::vector<DeliveryJob> TakeStartable();
  void Finished(const std::string& host);

  int InFlight() const { return in_flight_; }
  size_t Waiting() const { return waiting_; }
  size_t Load(TimePoint now) const;
  std::set<std::string> Saturated(TimePoint now) const;

 private:
  struct Queued {
    DeliveryJob job;
    TimePoint since;
  };
  struct Host {
    std::deque<Queued> queue;
    int in_flight = 0;
  };
  bool IsSaturated(const Host& h, TimePoint now) const;

  Limits limits_;
  std::map<std::string, Host> hosts_;  // hosts with work waiting or in flight
  std::string last_served_;            // where the next turn starts (after it)
  int in_flight_ = 0;
  size_t waiting_ = 0;
};

}  // namespace lw
