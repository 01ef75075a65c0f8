#include "http/router.h"

#include <boost/json.hpp>
#include <charconv>

#include "common/crypto.h"
#include "common/json_fields.h"
#include "common/log.h"
#include "http/client_address.h"
#include "http/json_response.h"
#include "http/session_cookie.h"

namespace lw::http {

std::string Router::ClientAddress(const Request& req) const {
  return http::ClientAddress(req, trusted_proxies_);
}

namespace json = boost::json;

namespace {

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::optional<int64_t> PositiveId(const std::string& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

bool IsSafeMethod(const std::string& m) { return m == "GET" || m == "HEAD" || m == "OPTIONS"; }

Error Unauthorized(std::string message) {
  return {ErrorKind::kUnauthorized, "unauthorized", std::move(message), {}};
}

}  // namespace

void Router::Add(std::string method, const std::string& pattern, Access access, Handler handler) {
  routes_.push_back({std::move(method), Split(pattern), access, std::move(handler)});
}

Response Router::Handle(const Request& req) const {
  Result<Response> r;
  try {
    r = Dispatch(req);
  } catch (const sql::DbError& e) {
    r = Fail(ToError(e));
  } catch (const std::exception& e) {
    r = Fail(Error::Internal(e.what()));
  }
  if (r) return std::move(*r);
  // An outage is logged once by the store (store/availability.h), not per request.
  if (r.error().kind == ErrorKind::kInternal)
    log::Error(req.method + " " + req.path + ": " + r.error().message +
               (req.trace.trace_id.empty() ? "" : " trace=" + req.trace.trace_id));
  Error shown = r.error();
  if (shown.kind == ErrorKind::kInternal)
    shown.message = "Something went wrong on our side; try again.";
  return ErrorResponse(shown);
}

void Router::LimitRate(double per_second) {
  limiter_ = per_second > 0 ? std::make_unique<RateLimiter>(per_second, 2 * per_second) : nullptr;
}

Result<Identity> Router::Authenticate(const Request& req, int64_t now_ms) const {
  const std::string& auth = req.Header("authorization");
  std::optional<Identity> who;
  if (!auth.empty()) {
    if (!auth.starts_with("Bearer ") || auth.size() <= 7)
      return Fail(Unauthorized("Send Authorization: Bearer lw_… with a valid API token."));
    const std::string token = Trim(auth.substr(7));
    // Every API request asks this: one statement, one round trip.
    LW_CHECK(db_.ReadOneStatement([&](sql::Connection& c) -> Status {
      who = IdentityForToken(c, token);
      return {};
    }));
    if (!who) return Fail(Unauthorized("The API token is not valid."));
    return *who;
  }
  const std::string session = SessionFromCookie(req.Header("cookie"));
  if (session.empty())
    return Fail(Unauthorized("Log in, or send Authorization: Bearer lw_… with an API token."));
  LW_CHECK(db_.ReadOneStatement([&](sql::Connection& c) -> Status {
    who = IdentityForSession(c, session, now_ms);
    return {};
  }));
  if (!who) return Fail(Unauthorized("The session has expired; log in again."));
  // Cookies ride along on cross-site requests; a state change must also prove
  // it came from our page, which alone can read the CSRF token.
  if (!IsSafeMethod(req.method) &&
      !crypto::ConstantTimeEquals(req.Header("x-csrf-token"), who->csrf_token))
    return Fail(Error{ErrorKind::kForbidden,
                      "csrf_failed",
                      "The X-CSRF-Token header is missing or wrong; reload the page.",
                      {}});
  return *who;
}

Result<Response> Router::Dispatch(const Request& req) const {
  const std::vector<std::string> segments = Split(req.path);
  const Route* match = nullptr;
  bool path_matched = false;
  std::vector<int64_t> ids;
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::vector<int64_t> found;
    bool ok = true;
    for (size_t i = 0; ok && i < segments.size(); ++i) {
      if (route.segments[i] == "{id}") {
        auto id = PositiveId(segments[i]);
        ok = id.has_value();
        if (ok) found.push_back(*id);
      } else {
        ok = route.segments[i] == segments[i];
      }
    }
    if (!ok) continue;
    path_matched = true;
    if (route.method == req.method || (req.method == "HEAD" && route.method == "GET")) {
      match = &route;
      ids = std::move(found);
      break;
    }
  }
  if (!match) {
    if (path_matched)
      return Fail(Error{ErrorKind::kNotFound,
                        "method_not_allowed",
                        req.method + " is not supported on " + req.path + ".",
                        {}});
    return Fail(Error::NotFound("No such endpoint: " + req.path + "."));
  }

  RequestContext ctx{req, std::move(ids), {}, {}, clock_.NowMs()};
  ctx.trace = req.trace.trace_id.empty() ? TraceOfRequest(req.Header("traceparent")) : req.trace;
  if (match->access != Access::kPublic) {
    auto who = Authenticate(req, ctx.now_ms);
    if (!who) return Fail(who.error());
    ctx.who = std::move(*who);
    // Counted per user, after authentication (only valid credentials make
    // buckets), whatever the credential: not per spelling of a header (spaces
    // after "Bearer") nor per login session, which anyone could multiply.
    if (limiter_ && !limiter_->Take("user:" + std::to_string(ctx.who.user_id),
                                    std::chrono::steady_clock::now()))
      return Fail(Error{ErrorKind::kTooManyRequests,
                        "rate_limited",
                        "Too many requests for this user (its API tokens and sessions together); "
                        "at most " +
                            std::to_string(int64_t(limiter_->per_second())) +
                            " per second. Wait a second and slow down.",
                        {}});
    if (match->access == Access::kAdmin && !ctx.who.admin)
      return Fail(Error{ErrorKind::kForbidden, "forbidden", "Only an Admin may do this.", {}});
  }
  if ((req.method == "POST" || req.method == "PUT" || req.method == "PATCH") &&
      !Trim(req.body).empty()) {
    const std::string type = Lower(req.Header("content-type"));
    if (!type.starts_with("application/json"))
      return Fail(Error{ErrorKind::kUnsupportedMedia,
                        "unsupported_media_type",
                        "Send the body as JSON with Content-Type: application/json.",
                        {}});
    boost::system::error_code ec;
    json::value body = json::parse(req.body, ec);
    if (ec)
      return Fail(Error{ErrorKind::kBadRequest,
                        "malformed_json",
                        "The body is not valid JSON: " + ec.message() + ".",
                        {}});
    if (!body.is_object())
      return Fail(
          Error{ErrorKind::kBadRequest, "malformed_json", "The body must be a JSON object.", {}});
    ctx.body = std::move(body.as_object());
  }
  return match->handler(ctx);
}

}  // namespace lw::http
