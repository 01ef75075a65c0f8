// WebhookUrl: a rule's URL as the transport sends to it — scheme, host, port,
// the request target, and the origin that keys connections and endpoints.
// One parser (Boost.URL) for both, so an endpoint's key always agrees with
// where its connections go. Pure; any thread.
#pragma once

#include <optional>
#include <string>

namespace lw {

struct WebhookUrl {
  bool tls = false;  // https
  std::string host;  // lower case; an IPv6 address without brackets
  bool host_is_ip = false;
  std::string port;         // the URL's (1–65535, no leading zeros), or 80/443
  std::string origin;       // "https://example.com:443"
  std::string host_header;  // host, and :port unless the scheme's own
  std::string target;       // path and query ("/" when empty)
};

// Nullopt unless an absolute http(s) URL with a host and a usable port.
std::optional<WebhookUrl> ParseWebhookUrl(const std::string& url);

}  // namespace lw
