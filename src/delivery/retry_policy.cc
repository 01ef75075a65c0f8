#include "delivery/retry_policy.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <string>

namespace lw {

namespace {
constexpr int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute;
constexpr int64_t kSchedule[] = {5 * kSecond, 5 * kMinute, 30 * kMinute, 2 * kHour,
                                 5 * kHour,   10 * kHour,  10 * kHour};
static_assert(std::size(kSchedule) == kMaxAttempts - 1);
}  // namespace

int64_t BaseRetryDelayMs(int retry) {
  return kSchedule[std::clamp(retry, 1, int(std::size(kSchedule))) - 1];
}

RetryDecision DecideAfterAttempt(int attempts_made, const AttemptOutcome& outcome, int64_t now_ms,
                                 const std::function<double()>& uniform01) {
  const int status = outcome.http_status.value_or(0);
  if (status >= 200 && status < 300) return {DeliveryNext::kDelivered};
  if (status == 410) return {DeliveryNext::kGone};
  if (attempts_made >= kMaxAttempts) return {DeliveryNext::kFailed};
  if ((status == 429 || status == 503) && outcome.retry_after_ms)
    return {DeliveryNext::kRetry,
            now_ms + std::clamp<int64_t>(*outcome.retry_after_ms, 0, kMaxRetryAfterMs)};
  const double base = double(BaseRetryDelayMs(attempts_made));
  const double jitter = 0.8 + 0.4 * std::clamp(uniform01(), 0.0, 1.0);
  return {DeliveryNext::kRetry, now_ms + int64_t(base * jitter)};
}

std::optional<int64_t> ParseRetryAfter(std::string_view value, int64_t now_ms) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\r')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  int64_t seconds = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  // Capped before it becomes milliseconds: a huge number must not overflow.
  if (ec == std::errc() && p == value.data() + value.size())
    return seconds < 0 ? std::nullopt
                       : std::optional(std::min(seconds, kMaxRetryAfterMs / 1000) * 1000);
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
  std::tm tm{};
  const std::string text(value);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') return std::nullopt;
  const int64_t at_ms = int64_t(timegm(&tm)) * 1000;
  return std::max<int64_t>(0, at_ms - now_ms);
}

}  // namespace lw
