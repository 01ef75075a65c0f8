// BeastTransport: the Transport that sends webhook POSTs with Boost.Beast
// on one Asio I/O thread, each request a coroutine. (It replaced a libcurl
// multi transport in issue 20: in one A/B run it sent a third more per core
// to a fast receiver, 3–25 % more to slow ones, and 40 % more over TLS.)
// Which job starts when is ScheduledJobs' decision; this class keeps
// connections alive per origin (scheme, host, port) for the next webhook,
// remembers DNS answers for a minute and TLS sessions per origin, so a busy
// endpoint pays one TLS handshake per connection and a resumption after.
//
// What it promises: the SSRF guard checks every
// resolved address before a socket connects to it; TLS verifies the peer's
// certificate chain (system CAs and --ca-file) and its host name; a
// connection (TCP and TLS handshake) gets connect_timeout_ms and the whole
// request total_timeout_ms; at most kResponseCaptureBytes of an answer's
// body are kept, the rest read and dropped; a request that a reused
// connection closed on before any answer is sent once more on a new
// connection (both counted in requests_sent); a job that finds no free
// socket waits again; Stop lets requests already sent finish within the grace.
// Thread rules: Transport's. Jobs submitted after Stop are never started
// (the dispatcher stops first and gives their leases back).
#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "delivery/address_policy.h"
#include "delivery/transport.h"
#include "delivery/transport_options.h"

namespace lw {

class BeastTransport final : public Transport {
 public:
  BeastTransport(AddressPolicy policy, TransportOptions options);
  ~BeastTransport() override;
  BeastTransport(const BeastTransport&) = delete;
  BeastTransport& operator=(const BeastTransport&) = delete;

  void Start(ResultSink results, ReturnSink returned) override;
  void Stop(std::chrono::milliseconds grace) override;
  void Submit(std::vector<DeliveryJob> jobs) override;
  int Capacity() const override;
  size_t Load() const override;
  std::set<std::string> FullEndpoints() const override;
  std::set<std::string> BusyEndpoints() const override;

 private:
  class Impl;  // beast_transport.cc: keeps Asio and Beast out of this header
  std::unique_ptr<Impl> impl_;
};

}  // namespace lw
