#include "delivery/retry_policy.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <string>

namespace lw {

namespace {
constexpr int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute;
}  // namespace

const RetrySchedule& RetrySchedule::Standard() {
  static const RetrySchedule kStandard{
      {5 * kSecond, 5 * kMinute, 30 * kMinute, 2 * kHour, 5 * kHour, 10 * kHour, 10 * kHour}};
  return kStandard;
}

Result<RetrySchedule> RetrySchedule::Parse(std::string_view text) {
  const auto bad = [&] {
    return Fail(Error{ErrorKind::kBadRequest,
                      "bad_flag",
                      "--retry-schedule takes delays like 1s,2s,500ms,1m (1 to 20 of them); \"" +
                          std::string(text) + "\" is not that.",
                      {}});
  };
  RetrySchedule out;
  for (size_t start = 0; start <= text.size();) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view item = text.substr(start, comma - start);
    start = comma + 1;
    int64_t n = 0;
    auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
    const std::string_view unit(p, size_t(item.data() + item.size() - p));
    const int64_t scale = unit == "ms"  ? 1
                          : unit == "s" ? kSecond
                          : unit == "m" ? kMinute
                          : unit == "h" ? kHour
                                        : 0;
    if (ec != std::errc() || n < 0 || n > 240 * kHour || scale == 0) return bad();
    out.delays_ms.push_back(std::min(n * scale, 240 * kHour));
  }
  if (out.delays_ms.empty() || out.delays_ms.size() > 20) return bad();
  return out;
}

int64_t RetrySchedule::DelayMs(int retry) const {
  return delays_ms[size_t(std::clamp(retry, 1, int(delays_ms.size())) - 1)];
}

RetryDecision DecideAfterAttempt(int attempts_made, const AttemptOutcome& outcome, int64_t now_ms,
                                 const std::function<double()>& uniform01,
                                 const RetrySchedule& schedule) {
  const int status = outcome.http_status.value_or(0);
  if (status >= 200 && status < 300) return {DeliveryNext::kDelivered};
  if (status == 410) return {DeliveryNext::kGone};
  if (attempts_made >= schedule.MaxAttempts()) return {DeliveryNext::kFailed};
  if ((status == 429 || status == 503) && outcome.retry_after_ms)
    return {DeliveryNext::kRetry,
            now_ms + std::clamp<int64_t>(*outcome.retry_after_ms, 0, kMaxRetryAfterMs)};
  const double base = double(schedule.DelayMs(attempts_made));
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
