#include "delivery/sharded_transport.h"

#include <functional>
#include <thread>

namespace lw {

ShardedTransport::ShardedTransport(std::vector<std::unique_ptr<Transport>> shards, bool by_host)
    : shards_(std::move(shards)), by_host_(by_host) {}

void ShardedTransport::Start(ResultSink results, ReturnSink returned) {
  // The sinks are called from every shard's thread; the dispatcher's are thread-safe.
  for (auto& shard : shards_) shard->Start(results, returned);
}

void ShardedTransport::Stop(std::chrono::milliseconds grace) {
  // Together, so that the grace is spent once, not once per shard.
  std::vector<std::thread> stopping;
  for (auto& shard : shards_) stopping.emplace_back([&shard, grace] { shard->Stop(grace); });
  for (auto& t : stopping) t.join();
}

size_t ShardedTransport::ShardOf(const DeliveryJob& job) const {
  return std::hash<std::string>{}(by_host_ ? job.host : job.endpoint) % shards_.size();
}

void ShardedTransport::Submit(std::vector<DeliveryJob> jobs) {
  std::vector<std::vector<DeliveryJob>> split(shards_.size());
  for (auto& job : jobs) split[ShardOf(job)].push_back(std::move(job));
  for (size_t i = 0; i < shards_.size(); ++i) shards_[i]->Submit(std::move(split[i]));
}

int ShardedTransport::Capacity() const {
  int total = 0;
  for (const auto& shard : shards_) total += shard->Capacity();
  return total;
}

size_t ShardedTransport::Load() const {
  size_t total = 0;
  for (const auto& shard : shards_) total += shard->Load();
  return total;
}

std::set<std::string> ShardedTransport::FullEndpoints() const {
  std::set<std::string> all;
  for (const auto& shard : shards_) all.merge(shard->FullEndpoints());
  return all;
}

std::set<std::string> ShardedTransport::BusyEndpoints() const {
  std::set<std::string> all;
  for (const auto& shard : shards_) all.merge(shard->BusyEndpoints());
  return all;
}

}  // namespace lw
