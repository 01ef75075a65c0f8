#include "store/availability.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

#include "common/log.h"

namespace lw::availability {

namespace {

std::atomic<bool> g_up{true};
std::atomic<bool> g_writes_only{false};  // the outage is a full disk's
std::mutex g_mutex;                      // orders the two log lines of an outage
std::chrono::steady_clock::time_point g_down_since;

}  // namespace

void ReportDown(std::string_view why, bool writes_only) {
  if (!g_up.load(std::memory_order_relaxed)) return;
  std::lock_guard lock(g_mutex);
  if (!g_up.exchange(false)) return;
  g_writes_only = writes_only;
  g_down_since = std::chrono::steady_clock::now();
  log::Error(std::string("the database is unavailable: ") + std::string(why) +
             " (requests answer 503, delivery pauses; logged again when it is back)");
}

void ReportUp(bool write) {
  if (g_up.load(std::memory_order_relaxed)) return;
  if (!write && g_writes_only.load()) return;  // reads worked all along
  std::lock_guard lock(g_mutex);
  if (g_up.exchange(true)) return;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - g_down_since).count();
  char text[96];
  std::snprintf(text, sizeof text, "the database is available again, after %.1f s", seconds);
  log::Info(text);
}

bool IsUp() { return g_up.load(std::memory_order_relaxed); }

}  // namespace lw::availability
