// What happens after an attempt (product spec §6): 2xx is delivered; 410
// disables the rule; anything else (3xx, 4xx, 5xx, timeouts, refused
// connections, SSRF refusals) is retried after 5 s, 5 min, 30 min, 2 h, 5 h,
// 10 h, 10 h, each ±20%, or after Retry-After on 429/503 (at most 10 h); after
// the last retry the delivery has failed. Pure; randomness is injected.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace lw {

struct AttemptOutcome {
  std::optional<int> http_status;         // nullopt: no answer (network error, timeout)
  std::optional<int64_t> retry_after_ms;  // parsed Retry-After, if any
};

enum class DeliveryNext { kDelivered, kRetry, kFailed, kGone };

struct RetryDecision {
  DeliveryNext next;
  int64_t next_attempt_at = 0;  // for kRetry
};

inline constexpr int64_t kMaxRetryAfterMs = 10LL * 3600 * 1000;

// The delays before each retry, without jitter. §6's is Standard() (the
// first attempt and 7 retries); `serve --retry-schedule` sets another, for
// tests that must see a delivery finally fail within minutes.
struct RetrySchedule {
  std::vector<int64_t> delays_ms;
  static const RetrySchedule& Standard();
  // "1s,2s,500ms,1m": each a whole number with ms, s, m or h; 1 to 20 of them.
  static Result<RetrySchedule> Parse(std::string_view text);
  int MaxAttempts() const { return int(delays_ms.size()) + 1; }
  // The delay before retry number `retry` (1-based).
  int64_t DelayMs(int retry) const;
};

// `attempts_made` counts the attempt just finished (1 for the first).
// `uniform01` returns a number in [0, 1).
RetryDecision DecideAfterAttempt(int attempts_made, const AttemptOutcome& outcome, int64_t now_ms,
                                 const std::function<double()>& uniform01,
                                 const RetrySchedule& schedule = RetrySchedule::Standard());

// Retry-After as delay-seconds or an HTTP-date, relative to now; nullopt if unparsable.
std::optional<int64_t> ParseRetryAfter(std::string_view value, int64_t now_ms);

}  // namespace lw
