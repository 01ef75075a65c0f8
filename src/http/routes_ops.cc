// Liveness and readiness probes, and the front page.
#include <boost/json.hpp>

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
