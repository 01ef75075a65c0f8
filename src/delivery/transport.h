// Transport: what the dispatcher sends deliveries through, and its only view
// of the network. It takes signed jobs, reports one result per job it sent,
// and gives back unsent the jobs it will not send soon (their endpoints are
// slow, or no socket was free).
// BeastTransport is the real one; tests drive the dispatcher with a fake.
// Submit/Load/SaturatedHosts: any thread; the sinks are called on the
// transport's own thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "delivery/delivery_job.h"

namespace lw {

class Transport {
 public:
  using ResultSink = std::function<void(DeliveryResult)>;
  using ReturnSink = std::function<void(std::vector<int64_t> delivery_ids)>;

  virtual ~Transport() = default;
  // Starts sending; every result and every given-back delivery goes to the sinks.
  virtual void Start(ResultSink results, ReturnSink returned) = 0;
  // Starts nothing more, gives requests already sent up to `grace` to be
  // answered (their results still reach the sink), then stops. Jobs not
  // finished by then get no result (the dispatcher gives their leases back,
  // and another attempt follows: at-least-once).
  virtual void Stop(std::chrono::milliseconds grace) = 0;
  virtual void Submit(std::vector<DeliveryJob> jobs) = 0;
  // How many jobs it may hold at once in flight.
  virtual int Capacity() const = 0;
  // Jobs it holds, in flight or waiting.
  virtual size_t Load() const = 0;
  // Endpoints (EndpointKey) that hold as many jobs as they should for now:
  // the dispatcher claims nothing more for them.
  virtual std::set<std::string> FullEndpoints() const = 0;
  // Endpoints with any job, in flight or waiting: the dispatcher serves the
  // others first (a firm's fresh webhook before any endpoint's next one).
  virtual std::set<std::string> BusyEndpoints() const = 0;
};

}  // namespace lw
