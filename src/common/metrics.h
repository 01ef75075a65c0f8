// Process-wide counters and histograms for GET /metrics (Prometheus text
// format): HTTP requests, delivery attempts and outcomes. Lock-free atomics
// except the per-(method, status) request counts. Any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace lw::metrics {

void ObserveHttp(const std::string& method, int status, double seconds);
void ObserveAttempt(std::optional<int> http_status, int64_t duration_ms);
void CountOutcomes(int delivered, int retried, int failed, int gone);
// Client connections open (delta ±1), and those refused (over a bound, or
// out of files).
void CountConnections(int delta);
void CountRefusedConnection();
// One exchange with the database server (PostgreSQL: a statement, a pipeline
// up to its sync, a prepare; each wakes this process and a server backend,
// which is what a lead and a delivery pay for there).
void CountDatabaseRoundTrip();
// An OAuth2 token request ended: a token, or a failure.
void CountTokenRequest(bool got_token);
// What a retention run deleted, and the longest one of its batches took.
void CountRetention(int64_t deliveries, int64_t attempts, int64_t events,
                    double longest_batch_seconds);

struct Gauges {
  int64_t queue_depth = 0;  // pending deliveries due or waiting for a retry
  int64_t queue_due = 0;    // pending deliveries due now
  bool database_up = true;  // the node's last transactions reached the database
};
std::string Render(const Gauges& gauges);

}  // namespace lw::metrics
