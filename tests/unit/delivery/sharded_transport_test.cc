// Shards behind one Transport: an endpoint always goes to the same shard,
// and capacity, load and full endpoints are the shards' together.
#include "delivery/sharded_transport.h"

#include <gtest/gtest.h>

#include <map>

namespace lw {
namespace {

class Recording final : public Transport {
 public:
  void Start(ResultSink, ReturnSink) override { started = true; }
  void Stop(std::chrono::milliseconds) override { stopped = true; }
  void Submit(std::vector<DeliveryJob> jobs) override {
    for (auto& j : jobs) got.push_back(j.endpoint);
  }
  int Capacity() const override { return 100; }
  size_t Load() const override { return got.size(); }
  std::set<std::string> FullEndpoints() const override { return full; }
  std::set<std::string> BusyEndpoints() const override { return {}; }
  std::vector<std::string> got;
  std::set<std::string> full;
  bool started = false, stopped = false;
};

TEST(ShardedTransport, EachEndpointStaysOnOneShard) {
  std::vector<Recording*> shards;
  std::vector<std::unique_ptr<Transport>> owned;
  for (int i = 0; i < 4; ++i) {
    owned.push_back(std::make_unique<Recording>());
    shards.push_back(static_cast<Recording*>(owned.back().get()));
  }
  ShardedTransport t(std::move(owned));
  t.Start({}, {});
  for (int round = 0; round < 3; ++round) {
    std::vector<DeliveryJob> jobs;
    for (int e = 0; e < 40; ++e) {
      DeliveryJob j;
      j.endpoint = std::to_string(e) + "|https://hooks.example:443";
      jobs.push_back(j);
    }
    t.Submit(std::move(jobs));
  }
  std::map<std::string, std::set<int>> where;
  int used = 0;
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(shards[i]->started);
    used += !shards[i]->got.empty();
    for (const auto& e : shards[i]->got) where[e].insert(i);
  }
  EXPECT_EQ(where.size(), 40u);
  for (const auto& [endpoint, in] : where) EXPECT_EQ(in.size(), 1u) << endpoint;
  EXPECT_GT(used, 1) << "40 endpoints spread over the shards";
  EXPECT_EQ(t.Capacity(), 400);
  EXPECT_EQ(t.Load(), 120u);
  shards[1]->full = {"a"};
  shards[3]->full = {"b"};
  EXPECT_EQ(t.FullEndpoints(), (std::set<std::string>{"a", "b"}));
  t.Stop(std::chrono::milliseconds(0));
  for (auto* s : shards) EXPECT_TRUE(s->stopped);
}

// With a cap per origin (--max-per-host), every firm's endpoint on one host
// goes to the same shard, so the shard's cap is the node's.
TEST(ShardedTransport, WithACapPerHostEachHostStaysOnOneShard) {
  std::vector<Recording*> shards;
  std::vector<std::unique_ptr<Transport>> owned;
  for (int i = 0; i < 4; ++i) {
    owned.push_back(std::make_unique<Recording>());
    shards.push_back(static_cast<Recording*>(owned.back().get()));
  }
  ShardedTransport t(std::move(owned), /*by_host=*/true);
  std::vector<DeliveryJob> jobs;
  for (int firm = 0; firm < 40; ++firm) {
    DeliveryJob j;
    j.host = "https://hooks.zapier.com:443";
    j.endpoint = std::to_string(firm) + "|" + j.host;
    jobs.push_back(j);
  }
  t.Submit(std::move(jobs));
  int used = 0;
  for (auto* s : shards) used += !s->got.empty();
  EXPECT_EQ(used, 1) << "40 firms, one host: one shard";
}

}  // namespace
}  // namespace lw
