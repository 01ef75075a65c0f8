// Dispatcher: the delivery loop of a worker node. Its thread claims due
// deliveries in batches (with a lease), signs them, hands them to the
// CurlTransport, and writes the results back in batched transactions. It
// wakes when a transaction commits new deliveries, when results arrive, or
// every 200 ms for retries that came due. Start/Stop/Wake: any thread.
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
#include "delivery/curl_transport.h"
#include "store/database.h"

namespace lw {

struct DispatcherOptions {
  TransportOptions transport;
  int claim_batch = 512;
};

class Dispatcher {
 public:
  Dispatcher(Database& db, const Clock& clock, AddressPolicy policy, DispatcherOptions options);
  ~Dispatcher();
  void Start();
  void Stop();
  void Wake();

 private:
  void Run();
  void OnResult(DeliveryResult r);
  // One round: records the results that came back and claims what fits, in
  // one transaction. True when there may be more to do at once.
  bool Step(bool may_claim);

  Database& db_;
  const Clock& clock_;
  DispatcherOptions options_;
  CurlTransport transport_;
  std::thread thread_;
  std::atomic<bool> running_{false};

  std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;
  std::vector<DeliveryResult> results_;  // under mutex_
  std::vector<int64_t> returned_;        // deliveries given back unsent, under mutex_

  // Dispatcher thread only.
  std::map<int64_t, std::string> rule_hosts_;  // rule id -> host key, to skip saturated hosts
  std::map<int64_t, int64_t> deferred_at_;     // rule id -> when its backlog was last pushed back
  std::mt19937_64 rng_;
};

}  // namespace lw
