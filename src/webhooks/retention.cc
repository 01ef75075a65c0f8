#include "webhooks/retention.h"

#include <algorithm>

#include "common/log.h"
#include "common/metrics.h"
#include "webhooks/delivery_repository.h"
#include "webhooks/rule_notifications.h"
#include "webhooks/rule_stats.h"

namespace lw {

namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;

}  // namespace

Result<RetentionReport> Retention::RunOnce(std::chrono::milliseconds pause) {
  RetentionReport report;
  const int64_t cutoff = clock_.NowMs() - int64_t(days_ * double(kDayMs));
  // Deliveries first: the events they free go in the same run.
  for (auto purge : {&deliveries::PurgeDeliveries, &deliveries::PurgeEvents}) {
    deliveries::Purged step;
    do {
      const auto start = std::chrono::steady_clock::now();
      auto st = db_.Write([&](sql::Connection& c) -> Status {
        step = purge(c, step.scanned_to, cutoff, batch_);
        return {};
      });
      if (!st) return Fail(st.error());
      report.longest_batch =
          std::max(report.longest_batch, std::chrono::duration_cast<std::chrono::microseconds>(
                                             std::chrono::steady_clock::now() - start));
      ++report.batches;
      (purge == &deliveries::PurgeEvents ? report.events : report.deliveries) += step.deleted;
      report.attempts += step.attempts;
      if (step.more && pause.count() > 0) std::this_thread::sleep_for(pause);
    } while (step.more);
  }
  // The hourly counts and the emails are kept a week and a day, whatever
  // the log keeps.
  if (auto st = db_.Write([&](sql::Connection& c) -> Status {
        DeleteRuleStatsBefore(c, clock_.NowMs() - (kStatsMaxHours + 24) * kHourMs);
        DeleteNotificationsBefore(c, clock_.NowMs() - (kStatsMaxHours + 24) * kHourMs);
        return {};
      });
      !st)
    return Fail(st.error());
  metrics::CountRetention(report.deliveries, report.attempts, report.events,
                          double(report.longest_batch.count()) / 1e6);
  return report;
}

std::chrono::milliseconds RetentionInterval(double days) {
  const auto tenth = std::chrono::milliseconds(int64_t(days * double(kDayMs) / 10));
  return std::clamp<std::chrono::milliseconds>(tenth, std::chrono::seconds(5),
                                               std::chrono::minutes(10));
}

void RetentionLoop::Round() {
  // A pause between batches leaves the writer to requests and deliveries.
  auto report = retention_.RunOnce(std::chrono::milliseconds(5));
  if (!report)
    log::Warn("retention: " + report.error().message + "; trying again later");
  else if (report->deliveries + report->events > 0)
    log::Info("retention: deleted " + std::to_string(report->deliveries) + " deliveries, " +
              std::to_string(report->attempts) + " attempts, " + std::to_string(report->events) +
              " events in " + std::to_string(report->batches) + " batches; longest " +
              std::to_string(report->longest_batch.count() / 1000) + " ms");
}

}  // namespace lw
