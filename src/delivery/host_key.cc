#include "delivery/host_key.h"

#include "webhooks/webhook_url.h"

namespace lw {

std::string HostKey(const std::string& url) {
  // The transport's own parser, so the key agrees with where it connects.
  auto parsed = ParseWebhookUrl(url);
  return parsed ? parsed->origin : url;
}

std::string EndpointKey(int64_t org_id, const std::string& host_key) {
  return std::to_string(org_id) + "|" + host_key;
}

}  // namespace lw
