// Request and Response as plain values, so handlers and tests never include
// Beast: the server converts at the edge (http/server.cc).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/trace_context.h"

namespace lw::http {

struct Request {
  std::string method;                          // "GET", "POST", …
  std::string target;                          // path and query, as sent
  std::string path;                            // decoded path, no query
  std::map<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string remote_address;
  // Its traceparent's trace, or a new one (set where the request is read;
  // empty in a request made by hand, which the router then sets).
  TraceContext trace;

  const std::string& Header(const std::string& lower_name) const {
    static const std::string kEmpty;
    auto it = headers.find(lower_name);
    return it == headers.end() ? kEmpty : it->second;
  }
  std::string Query(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace lw::http
