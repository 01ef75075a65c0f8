// Liveness and readiness probes, and metrics.
#include <boost/json.hpp>
#include <memory>
#include <mutex>

#include "common/metrics.h"
#include "common/version.h"
#include "http/json_response.h"
#include "http/routes.h"
#include "store/availability.h"
#include "webhooks/deliveries_service.h"

namespace lw::http {

namespace json = boost::json;

namespace {

// The queue's counts, counted again at most every kEveryMs by one scrape at a
// time; the others answer with the last counts rather than wait for it (a
// count may wait seconds for a database that is away).
struct QueueCountCache {
  static constexpr int64_t kEveryMs = 5000;
  std::mutex counting;  // held by the scrape counting
  std::mutex mutex;     // guards the fields below
  int64_t counted_at = 0;
  deliveries::QueueCounts counts;
};

}  // namespace

void AddOpsRoutes(Router& r) {
  r.Add("GET", "/healthz", Access::kPublic, [](RequestContext&) -> Result<Response> {
    return JsonResponse(
        200, json::object{{"status", "ok"}, {"version", kVersion}, {"commit", kGitDescribe}});
  });
  r.Add("GET", "/readyz", Access::kPublic, [&r](RequestContext&) -> Result<Response> {
    LW_CHECK(r.db().Read([](sql::Connection& c) -> Status {
      c.Query("SELECT 1");
      return {};
    }));
    return JsonResponse(200, json::object{{"status", "ready"}});
  });
  // Operational figures for Prometheus; no tenant data, only counts. The
  // queue is counted at most every few seconds however often anyone scrapes
  // (the endpoint needs no credentials), and while the database is away the
  // last counts are shown with leadwire_database_up 0, not an error.
  auto queue = std::make_shared<QueueCountCache>();
  r.Add("GET", "/metrics", Access::kPublic, [&r, queue](RequestContext& ctx) -> Result<Response> {
    metrics::Gauges gauges;
    bool stale;
    {
      std::lock_guard lock(queue->mutex);
      stale = ctx.now_ms - queue->counted_at >= QueueCountCache::kEveryMs;
    }
    if (std::unique_lock counting(queue->counting, std::try_to_lock); stale && counting) {
      deliveries::QueueCounts counts;
      const auto st = r.db().Read([&](sql::Connection& c) -> Status {
        counts = QueueState(c, ctx.now_ms);
        return {};
      });
      std::lock_guard lock(queue->mutex);
      queue->counted_at = ctx.now_ms;  // tried: not again before kEveryMs
      if (st) queue->counts = counts;
    }
    {
      std::lock_guard lock(queue->mutex);
      gauges.queue_depth = queue->counts.pending;
      gauges.queue_due = queue->counts.due;
    }
    gauges.database_up = availability::IsUp();
    Response res;
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    res.body = metrics::Render(gauges);
    return res;
  });
}

}  // namespace lw::http
