// TransportOptions: the limits and trust every real transport takes from
// `serve` (--max-in-flight, --max-per-endpoint, timeouts, --ca-file …).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "delivery/egress_proxy.h"
#include "delivery/oauth2_tokens.h"
#include "delivery/trusted_cas.h"

namespace lw {

struct TransportOptions {
  int max_in_flight = 4096;   // --max-in-flight
  int max_per_endpoint = 64;  // --max-per-endpoint
  int max_per_host = 0;       // --max-per-host (0: no cap per origin across firms)
  // A job that waited this long for its endpoint gives its delivery back (the
  // dispatcher releases the lease) instead of holding it while it is slow.
  int64_t max_wait_ms = 20000;
  long connect_timeout_ms = 5000;
  long total_timeout_ms = 15000;
  bool https_only = false;
  // Certificate authorities trusted besides the system's (--ca-file).
  std::shared_ptr<const TrustedCas> extra_cas;
  std::optional<EgressProxy> proxy;  // --egress-proxy
  // OAuth2 tokens, shared by every transport thread of the node.
  std::shared_ptr<OAuth2Tokens> tokens = std::make_shared<OAuth2Tokens>();
};

}  // namespace lw
