// EgressProxy: --egress-proxy http://[USER:PASSWORD@]HOST:PORT. Every
// webhook and OAuth2 token request goes through a CONNECT tunnel it opens to
// an address Leadwire resolved and the SSRF guard checked first (the proxy
// is never asked to resolve a name), so receivers can allow the proxy's
// fixed addresses. Plain values; any thread.
#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"

namespace lw {

struct EgressProxy {
  std::string host;  // a name or an IP address (IPv6 without brackets)
  uint16_t port = 0;
  std::string authorization;  // "Basic …" for Proxy-Authorization; empty: none
  // A "bad_flag" error names the flag and shows how to write it.
  static Result<EgressProxy> Parse(const std::string& url);
};

}  // namespace lw
