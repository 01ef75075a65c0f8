// The per-credential token bucket: a burst, then the rate; credentials apart;
// idle buckets forgotten.
#include "http/rate_limiter.h"

#include <gtest/gtest.h>

namespace lw::http {
namespace {

using std::chrono::milliseconds;

TEST(RateLimiter, ABurstThenTheRate) {
  RateLimiter limiter(10, 20);
  const auto t0 = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  int allowed = 0;
  for (int i = 0; i < 50; ++i) allowed += limiter.Take("t:a", t0);
  EXPECT_EQ(allowed, 20) << "the burst";
  EXPECT_FALSE(limiter.Take("t:a", t0 + milliseconds(50))) << "half a token is not one";
  EXPECT_TRUE(limiter.Take("t:a", t0 + milliseconds(100))) << "ten per second";
  allowed = 0;
  for (int ms = 200; ms <= 1100; ms += 10) allowed += limiter.Take("t:a", t0 + milliseconds(ms));
  EXPECT_EQ(allowed, 9) << "0.2 s to 1.1 s at ten per second";
}

TEST(RateLimiter, EachCredentialHasItsOwnBucket) {
  RateLimiter limiter(1, 2);
  const auto t0 = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  EXPECT_TRUE(limiter.Take("t:a", t0));
  EXPECT_TRUE(limiter.Take("t:a", t0));
  EXPECT_FALSE(limiter.Take("t:a", t0));
  EXPECT_TRUE(limiter.Take("s:b", t0)) << "another credential is not held back";
}

TEST(RateLimiter, BucketsThatWouldBeFullAreForgotten) {
  RateLimiter limiter(10, 20);
  const auto t0 = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 1000; ++i) limiter.Take("t:" + std::to_string(i), t0);
  EXPECT_EQ(limiter.Buckets(), 1000u);
  limiter.Take("t:late", t0 + std::chrono::minutes(2));
  EXPECT_EQ(limiter.Buckets(), 1u);
}

}  // namespace
}  // namespace lw::http
