// The per-endpoint scheduler without any I/O, with time passed in: bounds
// per endpoint, per origin and overall; turns across endpoints; health from
// outcomes (a broken endpoint is held to a few slots, a slow healthy one is
// not); full endpoints; giving jobs back.
#include "delivery/endpoint_scheduler.h"

#include <gtest/gtest.h>

#include <map>

namespace lw {
namespace {

using std::chrono::milliseconds;
using Outcome = EndpointScheduler::Outcome;
const EndpointScheduler::TimePoint kT0{};

DeliveryJob Job(int64_t id, const std::string& endpoint, const std::string& host = "h") {
  DeliveryJob j;
  j.delivery_id = id;
  j.endpoint = endpoint;
  j.host = host;
  return j;
}

std::map<std::string, int> ByEndpoint(const std::vector<DeliveryJob>& jobs) {
  std::map<std::string, int> out;
  for (const auto& j : jobs) ++out[j.endpoint];
  return out;
}

void FinishAll(EndpointScheduler& s, const std::vector<DeliveryJob>& jobs, Outcome o) {
  for (const auto& j : jobs) s.Finished(j, o);
}

TEST(EndpointScheduler, StartsAtMostThePerEndpointAndGlobalBounds) {
  EndpointScheduler s({.max_in_flight = 5, .max_per_endpoint = 2});
  for (int i = 0; i < 12; ++i) s.Add(Job(i, std::string(1, char('a' + i / 4))), kT0);
  const auto started = s.TakeStartable();
  EXPECT_EQ(started.size(), 5u);
  for (const auto& [endpoint, n] : ByEndpoint(started)) EXPECT_LE(n, 2) << endpoint;
  EXPECT_TRUE(s.TakeStartable().empty()) << "full";
  s.Finished(started[0], {});
  EXPECT_EQ(s.TakeStartable().size(), 1u);
  EXPECT_EQ(s.Waiting(), 6u);
}

TEST(EndpointScheduler, FirmsSharingAHostDoNotShareSlots) {
  EndpointScheduler s({.max_in_flight = 1000, .max_per_endpoint = 3});
  for (int i = 0; i < 10; ++i) s.Add(Job(i, "1|https://hooks.zapier.com:443", "zapier"), kT0);
  for (int i = 10; i < 20; ++i) s.Add(Job(i, "2|https://hooks.zapier.com:443", "zapier"), kT0);
  const auto by = ByEndpoint(s.TakeStartable());
  EXPECT_EQ(by.at("1|https://hooks.zapier.com:443"), 3);
  EXPECT_EQ(by.at("2|https://hooks.zapier.com:443"), 3);
}

TEST(EndpointScheduler, APolitenessCapPerHostHoldsAcrossFirms) {
  EndpointScheduler s({.max_in_flight = 1000, .max_per_endpoint = 3, .max_per_host = 4});
  for (int i = 0; i < 10; ++i) s.Add(Job(i, "1|z", "zapier"), kT0);
  for (int i = 10; i < 20; ++i) s.Add(Job(i, "2|z", "zapier"), kT0);
  s.Add(Job(99, "3|other", "other"), kT0);
  const auto started = s.TakeStartable();
  EXPECT_EQ(started.size(), 5u) << "4 to zapier across both firms, 1 elsewhere";
  s.Finished(started[0], {});
  EXPECT_EQ(s.TakeStartable().size(), started[0].host == "zapier" ? 1u : 0u);
}

TEST(EndpointScheduler, EndpointsTakeTurnsSoABacklogDoesNotStarveOthers) {
  EndpointScheduler s({.max_in_flight = 1, .max_per_endpoint = 1});
  for (int i = 0; i < 100; ++i) s.Add(Job(i, "big"), kT0);
  s.Add(Job(1000, "small"), kT0);
  std::vector<std::string> order;
  for (int i = 0; i < 4; ++i) {
    auto started = s.TakeStartable();
    ASSERT_EQ(started.size(), 1u);
    order.push_back(started[0].endpoint);
    s.Finished(started[0], {});
  }
  // With one slot, the small endpoint gets the second turn, not the 101st.
  EXPECT_EQ(std::count(order.begin(), order.begin() + 2, "small"), 1);
}

TEST(EndpointScheduler, JobsOfOneEndpointStartInArrivalOrder) {
  EndpointScheduler s({.max_in_flight = 10, .max_per_endpoint = 10});
  for (int i = 0; i < 5; ++i) s.Add(Job(i, "a"), kT0);
  const auto started = s.TakeStartable();
  ASSERT_EQ(started.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(started[i].delivery_id, i);
}

TEST(EndpointScheduler, ABrokenEndpointIsHeldToAFewSlotsUntilItAnswersAgain) {
  EndpointScheduler s({.max_in_flight = 1000, .max_per_endpoint = 64});
  for (int i = 0; i < 200; ++i) s.Add(Job(i, "broken"), kT0);
  auto first = s.TakeStartable();
  ASSERT_EQ(first.size(), 64u);
  FinishAll(s, {first.begin(), first.begin() + EndpointScheduler::kImpairedAfter},
            {false, milliseconds(15000)});  // timeouts
  EXPECT_EQ(s.LimitOf("broken"), EndpointScheduler::kImpairedLimit);
  FinishAll(s, {first.begin() + EndpointScheduler::kImpairedAfter, first.end()},
            {false, milliseconds(15000)});
  EXPECT_EQ(s.TakeStartable().size(), size_t(EndpointScheduler::kImpairedLimit));
  EXPECT_EQ(s.Full(), std::set<std::string>{"broken"}) << "claims stop for it";
  s.Add(Job(500, "healthy"), kT0);
  EXPECT_EQ(s.TakeStartable().size(), 1u) << "others are not held back";
  // One good answer and it is served at full concurrency again.
  EXPECT_TRUE(s.TakeStartable().empty());
  s.Finished(Job(0, "broken"), {true, milliseconds(80)});
  EXPECT_EQ(s.LimitOf("broken"), 64);
  EXPECT_GT(s.TakeStartable().size(), 50u);
}

// Impaired endpoints keep their record while they matter, not for ever:
// rules are deleted and URLs change.
TEST(EndpointScheduler, AnImpairedEndpointIdleForLongIsForgotten) {
  EndpointScheduler s({.max_in_flight = 1000, .max_per_endpoint = 64});
  for (int i = 0; i < EndpointScheduler::kImpairedAfter; ++i) s.Add(Job(i, "gone"), kT0);
  FinishAll(s, s.TakeStartable(), {false, milliseconds(15000)});
  EXPECT_EQ(s.LimitOf("gone"), EndpointScheduler::kImpairedLimit);
  s.TakeExpired(kT0);
  s.TakeExpired(kT0 + std::chrono::minutes(5));
  EXPECT_EQ(s.LimitOf("gone"), EndpointScheduler::kImpairedLimit) << "still remembered";
  s.TakeExpired(kT0 + EndpointScheduler::kForgetIdleAfter + milliseconds(1));
  EXPECT_EQ(s.LimitOf("gone"), 64) << "forgotten";
}

TEST(EndpointScheduler, ASlowButHealthyEndpointKeepsItsFullConcurrency) {
  EndpointScheduler s({.max_in_flight = 1000, .max_per_endpoint = 64});
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 64; ++i) s.Add(Job(round * 64 + i, "zapier-like"), kT0);
    auto started = s.TakeStartable();
    ASSERT_EQ(started.size(), 64u) << round;
    FinishAll(s, started, {true, milliseconds(200)});
  }
  EXPECT_EQ(s.LimitOf("zapier-like"), 64);
}

TEST(EndpointScheduler, AnswersFarSlowerThanUsualCountAgainstHealth) {
  EndpointScheduler s({.max_in_flight = 1000, .max_per_endpoint = 64});
  for (int i = 0; i < 20; ++i) s.Add(Job(i, "e"), kT0);
  auto started = s.TakeStartable();
  FinishAll(s, {started.begin(), started.begin() + 10}, {true, milliseconds(100)});
  FinishAll(s, {started.begin() + 10, started.end()}, {true, milliseconds(9000)});
  EXPECT_EQ(s.LimitOf("e"), EndpointScheduler::kImpairedLimit);
}

TEST(EndpointScheduler, AnEndpointIsFullAtItsQuota) {
  EndpointScheduler s({.max_in_flight = 1000, .max_per_endpoint = 2});
  const int quota = EndpointScheduler::kQuotaFactor * 2;
  for (int i = 0; i < quota - 1; ++i) s.Add(Job(i, "e"), kT0);
  EXPECT_TRUE(s.Full().empty());
  s.Add(Job(quota, "e"), kT0);
  EXPECT_EQ(s.Full(), std::set<std::string>{"e"});
  s.TakeStartable();
  EXPECT_EQ(s.Full(), std::set<std::string>{"e"}) << "in flight counts too";
}

TEST(EndpointScheduler, JobsThatWaitTooLongAreGivenBack) {
  EndpointScheduler s(
      {.max_in_flight = 100, .max_per_endpoint = 1, .max_wait = milliseconds(1000)});
  s.Add(Job(1, "e"), kT0);
  s.Add(Job(2, "e"), kT0);
  s.Add(Job(3, "e"), kT0 + milliseconds(900));
  ASSERT_EQ(s.TakeStartable().size(), 1u);
  EXPECT_TRUE(s.TakeExpired(kT0 + milliseconds(1000)).empty());
  EXPECT_EQ(s.TakeExpired(kT0 + milliseconds(1001)), std::vector<int64_t>{2});
  EXPECT_EQ(s.Waiting(), 1u);
  EXPECT_EQ(s.InFlight(), 1) << "a job in flight is never given back";
}

TEST(EndpointScheduler, AbandonedJobsFreeTheirSlotWithoutHurtingHealth) {
  EndpointScheduler s({.max_in_flight = 100, .max_per_endpoint = 1});
  for (int i = 0; i < 5; ++i) s.Add(Job(i, "e"), kT0);
  for (int i = 0; i < 5; ++i) {
    auto started = s.TakeStartable();
    ASSERT_EQ(started.size(), 1u);
    s.Abandoned(started[0]);
  }
  EXPECT_EQ(s.LimitOf("e"), 1);
  EXPECT_EQ(s.InFlight(), 0);
}

}  // namespace
}  // namespace lw
