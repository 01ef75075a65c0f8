// Runs a Leadwire node on an open database until SIGINT/SIGTERM: the HTTP
// API (role all|api; a worker serves only the ops endpoints) and the delivery
// dispatcher (role all|worker). Prints "Leadwire is listening on
// http://HOST:PORT/" (then `banner`) on stdout once it accepts connections.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/secret_box.h"
#include "common/smtp_mailer.h"
#include "delivery/address_policy.h"
#include "delivery/retry_policy.h"
#include "delivery/transport_options.h"
#include "http/server.h"
#include "store/database.h"

namespace lw::app {

struct NodeConfig {
  std::string listen = "127.0.0.1:8080";
  std::string role = "all";
  std::vector<Cidr> allow_destinations;
  bool https_only = false;
  TransportOptions transport;  // limits and trusted CAs (https_only is set from above)
  // Threads sending webhooks, each with its share of the endpoints.
  int transport_threads = 4;
  std::vector<Cidr> trusted_proxies;  // load balancers whose X-Forwarded-For is believed
  // Client connection bounds and timeouts (host and port come from `listen`);
  // max_connections 0: derived from the open-file limit.
  http::ServerOptions http{.max_connections = 0};
  double retention_days = 30;  // worker roles delete older finished deliveries; 0: never
  int rate_limit = 100;        // API requests per second per token or session; 0: none
  RetrySchedule retry = RetrySchedule::Standard();  // --retry-schedule (tests only)
  std::shared_ptr<const SecretBox> secrets;         // seals and opens stored secrets
  std::optional<SmtpMailer> mailer;  // --smtp-url: worker roles send the notifications
  std::string public_url;            // for the notifications' links; "": from `listen`
};

// on_ready runs once the node accepts connections and delivers (the demo
// creates its first lead there).
int ServeDatabase(Database& db, const NodeConfig& config, const std::string& banner,
                  const std::function<void()>& on_ready = {});

}  // namespace lw::app
