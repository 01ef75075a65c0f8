// LoginThrottle: limits failed logins per email and per client address
// (10 failures in 15 minutes), answering 429 beyond that. In memory: a node
// restart forgets, which is acceptable for a brute-force brake. Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace lw::http {

class LoginThrottle {
 public:
  static constexpr int kMaxFailures = 10;
  static constexpr int64_t kWindowMs = 15 * 60 * 1000;

  bool Allowed(const std::string& key, int64_t now_ms);
  void RecordFailure(const std::string& key, int64_t now_ms);
  void Reset(const std::string& key);

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::deque<int64_t>> failures_;
};

}  // namespace lw::http
