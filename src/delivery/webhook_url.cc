#include "delivery/webhook_url.h"

#include <boost/url/parse.hpp>

#include "common/json_fields.h"

namespace lw {

std::optional<WebhookUrl> ParseWebhookUrl(const std::string& url) {
  auto u = boost::urls::parse_uri(url);
  if (!u || !u->has_authority()) return std::nullopt;
  WebhookUrl w;
  const std::string scheme = Lower(u->scheme());
  if (scheme == "https")
    w.tls = true;
  else if (scheme != "http")
    return std::nullopt;
  switch (u->host_type()) {
    case boost::urls::host_type::ipv4:
    case boost::urls::host_type::ipv6:
      w.host = u->host_address();  // an IPv6 address without its brackets
      w.host_is_ip = true;
      break;
    case boost::urls::host_type::name:
      w.host = Lower(u->host_name());
      break;
    default:
      return std::nullopt;  // IPvFuture: nothing connects to it
  }
  if (w.host.empty()) return std::nullopt;
  w.port = u->has_port() ? std::string(u->port()) : (w.tls ? "443" : "80");
  w.origin = scheme + "://" +
             (u->host_type() == boost::urls::host_type::ipv6 ? "[" + w.host + "]" : w.host) + ":" +
             w.port;
  w.host_header = u->encoded_host_and_port();
  w.target = u->encoded_path().empty() ? "/" : std::string(u->encoded_path());
  if (u->has_query()) w.target += "?" + std::string(u->encoded_query());
  return w;
}

}  // namespace lw
