#include "delivery/egress_proxy.h"

#include <boost/url/parse.hpp>

#include "common/crypto.h"

namespace lw {

Result<EgressProxy> EgressProxy::Parse(const std::string& url) {
  // The flag as typed, but never its user and password (this goes to a
  // terminal or a log): all before the last "@" of the authority hidden.
  std::string shown = url;
  const size_t scheme = shown.find("://");
  const size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t path = shown.find('/', start);
  if (const size_t at = shown.rfind('@', path == std::string::npos ? std::string::npos : path);
      at != std::string::npos && at >= start)
    shown.replace(start, at - start, "…");
  auto bad = [&](const std::string& why) {
    return Fail(Error{ErrorKind::kBadRequest,
                      "bad_flag",
                      "--egress-proxy " + shown + " " + why +
                          "; write it like http://proxy.internal:3128 (or "
                          "http://user:password@proxy.internal:3128)",
                      {}});
  };
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || parsed->scheme() != "http") return bad("is not an http:// URL");
  if (parsed->host().empty()) return bad("names no host");
  if (!parsed->has_port() || parsed->port_number() == 0) return bad("names no port");
  if (!parsed->encoded_path().empty() && parsed->encoded_path() != "/")
    return bad("has a path (a proxy has none)");
  EgressProxy p;
  p.port = parsed->port_number();
  p.host = parsed->host_type() == boost::urls::host_type::ipv6 ? std::string(parsed->host_address())
                                                               : std::string(parsed->host());
  if (p.host.size() > 2 && p.host.front() == '[') p.host = p.host.substr(1, p.host.size() - 2);
  if (parsed->has_userinfo())
    p.authorization = "Basic " + crypto::Base64(std::string(parsed->user()) + ":" +
                                                std::string(parsed->password()));
  return p;
}

}  // namespace lw
