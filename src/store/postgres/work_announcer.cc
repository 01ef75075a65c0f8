#include "store/postgres/work_announcer.h"

#include <memory>
#include <string>
#include <system_error>

#include "common/named_thread.h"
#include "store/postgres/work_listener.h"

namespace lw {

namespace {
// After a failed NOTIFY (the server away, the connection cut): the next try.
// The connector's own backoff keeps a long outage from costing connections.
constexpr auto kRetryPause = std::chrono::milliseconds(100);
}  // namespace

WorkAnnouncer::~WorkAnnouncer() {
  {
    std::lock_guard lock(mutex_);
    running_ = false;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WorkAnnouncer::Announce() noexcept {
  {
    std::lock_guard lock(mutex_);
    if (wanted_ || !running_) return;  // already due: it folds into that one
    if (!thread_.joinable()) {
      // Called after a commit: failing here must not fail the write that
      // committed (its client would send it again). Without a thread the
      // dispatchers' poll finds the work, and the next call tries again.
      try {
        thread_ = NamedThread("lw-announce", [this] { Run(); });
      } catch (const std::system_error&) {
        return;
      }
    }
    wanted_ = true;
  }
  changed_.notify_one();
}

bool WorkAnnouncer::Rest(std::unique_lock<std::mutex>& lock, std::chrono::milliseconds pause) {
  return !changed_.wait_for(lock, pause, [&] { return !running_; });
}

void WorkAnnouncer::Run() {
  std::unique_ptr<PostgresConnection> conn;
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return wanted_ || !running_; });
    if (!wanted_) return;  // stopping with nothing left to say
    wanted_ = false;
    const bool last = !running_;
    lock.unlock();
    bool sent = false;
    try {
      if (!conn) {
        conn = connector_.Connect();
        // Nothing waits on this commit's flush: a notification lost with a
        // crash only leaves the work to the dispatchers' poll.
        conn->ExecScript("SET synchronous_commit = off");
      }
      conn->ExecScript(std::string("NOTIFY ") + kWorkChannel);
      sent = true;
    } catch (const sql::DbError&) {
      conn.reset();  // a new one next time
    }
    lock.lock();
    if (last) return;
    if (!sent) wanted_ = true;
    if (!Rest(lock, sent ? kGap : kRetryPause) && !wanted_) return;
  }
}

}  // namespace lw
