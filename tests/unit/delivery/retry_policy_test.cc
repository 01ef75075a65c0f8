#include "delivery/retry_policy.h"

#include <gtest/gtest.h>

namespace lw {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;
constexpr int64_t kS = 1000, kMin = 60 * kS, kH = 60 * kMin;

RetryDecision After(int attempts, std::optional<int> status, double u = 0.5,
                    std::optional<int64_t> retry_after = std::nullopt) {
  return DecideAfterAttempt(attempts, {status, retry_after}, kNow, [u] { return u; });
}

TEST(RetryPolicy, TwoHundredsAreDelivered) {
  for (int s : {200, 201, 202, 204, 299}) EXPECT_EQ(After(1, s).next, DeliveryNext::kDelivered);
}

TEST(RetryPolicy, GoneDisables) { EXPECT_EQ(After(3, 410).next, DeliveryNext::kGone); }

TEST(RetryPolicy, EverythingElseRetriesOnTheSchedule) {
  const int64_t schedule[] = {5 * kS, 5 * kMin, 30 * kMin, 2 * kH, 5 * kH, 10 * kH, 10 * kH};
  for (std::optional<int> status : {std::optional<int>(500), std::optional<int>(301),
                                    std::optional<int>(404), std::optional<int>()}) {
    for (int attempt = 1; attempt <= 7; ++attempt) {
      auto d = After(attempt, status);  // u = 0.5: no jitter
      ASSERT_EQ(d.next, DeliveryNext::kRetry);
      EXPECT_EQ(d.next_attempt_at, kNow + schedule[attempt - 1]) << attempt;
    }
    EXPECT_EQ(After(8, status).next, DeliveryNext::kFailed);
  }
}

TEST(RetryPolicy, JitterStaysWithinTwentyPercent) {
  for (int attempt = 1; attempt <= 7; ++attempt) {
    const int64_t base = RetrySchedule::Standard().DelayMs(attempt);
    EXPECT_EQ(After(attempt, 500, 0.0).next_attempt_at, kNow + int64_t(base * 0.8));
    const int64_t high = After(attempt, 500, 0.999999).next_attempt_at - kNow;
    EXPECT_LE(high, int64_t(base * 1.2));
    EXPECT_GE(high, int64_t(base * 1.19));
  }
}

TEST(RetryPolicy, RetryAfterIsHonouredOn429And503AndClampedToTenHours) {
  EXPECT_EQ(After(1, 429, 0.5, 90 * kS).next_attempt_at, kNow + 90 * kS);
  EXPECT_EQ(After(2, 503, 0.5, 3 * kMin).next_attempt_at, kNow + 3 * kMin);
  EXPECT_EQ(After(1, 503, 0.5, 48 * kH).next_attempt_at, kNow + 10 * kH);
  // Other statuses ignore it.
  EXPECT_EQ(After(1, 500, 0.5, 90 * kS).next_attempt_at, kNow + 5 * kS);
  // Without Retry-After, 429 follows the schedule.
  EXPECT_EQ(After(1, 429).next_attempt_at, kNow + 5 * kS);
  EXPECT_EQ(After(8, 429, 0.5, kS).next, DeliveryNext::kFailed);
}

TEST(RetryPolicy, ParsesRetryAfter) {
  EXPECT_EQ(ParseRetryAfter("120", kNow), 120 * kS);
  EXPECT_EQ(ParseRetryAfter(" 0 ", kNow), 0);
  EXPECT_EQ(ParseRetryAfter("-5", kNow), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", kNow), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("", kNow), std::nullopt);
  // 2023-11-14T22:13:20Z is kNow; one hour later as an HTTP-date.
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 23:13:20 GMT", kNow), kH);
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 20:00:00 GMT", kNow), 0);  // in the past
}

// Found by fuzz/fuzz_retry_after: seconds × 1000 overflowed (undefined behaviour).
TEST(RetryPolicy, AHugeRetryAfterIsCappedNotOverflowed) {
  EXPECT_EQ(ParseRetryAfter("111111222222221122", kNow), kMaxRetryAfterMs);
  EXPECT_EQ(ParseRetryAfter("9223372036854775807", kNow), kMaxRetryAfterMs);
}

// `serve --retry-schedule` (tests only): another list of delays, and as many
// retries as it has; bad lists are one sentence.
TEST(RetryPolicy, AScheduleOfItsOwnSetsTheDelaysAndTheNumberOfRetries) {
  auto schedule = RetrySchedule::Parse("1s,2s,500ms,1m");
  ASSERT_TRUE(schedule);
  EXPECT_EQ(schedule->delays_ms, (std::vector<int64_t>{kS, 2 * kS, 500, kMin}));
  EXPECT_EQ(schedule->MaxAttempts(), 5);
  auto after = [&](int attempts) {
    return DecideAfterAttempt(
        attempts, {500, std::nullopt}, kNow, [] { return 0.5; }, *schedule);
  };
  EXPECT_EQ(after(2).next_attempt_at, kNow + 2 * kS);
  EXPECT_EQ(after(4).next_attempt_at, kNow + kMin);
  EXPECT_EQ(after(5).next, DeliveryNext::kFailed);
  for (const char* bad : {"", "1", "1s,", "-1s", "1d", "1s;2s", "s"})
    EXPECT_FALSE(RetrySchedule::Parse(bad)) << bad;
}

}  // namespace
}  // namespace lw
