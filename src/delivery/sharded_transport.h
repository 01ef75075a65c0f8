// ShardedTransport: several transports (each with its own I/O thread)
// behind one Transport, each endpoint always on the same shard: shards use
// every core, and each holds a share of the connections and endpoints.
// An endpoint's limit and health live in its shard; the global bound is
// split evenly. Thread rules: Transport's.
#pragma once

#include <memory>
#include <vector>

#include "delivery/transport.h"

namespace lw {

class ShardedTransport final : public Transport {
 public:
  // by_host: each origin (all firms' endpoints on it) on one shard, so a
  // shard's --max-per-host is the cap for the whole node, not one of N.
  explicit ShardedTransport(std::vector<std::unique_ptr<Transport>> shards, bool by_host = false);

  void Start(ResultSink results, ReturnSink returned) override;
  void Stop(std::chrono::milliseconds grace) override;
  void Submit(std::vector<DeliveryJob> jobs) override;
  int Capacity() const override;
  size_t Load() const override;
  std::set<std::string> FullEndpoints() const override;
  std::set<std::string> BusyEndpoints() const override;

 private:
  size_t ShardOf(const DeliveryJob& job) const;
  std::vector<std::unique_ptr<Transport>> shards_;
  bool by_host_;
};

}  // namespace lw
