// PeriodicThread: a round at Start, then one every period; Stop wakes the
// wait at once (it does not sit out the period) and a round in progress sees
// Stopping().
#include "common/periodic_thread.h"

#include <gtest/gtest.h>

#include <atomic>

namespace lw {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

template <typename Pred>
bool Within(std::chrono::milliseconds limit, Pred pred) {
  const auto until = Clock::now() + limit;
  while (!pred()) {
    if (Clock::now() > until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(PeriodicThreadTest, RunsAtStartThenEveryPeriod) {
  std::atomic<int> rounds{0};
  PeriodicThread loop("lw-test", 20ms, [&] { ++rounds; });
  EXPECT_EQ(rounds.load(), 0);  // nothing before Start
  loop.Start();
  EXPECT_TRUE(Within(1000ms, [&] { return rounds.load() >= 1; }));
  EXPECT_TRUE(Within(2000ms, [&] { return rounds.load() >= 4; }));
  loop.Stop();
  const int after = rounds.load();
  std::this_thread::sleep_for(60ms);
  EXPECT_EQ(rounds.load(), after);  // none after Stop
}

TEST(PeriodicThreadTest, StopWakesTheWaitAtOnce) {
  std::atomic<int> rounds{0};
  PeriodicThread loop("lw-test", std::chrono::hours(1), [&] { ++rounds; });
  loop.Start();
  ASSERT_TRUE(Within(1000ms, [&] { return rounds.load() == 1; }));
  const auto began = Clock::now();
  loop.Stop();
  EXPECT_LT(Clock::now() - began, 1s);
  EXPECT_EQ(rounds.load(), 1);
}

TEST(PeriodicThreadTest, ARoundInProgressSeesStopping) {
  std::atomic<bool> in_round{false}, saw_stopping{false};
  PeriodicThread* self = nullptr;
  PeriodicThread loop("lw-test", std::chrono::hours(1), [&] {
    in_round = true;
    // A long round with steps: it ends early once asked to stop.
    for (int step = 0; step < 10'000 && !self->Stopping(); ++step) std::this_thread::sleep_for(1ms);
    saw_stopping = self->Stopping();
  });
  self = &loop;
  loop.Start();
  ASSERT_TRUE(Within(1000ms, [&] { return in_round.load(); }));
  const auto began = Clock::now();
  loop.Stop();
  EXPECT_LT(Clock::now() - began, 2s);
  EXPECT_TRUE(saw_stopping.load());
}

TEST(PeriodicThreadTest, StopWithoutStartAndTwiceIsHarmless) {
  PeriodicThread loop("lw-test", 10ms, [] {});
  loop.Stop();
  loop.Stop();
}

}  // namespace
}  // namespace lw
