// Router: matches a request to a route, authenticates it, checks the role and
// the body (415 not JSON, 400 malformed), then runs the route's handler and
// turns its Error into the §2 error format. Handle() blocks (handlers use the
// database), so the server calls it on a worker thread, never an I/O thread.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "common/trace_context.h"
#include "delivery/address_policy.h"
#include "domain/actor.h"
#include "domain/users.h"
#include "http/message.h"
#include "http/rate_limiter.h"
#include "store/database.h"

namespace lw::http {

enum class Access { kPublic, kMember, kAdmin };

struct RequestContext {
  const Request& req;
  std::vector<int64_t> ids;  // the {id} segments of the path, in order
  Identity who;
  boost::json::object body;
  int64_t now_ms = 0;
  // The request's traceparent, or a new trace (common/trace_context).
  TraceContext trace = {};

  Actor actor() const {
    return {who.org_id, who.user_id, who.name, who.admin, now_ms, trace.Stored()};
  }
  int64_t id(size_t i = 0) const { return ids.at(i); }
};

using Handler = std::function<Result<Response>(RequestContext&)>;

class Router {
 public:
  Router(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // pattern: "/api/leads/{id}/notes"; each {id} matches a positive integer.
  void Add(std::string method, const std::string& pattern, Access access, Handler handler);
  Response Handle(const Request& req) const;

  Database& db() const { return db_; }
  const Clock& clock() const { return clock_; }

  // Load balancers whose X-Forwarded-For is believed (see client_address.h).
  // Set before serving.
  void TrustProxies(std::vector<Cidr> proxies) { trusted_proxies_ = std::move(proxies); }
  std::string ClientAddress(const Request& req) const;
  // Authenticated requests per second per API token or session (a burst of
  // two seconds' worth); 0: no limit. Set before serving.
  void LimitRate(double per_second);

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Access access;
    Handler handler;
  };
  Result<Response> Dispatch(const Request& req) const;
  Result<Identity> Authenticate(const Request& req, int64_t now_ms) const;

  Database& db_;
  const Clock& clock_;
  std::vector<Route> routes_;
  std::vector<Cidr> trusted_proxies_;
  std::unique_ptr<RateLimiter> limiter_;  // null: no limit
};

}  // namespace lw::http
