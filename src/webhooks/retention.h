// Retention: the delivery log is kept for `days` days. Finished deliveries
// (delivered, failed, cancelled) last changed before then are deleted with
// their attempts, and so are events that old which no delivery refers to.
// Pending deliveries stay however old. Deletes go a small batch per
// transaction with a pause between, so the writer (SQLite has one) is never
// held long; SQLite reuses the freed pages, so under steady load the file
// stops growing.
// RunOnce: any thread. RetentionLoop runs it on its own thread.
#pragma once

#include <chrono>
#include <cstdint>

#include "common/clock.h"
#include "common/error.h"
#include "common/periodic_thread.h"
#include "store/database.h"

namespace lw {

struct RetentionReport {
  int64_t deliveries = 0;
  int64_t attempts = 0;
  int64_t events = 0;
  int batches = 0;
  std::chrono::microseconds longest_batch{0};  // the longest a batch held the writer
};

class Retention {
 public:
  // days: may be fractional (0.5: twelve hours).
  Retention(Database& db, const Clock& clock, double days, int batch = 500)
      : db_(db), clock_(clock), days_(days), batch_(batch) {}
  // Deletes everything past its time; `pause` between batches.
  Result<RetentionReport> RunOnce(std::chrono::milliseconds pause = std::chrono::milliseconds(0));

 private:
  Database& db_;
  const Clock& clock_;
  const double days_;
  const int batch_;
};

// Runs Retention::RunOnce at Start and then every `every`, until Stop.
// RetentionInterval: every 10 minutes, or every tenth of the window when
// that is shorter (at least every 5 s), so a short window stays near its size.
std::chrono::milliseconds RetentionInterval(double days);
class RetentionLoop {
 public:
  RetentionLoop(Retention retention, std::chrono::milliseconds every)
      : retention_(retention), loop_("lw-retention", every, [this] { Round(); }) {}
  void Start() { loop_.Start(); }
  void Stop() { loop_.Stop(); }

 private:
  void Round();  // RunOnce, with a line saying what it deleted
  Retention retention_;
  PeriodicThread loop_;  // last: stopped and joined before retention_ goes
};

}  // namespace lw
