// A delivery attempt as the transport sees it (what to send where) and what
// came back. Plain values passed between the dispatcher and transport threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lw {

struct DeliveryJob {
  int64_t delivery_id = 0;
  std::string url;
  std::string host;      // HostKey(url): the origin, computed once per rule by the dispatcher
  std::string endpoint;  // EndpointKey(org, host): the unit of concurrency and health
  std::string body;
  std::vector<std::string> headers;  // "Name: value"
};

struct DeliveryResult {
  int64_t delivery_id = 0;
  int64_t started_at_ms = 0;  // wall clock, for the attempt record
  int64_t duration_ms = 0;
  std::optional<int> http_status;  // nullopt: no HTTP answer
  std::string error;               // empty on an HTTP answer
  std::string response_excerpt;    // the first 8 KiB of the body
  std::optional<std::string> retry_after;
};

inline constexpr size_t kResponseExcerptBytes = 8 * 1024;

}  // namespace lw
