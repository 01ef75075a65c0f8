// ScheduledJobs: the jobs a transport holds, behind one lock. Other threads
// add jobs and ask how full it is (Transport's Submit, Load, FullEndpoints,
// BusyEndpoints); the transport's own thread takes what may start and
// reports how each attempt ended. Which job starts when is the
// EndpointScheduler's decision; this adds the give-back of jobs that waited
// too long and the pause after a job found no free socket.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "delivery/endpoint_scheduler.h"
#include "delivery/transport_options.h"

namespace lw {

class ScheduledJobs {
 public:
  explicit ScheduledJobs(const TransportOptions& options);

  void Add(std::vector<DeliveryJob> jobs);
  size_t Load() const;
  std::set<std::string> Full() const;
  std::set<std::string> Busy() const;

  struct Due {
    std::vector<int64_t> given_back;  // waited past max_wait: back to the dispatcher
    std::vector<DeliveryJob> startable;
  };
  Due TakeDue();

  // The attempt of a job ended with `result`.
  void Finished(const DeliveryJob& job, const DeliveryResult& result);
  // The job found no free socket (this node's trouble, not the endpoint's):
  // it waits in its queue again with no attempt counted (given back if that
  // lasts past max_wait), and nothing starts for a pause growing from 100 ms
  // to 2 s, rather than trying and failing in a loop.
  void NoSocket(DeliveryJob job);

 private:
  mutable std::mutex mutex_;
  EndpointScheduler scheduler_;
  std::chrono::milliseconds pause_{0};
  std::chrono::steady_clock::time_point paused_until_;
  std::chrono::steady_clock::time_point expiry_checked_;
};

}  // namespace lw
