// The web UI: one page ("/") and its scripts and styles, served from the
// files embedded at build time. The page reads everything through /api.
#include "http/routes.h"
#include "web/web_assets.h"

namespace lw::http {

namespace {

// The UI loads only its own files and never runs inline script, so injected
// markup could not run even if escaping failed somewhere; it cannot be framed.
constexpr const char* kPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

Response AssetResponse(const web::Asset& asset) {
  Response res;
  res.content_type = std::string(asset.content_type);
  res.body = std::string(asset.body);
  res.headers = {{"Content-Security-Policy", kPolicy},
                 {"Referrer-Policy", "no-referrer"},
                 // Files change with the binary; revalidating them is cheap.
                 {"Cache-Control", "no-cache"}};
  return res;
}

}  // namespace

void AddWebRoutes(Router& r) {
  for (const web::Asset& asset : web::Assets()) {
    r.Add("GET", std::string(asset.path), Access::kPublic,
          [&asset](RequestContext&) -> Result<Response> { return AssetResponse(asset); });
    if (asset.path == "/index.html")
      r.Add("GET", "/", Access::kPublic,
            [&asset](RequestContext&) -> Result<Response> { return AssetResponse(asset); });
  }
}

}  // namespace lw::http
