#include "store/postgres/work_announcer.h"

#include <algorithm>
#include <utility>

#include "common/log.h"
#include "common/named_thread.h"
#include "store/postgres/work_listener.h"

namespace lw {

namespace {
// After a failed NOTIFY (the server away, the connection cut): the next try,
// doubling up to the longest pause.
constexpr auto kFirstRetry = std::chrono::milliseconds(100);
constexpr auto kLongestRetry = std::chrono::milliseconds(5000);
// Nothing waits on the flush of this commit: a notification lost with a crash
// only leaves the work to the dispatchers' poll. SET LOCAL, so that no other
// transaction of this session, nor one sharing its server connection behind
// PgBouncer, commits without waiting for the disk.
const std::string kAnnouncement =
    std::string("BEGIN; SET LOCAL synchronous_commit = off; NOTIFY ") + kWorkChannel + "; COMMIT";
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
      } catch (...) {
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

bool WorkAnnouncer::Send(std::unique_ptr<PostgresConnection>& conn, bool last) {
  // A connection the server closed while idle (a restart, a failover) is
  // replaced before it fails the NOTIFY; one that is still usable after an
  // error is kept.
  if (conn && !conn->StillOpen()) conn.reset();
  if (!conn && last) return false;
  if (!conn) conn = connector_.Connect();
  try {
    conn->ExecScript(kAnnouncement);
    return true;
  } catch (const sql::DbError&) {
    if (!conn->Usable())
      conn.reset();
    else
      conn->ExecScript("ROLLBACK");  // what the failed script left open
    throw;
  }
}

void WorkAnnouncer::Run() {
  std::unique_ptr<PostgresConnection> conn;
  auto retry = kFirstRetry;
  bool failing = false;
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return wanted_ || !running_; });
    if (!wanted_) return;  // stopping with nothing left to say
    wanted_ = false;
    const bool last = !running_;
    lock.unlock();
    bool sent = false;
    std::string why;
    try {
      sent = Send(conn, last);
    } catch (const std::exception& e) {
      why = e.what();
      if (conn && !conn->AtRest()) conn.reset();
    }
    if (sent && std::exchange(failing, false)) log::Info("announcing new deliveries again");
    if (!sent && !why.empty() && !std::exchange(failing, true))
      log::Warn("cannot announce new deliveries (workers find them by polling): " + why);
    const auto pause = sent ? std::chrono::milliseconds(kGap) : retry;
    retry = sent ? kFirstRetry : std::min(retry * 2, kLongestRetry);
    lock.lock();
    if (last) return;
    if (!sent) wanted_ = true;
    if (!Rest(lock, pause) && !wanted_) return;
  }
}

}  // namespace lw
