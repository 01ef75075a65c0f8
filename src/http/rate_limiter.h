// RateLimiter: a token bucket per credential (API token or session), so one
// runaway script cannot take a node's capacity from everyone else. Refills at
// `per_second` up to `burst`; buckets left full are forgotten. In memory, per
// node: behind a balancer over N api nodes a client may get up to N times the
// rate. Any thread.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace lw::http {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  RateLimiter(double per_second, double burst) : per_second_(per_second), burst_(burst) {}
  // Takes a request's token from `key`'s bucket: true when there was one.
  bool Take(const std::string& key, Clock::time_point now);
  double per_second() const { return per_second_; }
  size_t Buckets() const;

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point at;
  };
  void ForgetFull(Clock::time_point now);

  const double per_second_;
  const double burst_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  Clock::time_point swept_{};
};

}  // namespace lw::http
