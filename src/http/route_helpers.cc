#include "http/route_helpers.h"

#include <boost/json.hpp>
#include <charconv>

#include "http/json_response.h"

namespace lw::http {

namespace json = boost::json;

namespace {

Handler InTransaction(const Router& router, bool write, int status, TxHandler fn) {
  return [&router, write, status, fn = std::move(fn)](RequestContext& ctx) -> Result<Response> {
    auto body = (write ? WriteResult<json::value>
                       : ReadResult<json::value>)(router.db(),
                                                  [&](sql::Connection& c) { return fn(c, ctx); });
    if (!body) return Fail(body.error());
    return JsonResponse(status, *body);
  };
}

std::optional<int64_t> ParseInt(const std::string& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

Handler Writes(const Router& router, int status, TxHandler fn) {
  return InTransaction(router, true, status, std::move(fn));
}

Handler Reads(const Router& router, TxHandler fn) {
  return InTransaction(router, false, 200, std::move(fn));
}

Result<Paging> ReadPaging(const Request& req) {
  Paging p;
  std::map<std::string, std::string> errors;
  if (auto s = req.Query("limit"); !s.empty()) {
    auto v = ParseInt(s);
    if (!v || *v < 1 || *v > 1000)
      errors["limit"] = "must be a whole number from 1 to 1000";
    else
      p.limit = *v;
  }
  if (auto s = req.Query("offset"); !s.empty()) {
    auto v = ParseInt(s);
    if (!v || *v < 0)
      errors["offset"] = "must be a whole number, 0 or more";
    else
      p.offset = *v;
  }
  if (!errors.empty()) return Fail(Error::Validation(std::move(errors)));
  return p;
}

}  // namespace lw::http
