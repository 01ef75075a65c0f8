#include "webhooks/webhook_url.h"

#include <arpa/inet.h>

#include <boost/url/parse.hpp>

#include "common/json_fields.h"

namespace lw {

namespace {

// An IPv6 address in its one canonical spelling ("[2001:DB8:0::1]" and
// "[2001:db8::1]" are one origin).
std::optional<std::string> CanonicalIpv6(const std::string& text) {
  in6_addr a{};
  if (inet_pton(AF_INET6, text.c_str(), &a) != 1) return std::nullopt;
  char out[INET6_ADDRSTRLEN];
  return inet_ntop(AF_INET6, &a, out, sizeof out) ? std::optional<std::string>(out) : std::nullopt;
}

// A host name as DNS spells it: labels of letters, digits, '-' and '_' (1–63
// each, 253 in all). What a URL may percent-encode beyond that (spaces,
// CR/LF, NUL) would reach the Host header and the TLS name check, and no
// name server answers for it.
bool DnsShaped(const std::string& host) {
  if (host.size() > 253) return false;
  size_t label = 0;
  for (const char ch : host) {
    if (ch == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
    if (!ok || ++label > 63) return false;
  }
  return label > 0;
}

}  // namespace

std::optional<WebhookUrl> ParseWebhookUrl(const std::string& url) {
  auto u = boost::urls::parse_uri(url);
  if (!u || !u->has_authority()) return std::nullopt;
  WebhookUrl w;
  const std::string scheme = Lower(u->scheme());
  if (scheme == "https")
    w.tls = true;
  else if (scheme != "http")
    return std::nullopt;
  bool v6 = false;
  switch (u->host_type()) {
    case boost::urls::host_type::ipv4:
      w.host = u->host_address();
      w.host_is_ip = true;
      break;
    case boost::urls::host_type::ipv6: {
      auto canonical = CanonicalIpv6(u->host_address());
      if (!canonical) return std::nullopt;
      w.host = *canonical;
      w.host_is_ip = v6 = true;
      break;
    }
    case boost::urls::host_type::name:
      // Decoded (it is what DNS, SNI and the certificate check see), lower
      // case, and without the root's trailing dot: one spelling per host.
      w.host = Lower(u->host_name());
      if (!w.host.empty() && w.host.back() == '.') w.host.pop_back();
      if (!DnsShaped(w.host)) return std::nullopt;
      break;
    default:
      return std::nullopt;  // IPvFuture: nothing connects to it
  }
  if (w.host.empty()) return std::nullopt;
  const std::string default_port = w.tls ? "443" : "80";
  if (u->has_port()) {
    // Digits only, 1–65535 (port_number() is 0 past that), written plainly.
    if (u->port().empty() || u->port_number() == 0) return std::nullopt;
    w.port = std::to_string(u->port_number());
  } else {
    w.port = default_port;
  }
  const std::string host = v6 ? "[" + w.host + "]" : w.host;
  w.origin = scheme + "://" + host + ":" + w.port;
  w.host_header = w.port == default_port ? host : host + ":" + w.port;
  w.target = u->encoded_path().empty() ? "/" : std::string(u->encoded_path());
  if (u->has_query()) w.target += "?" + std::string(u->encoded_query());
  return w;
}

}  // namespace lw
