#include "http/login_throttle.h"

namespace lw::http {

bool LoginThrottle::Allowed(const std::string& key, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(key);
  if (it == failures_.end()) return true;
  auto& times = it->second;
  while (!times.empty() && times.front() <= now_ms - kWindowMs) times.pop_front();
  if (times.empty()) {
    failures_.erase(it);
    return true;
  }
  return times.size() < size_t(kMaxFailures);
}

void LoginThrottle::RecordFailure(const std::string& key, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  failures_[key].push_back(now_ms);
}

void LoginThrottle::Reset(const std::string& key) {
  std::lock_guard lock(mutex_);
  failures_.erase(key);
}

}  // namespace lw::http
