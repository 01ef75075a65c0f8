#include "common/metrics.h"

#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <sstream>
#include <string_view>

namespace lw::metrics {

namespace {

constexpr std::array<double, 12> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                             0.5,   1,    2.5,   5,    10,  15};

class Histogram {
 public:
  void Observe(double seconds) {
    for (size_t i = 0; i < kBuckets.size(); ++i)
      if (seconds <= kBuckets[i]) counts_[i].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_us_.fetch_add(int64_t(seconds * 1e6), std::memory_order_relaxed);
  }
  void Render(std::ostringstream& out, const std::string& name) const {
    for (size_t i = 0; i < kBuckets.size(); ++i)
      out << name << "_bucket{le=\"" << kBuckets[i] << "\"} " << counts_[i].load() << "\n";
    out << name << "_bucket{le=\"+Inf\"} " << count_.load() << "\n"
        << name << "_sum " << double(sum_us_.load()) / 1e6 << "\n"
        << name << "_count " << count_.load() << "\n";
  }

 private:
  std::array<std::atomic<int64_t>, kBuckets.size()> counts_{};
  std::atomic<int64_t> count_{0}, sum_us_{0};
};

struct Registry {
  Histogram http_latency, attempt_latency;
  std::mutex http_mutex;
  std::map<std::pair<std::string, int>, int64_t> http_requests;
  std::atomic<int64_t> attempts_answered{0}, attempts_unanswered{0};
  std::atomic<int64_t> delivered{0}, retried{0}, failed{0}, gone{0};
  std::atomic<int64_t> connections{0}, connections_refused{0};
  std::atomic<int64_t> database_round_trips{0};
  std::atomic<int64_t> tokens_got{0}, tokens_failed{0};
  std::atomic<int64_t> purged_deliveries{0}, purged_attempts{0}, purged_events{0};
  std::atomic<double> longest_purge_batch{0};
};

Registry& R() {
  static Registry r;
  return r;
}

// The method as a label: a request may carry any token as its method, and
// each distinct label is a series kept for good, so only the methods HTTP
// defines are named; anything else counts as "other".
std::string MethodLabel(const std::string& method) {
  static constexpr std::array<std::string_view, 9> kKnown = {
      "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"};
  for (std::string_view known : kKnown)
    if (method == known) return method;
  return "other";
}

}  // namespace

void ObserveHttp(const std::string& method, int status, double seconds) {
  R().http_latency.Observe(seconds);
  std::lock_guard lock(R().http_mutex);
  ++R().http_requests[{MethodLabel(method), status}];
}

void ObserveAttempt(std::optional<int> http_status, int64_t duration_ms) {
  R().attempt_latency.Observe(double(duration_ms) / 1000.0);
  (http_status ? R().attempts_answered : R().attempts_unanswered).fetch_add(1);
}

void CountOutcomes(int delivered, int retried, int failed, int gone) {
  R().delivered += delivered;
  R().retried += retried;
  R().failed += failed;
  R().gone += gone;
}

void CountConnections(int delta) { R().connections += delta; }

void CountRefusedConnection() { ++R().connections_refused; }

void CountDatabaseRoundTrip() { R().database_round_trips.fetch_add(1, std::memory_order_relaxed); }

void CountTokenRequest(bool got_token) { ++(got_token ? R().tokens_got : R().tokens_failed); }

void CountRetention(int64_t deliveries, int64_t attempts, int64_t events,
                    double longest_batch_seconds) {
  R().purged_deliveries += deliveries;
  R().purged_attempts += attempts;
  R().purged_events += events;
  double seen = R().longest_purge_batch.load();
  while (longest_batch_seconds > seen &&
         !R().longest_purge_batch.compare_exchange_weak(seen, longest_batch_seconds)) {
  }
}

