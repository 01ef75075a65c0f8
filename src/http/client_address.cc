#include "http/client_address.h"

#include <algorithm>

#include "common/json_fields.h"

namespace lw::http {

namespace {

bool Trusted(const std::string& text, const std::vector<Cidr>& proxies) {
  const auto address = IpAddress::Parse(text);
  return address && std::any_of(proxies.begin(), proxies.end(),
                                [&](const Cidr& c) { return c.Contains(*address); });
}

}  // namespace

std::string ClientAddress(const Request& req, const std::vector<Cidr>& trusted_proxies) {
  std::string client = req.remote_address;
  if (!Trusted(client, trusted_proxies)) return client;
  const std::string& forwarded = req.Header("x-forwarded-for");
  size_t end = forwarded.size();
  while (end > 0) {
    const size_t comma = forwarded.rfind(',', end - 1);
    const size_t begin = comma == std::string::npos ? 0 : comma + 1;
    const std::string hop = Trim(std::string_view(forwarded).substr(begin, end - begin));
    if (!IpAddress::Parse(hop)) break;
    client = hop;
    if (!Trusted(hop, trusted_proxies)) break;
    if (comma == std::string::npos) break;
    end = comma;
  }
  return client;
}

}  // namespace lw::http
