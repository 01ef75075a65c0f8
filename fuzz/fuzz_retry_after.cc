// Retry-After as endpoints send it (seconds or an HTTP-date, or anything):
// parsed into a delay that is never negative, and the retry decision built
// on it stays within the schedule's bounds.
#include "delivery/retry_policy.h"
#include "fuzz_support.h"

using namespace lw;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr int64_t kNow = 1'700'000'000'000;
  const auto delay = ParseRetryAfter(fuzz::Text(data, size), kNow);
  if (delay) LW_FUZZ_ASSERT(*delay >= 0);
  AttemptOutcome outcome;
  outcome.http_status = 503;
  outcome.retry_after_ms = delay;
  for (int attempts : {1, 5}) {
    const RetryDecision next = DecideAfterAttempt(attempts, outcome, kNow, [] { return 0.999; });
    // The schedule's longest step is 10 h + 20% jitter; Retry-After is capped at 10 h.
    if (next.next == DeliveryNext::kRetry)
      LW_FUZZ_ASSERT(next.next_attempt_at >= kNow &&
                     next.next_attempt_at <= kNow + 12LL * 3600 * 1000);
  }
  return 0;
}
