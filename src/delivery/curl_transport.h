// CurlTransport: the Transport that sends webhook POSTs with one libcurl
// multi handle on its own thread, driven by curl_multi_socket_action and
// epoll so each wake-up costs only the sockets that are ready. Which job
// starts when is the EndpointScheduler's decision; this class only drives
// curl. Connections and DNS answers (the multi handle's) and TLS sessions
// (a share handle) are reused by every request, so a busy endpoint pays one
// TLS handshake per connection, not per webhook. The SSRF guard runs in curl's open-socket
// callback, on the resolved address; a job that finds no free socket waits
// again (given back if that lasts), never failed.
// Thread rules: Transport's.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "delivery/address_policy.h"
#include "delivery/scheduled_jobs.h"
#include "delivery/transport.h"
#include "delivery/transport_options.h"

namespace lw {

class CurlTransport final : public Transport {
 public:
  CurlTransport(AddressPolicy policy, TransportOptions options);
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  void Start(ResultSink results, ReturnSink returned) override;
  void Stop(std::chrono::milliseconds grace) override;
  void Submit(std::vector<DeliveryJob> jobs) override;
  int Capacity() const override { return options_.max_in_flight; }
  size_t Load() const override;
  std::set<std::string> FullEndpoints() const override;
  std::set<std::string> BusyEndpoints() const override;

  struct Transfer;  // one request in flight (curl_transport.cc)

 private:
  void Run();
  void StartWaiting();
  void Begin(DeliveryJob job);
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
  void* share_ = nullptr;  // CURLSH*: TLS sessions, shared by every handle
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: Submit and Stop wake the thread through it
  // curl's one-shot timer, set from inside curl calls; max(): none.
  std::chrono::steady_clock::time_point timer_ = std::chrono::steady_clock::time_point::max();
  uint64_t timer_sets_ = 0;
  std::thread thread_;
  std::atomic<bool> running_{false};
  // Once running_ is false: when requests still in flight are abandoned.
  std::atomic<std::chrono::steady_clock::time_point> finish_by_{};

  ScheduledJobs jobs_;

  // Transport thread only.
  std::set<Transfer*> active_;
  std::vector<void*> spare_;  // CURL* handles to reuse
};

}  // namespace lw
