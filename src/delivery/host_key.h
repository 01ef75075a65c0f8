// HostKey: "https://example.com:443" for a URL, its origin. EndpointKey:
// the origin as one organization uses it ("12|https://example.com:443"), the
// unit of delivery concurrency and health: firms that share a host such as
// hooks.zapier.com do not share slots. Pure; any thread.
#pragma once

#include <cstdint>
#include <string>

namespace lw {

std::string HostKey(const std::string& url);
// host_key: HostKey() of the organization's URL.
std::string EndpointKey(int64_t org_id, const std::string& host_key);

}  // namespace lw
