#include "http/request_target.h"

#include <boost/url/parse.hpp>

namespace lw::http {

void ParseTarget(std::string_view target, Request& req) {
  req.target = std::string(target);
  req.query.clear();
  if (auto url = boost::urls::parse_origin_form(target)) {
    req.path = url->path();
    for (const auto& p : url->params()) req.query[p.key] = p.value;
  } else {
    req.path = req.target;
  }
  if (req.path.empty()) req.path = "/";
}

}  // namespace lw::http
