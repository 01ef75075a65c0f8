// WorkAnnouncer: tells the nodes' WorkListeners that deliveries were
// committed, with a NOTIFY sent on a connection of its own after the commit
// rather than inside the writing transaction. PostgreSQL serializes the
// commits of notifying transactions under one database-wide lock held
// through their WAL flush (bench/scale's pgbench pair: about half the commit
// rate with a NOTIFY in each transaction), so a lead's transaction must not
// carry one. Announcements made while a NOTIFY is on its way fold into the
// next one, sent at most every kGap: one notifying commit per node per few
// milliseconds, whatever the write rate. A NOTIFY that fails is tried again
// after a pause growing from 100 ms to 5 s (logged once until one works);
// meanwhile the dispatchers' poll finds the work. The announcer has its own
// connector, so its failures never hold back the pool's connections.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/postgres/connector.h"

namespace lw {

class WorkAnnouncer {
 public:
  static constexpr auto kGap = std::chrono::milliseconds(2);

  explicit WorkAnnouncer(std::string conninfo) : connector_(std::move(conninfo)) {}
  // Sends what is still to announce (one try, on the connection it has:
  // stopping never waits for a new one), then stops.
  ~WorkAnnouncer();
  WorkAnnouncer(const WorkAnnouncer&) = delete;
  WorkAnnouncer& operator=(const WorkAnnouncer&) = delete;

  // Cheap, from any thread, after the commit. The thread and its connection
  // start with the first call: processes that never announce open neither.
  void Announce() noexcept;

 private:
  void Run();
  // One NOTIFY; whether it went out. `last`: the announcer is stopping.
  bool Send(std::unique_ptr<PostgresConnection>& conn, bool last);
  // Waits `pause` unless the announcer is stopping; returns whether it runs on.
  bool Rest(std::unique_lock<std::mutex>& lock, std::chrono::milliseconds pause);

  Connector connector_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool wanted_ = false;  // an announcement not yet sent
  bool running_ = true;
  std::thread thread_;
};

}  // namespace lw