std::string Render(const Gauges& g) {
  std::ostringstream out;
  out << "# HELP leadwire_delivery_queue_depth Pending deliveries (due now or waiting to retry).\n"
      << "# TYPE leadwire_delivery_queue_depth gauge\n"
      << "leadwire_delivery_queue_depth " << g.queue_depth << "\n"
      << "# HELP leadwire_delivery_queue_due Pending deliveries due now.\n"
      << "# TYPE leadwire_delivery_queue_due gauge\n"
      << "leadwire_delivery_queue_due " << g.queue_due << "\n"
      << "# HELP leadwire_database_up Whether this node's last transactions reached the "
         "database (0 during an outage or a full disk).\n"
      << "# TYPE leadwire_database_up gauge\n"
      << "leadwire_database_up " << (g.database_up ? 1 : 0) << "\n"
      << "# HELP leadwire_deliveries_total Attempt results by what followed.\n"
      << "# TYPE leadwire_deliveries_total counter\n"
      << "leadwire_deliveries_total{outcome=\"delivered\"} " << R().delivered << "\n"
      << "leadwire_deliveries_total{outcome=\"retry\"} " << R().retried << "\n"
      << "leadwire_deliveries_total{outcome=\"failed\"} " << R().failed << "\n"
      << "leadwire_deliveries_total{outcome=\"gone\"} " << R().gone << "\n"
      << "# HELP leadwire_delivery_attempts_total Attempts, by whether the endpoint answered.\n"
      << "# TYPE leadwire_delivery_attempts_total counter\n"
      << "leadwire_delivery_attempts_total{answered=\"true\"} " << R().attempts_answered << "\n"
      << "leadwire_delivery_attempts_total{answered=\"false\"} " << R().attempts_unanswered << "\n"
      << "# HELP leadwire_delivery_attempt_duration_seconds Attempt latency.\n"
      << "# TYPE leadwire_delivery_attempt_duration_seconds histogram\n";
  R().attempt_latency.Render(out, "leadwire_delivery_attempt_duration_seconds");
  out << "# HELP leadwire_http_requests_total API requests by method and status.\n"
      << "# TYPE leadwire_http_requests_total counter\n";
  {
    std::lock_guard lock(R().http_mutex);
    for (const auto& [key, n] : R().http_requests)
      out << "leadwire_http_requests_total{method=\"" << key.first << "\",status=\"" << key.second
          << "\"} " << n << "\n";
  }
  out << "# HELP leadwire_http_request_duration_seconds API request latency.\n"
      << "# TYPE leadwire_http_request_duration_seconds histogram\n";
  R().http_latency.Render(out, "leadwire_http_request_duration_seconds");
  out << "# HELP leadwire_http_connections Client connections open.\n"
      << "# TYPE leadwire_http_connections gauge\n"
      << "leadwire_http_connections " << R().connections << "\n"
      << "# HELP leadwire_http_connections_refused_total Connections closed at once: over "
         "--max-connections or --max-connections-per-client, or out of files.\n"
      << "# TYPE leadwire_http_connections_refused_total counter\n"
      << "leadwire_http_connections_refused_total " << R().connections_refused << "\n"
      << "# HELP leadwire_database_round_trips_total Exchanges with the database server "
         "(PostgreSQL; SQLite runs in the process and counts none).\n"
      << "# TYPE leadwire_database_round_trips_total counter\n"
      << "leadwire_database_round_trips_total " << R().database_round_trips << "\n"
      << "# HELP leadwire_oauth2_token_requests_total Token requests to rules' OAuth2 token URLs "
         "(one per token lifetime per client and node, when all is well).\n"
      << "# TYPE leadwire_oauth2_token_requests_total counter\n"
      << "leadwire_oauth2_token_requests_total{outcome=\"token\"} " << R().tokens_got << "\n"
      << "leadwire_oauth2_token_requests_total{outcome=\"failed\"} " << R().tokens_failed << "\n"
      << "# HELP leadwire_retention_deleted_total Rows deleted by retention (--retention-days).\n"
      << "# TYPE leadwire_retention_deleted_total counter\n"
      << "leadwire_retention_deleted_total{table=\"deliveries\"} " << R().purged_deliveries << "\n"
      << "leadwire_retention_deleted_total{table=\"delivery_attempts\"} " << R().purged_attempts
      << "\n"
      << "leadwire_retention_deleted_total{table=\"events\"} " << R().purged_events << "\n"
      << "# HELP leadwire_retention_longest_batch_seconds The longest one retention batch held "
         "the writer.\n"
      << "# TYPE leadwire_retention_longest_batch_seconds gauge\n"
      << "leadwire_retention_longest_batch_seconds " << R().longest_purge_batch << "\n";
  return out.str();
}

}  // namespace lw::metrics
