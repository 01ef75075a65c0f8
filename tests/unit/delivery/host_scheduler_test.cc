// The per-host scheduler without any I/O, with time passed in: bounds,
// turns across hosts, slow-host detection, load, and giving jobs back.
#include "delivery/host_scheduler.h"

#include <gtest/gtest.h>

#include <map>

namespace lw {
namespace {

using std::chrono::milliseconds;
const HostScheduler::TimePoint kT0{};

DeliveryJob Job(int64_t id, const std::string& host) { return DeliveryJob{id, "", host, "", {}}; }

std::map<std::string, int> ByHost(const std::vector<DeliveryJob>& jobs) {
  std::map<std::string, int> out;
  for (const auto& j : jobs) ++out[j.host];
  return out;
}

TEST(HostScheduler, StartsAtMostThePerHostAndGlobalBounds) {
  HostScheduler s({.max_in_flight = 5, .max_per_host = 2});
  for (int i = 0; i < 4; ++i) s.Add(Job(i, "a"), kT0);
  for (int i = 4; i < 8; ++i) s.Add(Job(i, "b"), kT0);
  for (int i = 8; i < 12; ++i) s.Add(Job(i, "c"), kT0);
  const auto started = s.TakeStartable();
  EXPECT_EQ(started.size(), 5u);
  for (const auto& [host, n] : ByHost(started)) EXPECT_LE(n, 2) << host;
  EXPECT_EQ(s.InFlight(), 5);
  EXPECT_TRUE(s.TakeStartable().empty()) << "full";
  s.Finished(started[0].host);
  const auto next = s.TakeStartable();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(s.Waiting(), 6u);
}

TEST(HostScheduler, HostsTakeTurnsSoABacklogDoesNotStarveOthers) {
  HostScheduler s({.max_in_flight = 1, .max_per_host = 1});
  for (int i = 0; i < 100; ++i) s.Add(Job(i, "big"), kT0);
  s.Add(Job(1000, "small"), kT0);
  std::vector<std::string> order;
  for (int i = 0; i < 4; ++i) {
    auto started = s.TakeStartable();
    ASSERT_EQ(started.size(), 1u);
    order.push_back(started[0].host);
    s.Finished(started[0].host);
  }
  // With one slot, the small host gets the second turn, not the 101st.
  EXPECT_EQ(std::count(order.begin(), order.begin() + 2, "small"), 1);
}

TEST(HostScheduler, JobsOfOneHostStartInArrivalOrder) {
  HostScheduler s({.max_in_flight = 10, .max_per_host = 10});
  for (int i = 0; i < 5; ++i) s.Add(Job(i, "a"), kT0);
  const auto started = s.TakeStartable();
  ASSERT_EQ(started.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(started[i].delivery_id, i);
}

TEST(HostScheduler, AHostWhoseJobsWaitForASlotIsSaturatedAndLeavesTheLoad) {
  HostScheduler s({.max_in_flight = 100, .max_per_host = 1, .slow_after = milliseconds(200)});
  s.Add(Job(1, "slow"), kT0);
  s.Add(Job(2, "slow"), kT0);
  s.Add(Job(3, "fast"), kT0);
  ASSERT_EQ(s.TakeStartable().size(), 2u);  // one of each; job 2 waits for "slow"
  EXPECT_TRUE(s.Saturated(kT0 + milliseconds(100)).empty()) << "not yet";
  EXPECT_EQ(s.Load(kT0 + milliseconds(100)), 3u);
  s.Finished("fast");
  const auto later = kT0 + milliseconds(300);
  EXPECT_EQ(s.Saturated(later), std::set<std::string>{"slow"});
  EXPECT_EQ(s.Load(later), 1u) << "in flight counts; the slow host's queue does not";
}

TEST(HostScheduler, AFastHostWithAMovingQueueIsNotSaturated) {
  HostScheduler s({.max_in_flight = 100, .max_per_host = 1, .slow_after = milliseconds(200)});
  auto now = kT0;
  s.Add(Job(0, "fast"), now);
  for (int i = 1; i < 20; ++i) {
    ASSERT_EQ(s.TakeStartable().size(), 1u);
    now += milliseconds(50);
    s.Add(Job(i, "fast"), now);
    s.Finished("fast");
    EXPECT_TRUE(s.Saturated(now).empty()) << i;
  }
}

TEST(HostScheduler, JobsThatWaitTooLongAreGivenBack) {
  HostScheduler s({.max_in_flight = 100, .max_per_host = 1, .max_wait = milliseconds(1000)});
  s.Add(Job(1, "h"), kT0);
  s.Add(Job(2, "h"), kT0);
  s.Add(Job(3, "h"), kT0 + milliseconds(900));
  ASSERT_EQ(s.TakeStartable().size(), 1u);
  EXPECT_TRUE(s.TakeExpired(kT0 + milliseconds(1000)).empty());
  EXPECT_EQ(s.TakeExpired(kT0 + milliseconds(1001)), std::vector<int64_t>{2});
  EXPECT_EQ(s.Waiting(), 1u);
  EXPECT_EQ(s.InFlight(), 1) << "a job in flight is never given back";
}

}  // namespace
}  // namespace lw
