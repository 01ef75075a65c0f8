// Liveness and readiness probes, and metrics.
#include <boost/json.hpp>

#include "common/metrics.h"
#include "http/json_response.h"
#include "http/routes.h"
#include "webhooks/deliveries_service.h"

namespace lw::http {

namespace json = boost::json;

void AddOpsRoutes(Router& r) {
  r.Add("GET", "/healthz", Access::kPublic, [](RequestContext&) -> Result<Response> {
    return JsonResponse(200, json::object{{"status", "ok"}});
  });
  r.Add("GET", "/readyz", Access::kPublic, [&r](RequestContext&) -> Result<Response> {
    LW_CHECK(r.db().Read([](sql::Connection& c) -> Status {
      c.Query("SELECT 1");
      return {};
    }));
    return JsonResponse(200, json::object{{"status", "ready"}});
  });
  // Operational figures for Prometheus; no tenant data, only counts.
  r.Add("GET", "/metrics", Access::kPublic, [&r](RequestContext& ctx) -> Result<Response> {
    metrics::Gauges gauges;
    LW_CHECK(r.db().Read([&](sql::Connection& c) -> Status {
      const auto queue = QueueState(c, ctx.now_ms);
      gauges.queue_depth = queue.pending;
      gauges.queue_due = queue.due;
      return {};
    }));
    Response res;
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    res.body = metrics::Render(gauges);
    return res;
  });
}

}  // namespace lw::http
