// The client's address, for limits kept per client (the login throttle).
// Behind a load balancer every connection comes from the balancer, so when
// the peer is a trusted proxy (--trusted-proxy) the address comes from
// X-Forwarded-For, read from the right (the entries trusted proxies appended)
// up to the first address that is not a trusted proxy. Entries a client
// wrote itself sit left of that and are never read, so it cannot choose its
// own address; an entry that is not an address stops the walk there.
#pragma once

#include <string>
#include <vector>

#include "delivery/address_policy.h"
#include "http/message.h"

namespace lw::http {

std::string ClientAddress(const Request& req, const std::vector<Cidr>& trusted_proxies);

}  // namespace lw::http
