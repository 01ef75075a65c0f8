// HostKey: "https://example.com:443" for a URL, the unit of per-host
// concurrency and slowness. Pure; any thread.
#pragma once

#include <string>

namespace lw {

std::string HostKey(const std::string& url);

}  // namespace lw
