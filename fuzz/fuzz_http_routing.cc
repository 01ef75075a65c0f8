// The router's path and query parsing and dispatch: "METHOD TARGET\n
// AUTHORIZATION\nBODY" becomes a request and goes through Router::Handle
// with routes shaped like the API's (literal segments, {id} segments, public
// and member access), against a real database for the token lookup. It must
// answer something in the error format or the route's answer, never crash.
#include <boost/json.hpp>

#include "fuzz_support.h"
#include "http/json_response.h"
#include "http/request_target.h"
#include "http/router.h"

using namespace lw;

namespace {

http::Router& Routes() {
  static SystemClock clock;
  static http::Router router = [] {
    http::Router r(fuzz::Shared().db, clock);
    auto echo = [](http::RequestContext& ctx) -> Result<http::Response> {
      boost::json::array ids;
      for (int64_t id : ctx.ids) ids.push_back(id);
      return http::JsonResponse(200, boost::json::object{{"ids", ids}, {"body", ctx.body}});
    };
    r.Add("GET", "/healthz", http::Access::kPublic, echo);
    r.Add("GET", "/api/leads", http::Access::kMember, echo);
    r.Add("POST", "/api/leads", http::Access::kPublic, echo);
    r.Add("GET", "/api/leads/{id}", http::Access::kPublic, echo);
    r.Add("PATCH", "/api/leads/{id}/notes/{id}", http::Access::kPublic, echo);
    r.Add("PUT", "/api/webhook-rules/{id}", http::Access::kAdmin, echo);
    return r;
  }();
  return router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = fuzz::Text(data, size);
  const size_t space = text.find(' ');
  const size_t line = text.find('\n');
  if (space == std::string_view::npos || line == std::string_view::npos || space > line) return 0;
  http::Request req;
  req.method = std::string(text.substr(0, space));
  http::ParseTarget(text.substr(space + 1, line - space - 1), req);
  std::string_view rest = text.substr(line + 1);
  const size_t auth_end = rest.find('\n');
  if (auth_end != std::string_view::npos) {
    if (auth_end > 0) req.headers["authorization"] = std::string(rest.substr(0, auth_end));
    req.body = std::string(rest.substr(auth_end + 1));
    req.headers["content-type"] = "application/json";
  }
  const http::Response res = Routes().Handle(req);
  LW_FUZZ_ASSERT(res.status >= 200 && res.status < 600);
  if (res.status >= 400) {
    boost::system::error_code ec;
    auto answer = boost::json::parse(res.body, ec);
    LW_FUZZ_ASSERT(!ec && answer.is_object() && answer.as_object().contains("error"));
  }
  return 0;
}
