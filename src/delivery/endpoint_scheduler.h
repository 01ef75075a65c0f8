// EndpointScheduler: which waiting delivery job starts next, without any I/O.
// Jobs queue per endpoint (an organization's URL origin, so firms sharing a
// host such as hooks.zapier.com do not share slots). At most max_in_flight
// run at once, at most an endpoint's limit per endpoint, and optionally at
// most max_per_host per origin across firms (politeness, off by default);
// endpoints with work take turns, one job each, so no backlog starves the rest.
//
// An endpoint's limit follows what it does: max_per_endpoint while it
// answers; kImpairedLimit after kImpairedAfter bad outcomes in a row (no
// answer, 5xx/429, or an answer far slower than its own usual), until it
// answers well again. A broken endpoint thus holds a few slots, a slow but
// healthy one its full share. An endpoint whose outstanding jobs reach
// kQuotaFactor × its limit is full: the dispatcher claims nothing more for it.
// A job that waited max_wait is given back. Time is passed in.
// Not thread-safe: its owner serializes calls.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "delivery/delivery_job.h"

namespace lw {

class EndpointScheduler {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  static constexpr int kImpairedLimit = 2;
  static constexpr int kImpairedAfter = 3;
  static constexpr int kQuotaFactor = 4;
  // An impaired endpoint with nothing to do is forgotten after this long
  // (found by TakeExpired), and starts again at full concurrency.
  static constexpr std::chrono::minutes kForgetIdleAfter{10};

  struct Limits {
    int max_in_flight = 4096;
    int max_per_endpoint = 64;
    int max_per_host = 0;  // 0: no cap per origin across firms
    std::chrono::milliseconds max_wait{20000};
  };
  // How an attempt went, as far as the endpoint's health is concerned.
  struct Outcome {
    bool answered_well = true;  // an HTTP answer that is not 5xx/429
    std::chrono::milliseconds duration{0};
  };

  explicit EndpointScheduler(Limits limits) : limits_(limits) {}

  // Queues a job (job.endpoint and job.host set) that arrived at `now`, or
  // that waits again since its queued_at.
  void Add(DeliveryJob job, TimePoint now);
  // Removes the jobs that have waited over max_wait; returns their delivery
  // ids. Also forgets impaired endpoints idle for kForgetIdleAfter.
  std::vector<int64_t> TakeExpired(TimePoint now);
  // The jobs that may start now, in turn across endpoints; each counts as in
  // flight until Finished or Abandoned.
  std::vector<DeliveryJob> TakeStartable();
  // A job's attempt ended; its outcome updates the endpoint's health.
  void Finished(const DeliveryJob& job, Outcome outcome);
  // A job ended without an attempt (say no socket was free): no health change.
  void Abandoned(const DeliveryJob& job);

  int InFlight() const { return in_flight_; }
  size_t Waiting() const { return waiting_; }
  size_t Outstanding() const { return size_t(in_flight_) + waiting_; }
  // The endpoint's current concurrency limit.
  int LimitOf(const std::string& endpoint) const;
  // Endpoints that hold as many jobs as they should: claim nothing more for them.
  std::set<std::string> Full() const;
  // Endpoints with a job in flight or waiting.
  std::set<std::string> Busy() const;

 private:
  struct Queued {
    DeliveryJob job;
    TimePoint since;
  };
  struct Endpoint {
    std::deque<Queued> queue;
    int in_flight = 0;
    int bad_in_a_row = 0;
    double usual_ms = 0;                  // moving average of its good answers' durations
    std::optional<TimePoint> idle_since;  // as TakeExpired last found it
  };
  using Iterator = std::map<std::string, Endpoint>::iterator;
  int Limit(const Endpoint& e) const;
  void Release(const DeliveryJob& job);
  // Keeps ready_ in step with the endpoint, and drops its record when it is
  // idle and healthy. Call after anything about it changed.
  void Update(Iterator it);

  Limits limits_;
  std::map<std::string, Endpoint> endpoints_;  // with work, in flight, or a health record
  // Endpoints with a job waiting and a free slot: the only ones a turn
  // visits, so starting jobs costs nothing per idle or busy endpoint.
  std::set<std::string> ready_;
  std::map<std::string, int> host_in_flight_;  // only when max_per_host is set
  std::string last_served_;                    // where the next turn starts (after it)
  int in_flight_ = 0;
  size_t waiting_ = 0;
};

}  // namespace lw
