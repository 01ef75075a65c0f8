#include "delivery/scheduled_jobs.h"

#include <algorithm>

#include "delivery/host_key.h"

namespace lw {

ScheduledJobs::ScheduledJobs(const TransportOptions& o)
    : scheduler_({o.max_in_flight, o.max_per_endpoint, o.max_per_host,
                  std::chrono::milliseconds(o.max_wait_ms)}) {}

void ScheduledJobs::Add(std::vector<DeliveryJob> jobs) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  for (auto& job : jobs) {
    if (job.host.empty()) job.host = HostKey(job.url);
    scheduler_.Add(std::move(job), now);
  }
}

size_t ScheduledJobs::Load() const {
  std::lock_guard lock(mutex_);
  return scheduler_.Outstanding();
}

std::set<std::string> ScheduledJobs::Full() const {
  std::lock_guard lock(mutex_);
  return scheduler_.Full();
}

std::set<std::string> ScheduledJobs::Busy() const {
  std::lock_guard lock(mutex_);
  return scheduler_.Busy();
}

ScheduledJobs::Due ScheduledJobs::TakeDue() {
  Due due;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  // Jobs that waited too long for a slow endpoint go back to the database
  // (looked for ten times a second, not on every wake-up).
  if (now - expiry_checked_ >= std::chrono::milliseconds(100)) {
    expiry_checked_ = now;
    due.given_back = scheduler_.TakeExpired(now);
  }
  // Out of sockets a moment ago: nothing starts until the pause is over.
  if (now >= paused_until_) due.startable = scheduler_.TakeStartable();
  return due;
}

void ScheduledJobs::Finished(const DeliveryJob& job, const DeliveryResult& r) {
  const bool answered_well = r.http_status && *r.http_status < 500 && *r.http_status != 429;
  std::lock_guard lock(mutex_);
  scheduler_.Finished(job, {answered_well, std::chrono::milliseconds(r.duration_ms)});
  pause_ = {};
}

void ScheduledJobs::NoSocket(DeliveryJob job) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  scheduler_.Abandoned(job);
  scheduler_.Add(std::move(job), now);
  pause_ = std::clamp(pause_ * 2, std::chrono::milliseconds(100), std::chrono::milliseconds(2000));
  paused_until_ = now + pause_;
}

}  // namespace lw
