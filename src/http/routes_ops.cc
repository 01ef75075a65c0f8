// Liveness and readiness probes, and the front page.
#include <boost/json.hpp>

#include "common/metrics.h"
#include "http/json_response.h"
#include "http/routes.h"

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
      auto row = c.QueryOne(
          "SELECT COUNT(*), COALESCE(SUM(CASE WHEN next_attempt_at <= ? THEN 1 ELSE 0 END), 0) "
          "FROM deliveries WHERE status = 'pending'",
          {ctx.now_ms});
      gauges.queue_depth = row->Int(0);
      gauges.queue_due = row->Int(1);
      return {};
    }));
    Response res;
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    res.body = metrics::Render(gauges);
    return res;
  });
  r.Add("GET", "/", Access::kPublic, [](RequestContext&) -> Result<Response> {
    Response res;
    res.content_type = "text/html; charset=utf-8";
    res.body =
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Leadwire</title>"
        "</head><body><h1>Leadwire</h1><p>The API is running: see <code>/api/lookups</code> "
        "with <code>Authorization: Bearer lw_…</code>.</p></body></html>";
    return res;
  });
}

}  // namespace lw::http
