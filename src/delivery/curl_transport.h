// CurlTransport: sends webhook POSTs with one libcurl multi handle on its own
// thread, driven by curl_multi_socket_action and epoll so each wake-up costs
// only the sockets that are ready, not every transfer in flight. In-flight requests are bounded
// globally and per host (scheme, host and port); jobs over a host's bound wait in that host's queue
// without taking a global slot, so a slow endpoint never holds back the others. The SSRF guard runs
// in curl's open-socket callback, on the resolved address. Submit/Load/SaturatedHosts may be called
// from any thread; results arrive on the transport thread through the callback.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "delivery/address_policy.h"
#include "delivery/delivery_job.h"

namespace lw {

struct TransportOptions {
  int max_in_flight = 256;
  int max_per_host = 32;
  // A job that waited this long for its host gives its delivery back (the
  // dispatcher releases the lease) instead of holding it while the host is slow.
  int64_t max_wait_ms = 20000;
  long connect_timeout_ms = 5000;
  long total_timeout_ms = 15000;
  bool https_only = false;
};

class CurlTransport {
 public:
  using ResultSink = std::function<void(DeliveryResult)>;
  using ReturnSink = std::function<void(std::vector<int64_t> delivery_ids)>;

  CurlTransport(AddressPolicy policy, TransportOptions options, ResultSink sink,
                ReturnSink returned);
  ~CurlTransport();
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  void Start();
  // Stops the thread; jobs not finished get no result (their leases expire and
  // another attempt follows: at-least-once).
  void Stop();
  void Submit(std::vector<DeliveryJob> jobs);
  // Jobs in flight or waiting for a host that is not saturated: what the
  // dispatcher must not claim more of. Jobs parked behind a saturated host do
  // not count, so a slow endpoint does not shrink everyone else's pipe.
  size_t Load() const;
  // Hosts that hold jobs back: one has waited for a free slot for over 200 ms.
  // The dispatcher claims nothing more for them until they catch up.
  // (A fast host with a queue is not slow: its queue moves.)
  std::set<std::string> SaturatedHosts() const;

  // "https://example.com:443" for a URL, the unit of the per-host bound.
  static std::string HostKey(const std::string& url);

  struct Transfer;  // one request in flight (curl_transport.cc)

 private:
  void Run();
  void StartWaiting();
  void* NewHandle();  // CURL* with the options every request shares
  void Finish(Transfer* t, int curl_code);
  void FinishDone();  // the transfers curl reports done
  void Wakeup();

  // curl's socket and timer callbacks (CURLMOPT_SOCKETFUNCTION/TIMERFUNCTION).
  static int OnSocket(void* easy, int fd, int what, void* self, void* socketp);
  static int OnTimer(void* multi, long timeout_ms, void* self);

  AddressPolicy policy_;
  TransportOptions options_;
  ResultSink sink_;
  ReturnSink returned_;
  void* multi_ = nullptr;  // CURLM*
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: Submit and Stop wake the thread through it
  // curl's one-shot timer, set from inside curl calls; max(): none.
  std::chrono::steady_clock::time_point timer_ = std::chrono::steady_clock::time_point::max();
  uint64_t timer_sets_ = 0;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<int> in_flight_count_{0};

  mutable std::mutex inbox_mutex_;
  std::vector<DeliveryJob> inbox_;
  std::map<std::string, size_t> waiting_counts_;  // by host, under inbox_mutex_
  std::map<std::string, std::chrono::steady_clock::time_point> oldest_waiting_;  // likewise

  // Transport thread only.
  struct Waiting {
    DeliveryJob job;
    std::chrono::steady_clock::time_point since;
  };
  std::map<std::string, std::deque<Waiting>> waiting_;
  std::map<std::string, int> in_flight_by_host_;
  int in_flight_ = 0;
  std::set<Transfer*> active_;
  std::vector<void*> spare_;  // CURL* handles to reuse
};

}  // namespace lw
