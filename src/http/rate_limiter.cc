#include "http/rate_limiter.h"

#include <algorithm>

namespace lw::http {

bool RateLimiter::Take(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (now - swept_ > std::chrono::minutes(1)) ForgetFull(now);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!fresh) {
    const double elapsed = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(burst_, b.tokens + std::max(0.0, elapsed) * per_second_);
    b.at = std::max(b.at, now);
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

size_t RateLimiter::Buckets() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

// A bucket that would be full again is the same as none: memory follows the
// credentials in use, not every one ever seen.
void RateLimiter::ForgetFull(Clock::time_point now) {
  swept_ = now;
  std::erase_if(buckets_, [&](const auto& entry) {
    const double elapsed = std::chrono::duration<double>(now - entry.second.at).count();
    return entry.second.tokens + elapsed * per_second_ >= burst_;
  });
}

}  // namespace lw::http
