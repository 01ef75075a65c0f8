// leadwire serve: the HTTP API (and, with the delivery engine, the workers).
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <iostream>

#include "app/cli_support.h"
#include "app/commands.h"
#include "app/serve_loop.h"
#include "common/file_limit.h"
#include "common/log.h"
#include "delivery/beast_transport.h"
#include "delivery/dispatcher.h"
#include "delivery/notifier.h"
#include "delivery/sharded_transport.h"
#include "http/routes.h"
#include "http/server.h"
#include "webhooks/retention.h"

namespace lw::app {

namespace {

// The client connection bounds: as asked, or (max_connections 0) what the
// open files leave after the webhooks in flight, the database and a margin,
// so that clients alone never use up the files the rest needs.
http::ServerOptions ConnectionBounds(const NodeConfig& config, uint64_t files) {
  http::ServerOptions http = config.http;
  http.unbounded_clients = config.trusted_proxies;
  http.io_threads = 2;
  http.worker_threads = 32;
  const uint64_t others =
      (config.role == "api" ? 0 : uint64_t(config.transport.max_in_flight)) + 512;
  const uint64_t room = files > others ? files - others : 0;
  if (http.max_connections == 0)
    http.max_connections = size_t(std::clamp<uint64_t>(room, 64, 10000));
  else if (http.max_connections > room)
    log::Warn("--max-connections " + std::to_string(http.max_connections) + " with only " +
              std::to_string(files) + " open files allowed: clients may use up the files");
  return http;
}

}  // namespace

int ServeDatabase(Database& db, const NodeConfig& config, const std::string& banner,
                  const std::function<void()>& on_ready) {
  auto address = http::ParseListenAddress(config.listen);
  if (!address) return Complain(address.error());
  SystemClock clock;
  http::Router router(db, clock);
  router.TrustProxies(config.trusted_proxies);
  router.LimitRate(config.rate_limit);
  if (config.role == "worker")
    http::AddOpsRoutes(router);
  else
    http::AddAllRoutes(router,
                       RulePolicy{config.https_only, config.secrets, config.mailer.has_value()});
  // Thousands of concurrent webhooks and client connections need as many
  // sockets: take what the system allows.
  const uint64_t files = RaiseOpenFileLimit();
  http::ServerOptions http = ConnectionBounds(config, files);
  http.host = address->first;
  http.port = address->second;
  std::unique_ptr<Transport> transport;
  std::optional<Dispatcher> dispatcher;
  if (config.role != "api") {
    TransportOptions options = config.transport;
    options.https_only = config.https_only;
    // Running out of sockets only puts jobs back in the queue, but wastes claims.
    if (files < uint64_t(options.max_in_flight) + 256)
      log::Warn("only " + std::to_string(files) + " open files allowed; --max-in-flight " +
                std::to_string(options.max_in_flight) + " may run out of sockets");
    // One I/O thread per shard of the endpoints, the global bound split evenly.
    const int shards = config.transport_threads;
    options.max_in_flight = (options.max_in_flight + shards - 1) / shards;
    std::vector<std::unique_ptr<Transport>> parts;
    for (int i = 0; i < shards; ++i)
      parts.push_back(
          std::make_unique<BeastTransport>(AddressPolicy(config.allow_destinations), options));
    transport = std::make_unique<ShardedTransport>(std::move(parts), options.max_per_host > 0);
    dispatcher.emplace(db, clock, *transport,
                       DispatcherOptions{.retry = config.retry, .secrets = config.secrets});
  }
  // Commits wake the dispatcher; the database outlives this function (the
  // demo writes after it), the dispatcher does not.
  std::optional<ScopedCommitListener> wake_on_commit;
  if (dispatcher) wake_on_commit.emplace(db, [&dispatcher] { dispatcher->Wake(); });
  // Other nodes' new deliveries wake this one (declared after the dispatcher,
  // so it stops before the dispatcher goes).
  std::unique_ptr<WorkWatch> watch;
  if (dispatcher) watch = db.WatchForWork([&dispatcher] { dispatcher->Wake(); });
  http::Server server([&router](const http::Request& r) { return router.Handle(r); }, http);
  auto port = server.Listen();
  if (!port) return Complain(port.error().message + "; is another program using that port?");
  if (dispatcher) dispatcher->Start();
  std::optional<RetentionLoop> retention;
  if (dispatcher && config.retention_days > 0) {
    retention.emplace(Retention(db, clock, config.retention_days),
                      RetentionInterval(config.retention_days));
    retention->Start();
  }
  const std::string host =
      address->first.find(':') != std::string::npos ? "[" + address->first + "]" : address->first;
  std::optional<Notifier> notifier;
  if (dispatcher && config.mailer) {
    const std::string ui = config.public_url.empty()
                               ? "http://" + host + ":" + std::to_string(*port)
                               : config.public_url;
    if (config.public_url.empty() && (address->first == "0.0.0.0" || address->first == "::"))
      log::Warn("the notification emails link to " + ui +
                ", which no Admin can open; give --public-url (where they reach this UI)");
    notifier.emplace(db, clock, *config.mailer, ui);
    notifier->Start();
  }
  std::cout << "Leadwire is listening on http://" << host << ":" << *port << "/" << std::endl;
  if (!banner.empty()) std::cout << banner << std::flush;
  if (on_ready) on_ready();
  server.Run();
  if (notifier) notifier->Stop();
  if (retention) retention->Stop();
  watch.reset();
  if (dispatcher) dispatcher->Stop();
  wake_on_commit.reset();
  log::Info("stopped");
  return 0;
}

namespace {

Result<std::vector<Cidr>> ParseCidrs(const std::string& flag,
                                     const std::vector<std::string>& texts) {
  std::vector<Cidr> out;
  for (const auto& text : texts) {
    auto cidr = Cidr::Parse(text);
    if (!cidr)
      return Fail(
          Error{ErrorKind::kBadRequest,
                "bad_flag",
                flag + " " + text + " is not a CIDR range; write it like 127.0.0.1/32 or ::1/128.",
                {}});
    out.push_back(*cidr);
  }
  return out;
}

}  // namespace

int RunServe(const ServeOptions& o) {
  log::SetFormat(o.log_format == "json" ? log::Format::kJson : log::Format::kText);
  if (o.role != "all" && o.role != "api" && o.role != "worker")
    return Complain("--role must be all, api or worker.");
  NodeConfig config;
  config.listen = o.listen;
  config.role = o.role;
  config.https_only = o.https_only;
  config.transport.max_in_flight = o.max_in_flight;
  config.transport.max_per_endpoint = o.max_per_endpoint;
  config.transport.max_per_host = o.max_per_host;
  config.transport_threads = o.transport_threads;
  if (!o.ca_file.empty()) {
    auto cas = TrustedCas::Load(o.ca_file);
    if (!cas) return Complain(cas.error());
    config.transport.extra_cas = std::move(*cas);
  }
  if (!o.smtp_url.empty()) {
    auto mailer = SmtpMailer::Create({o.smtp_url, o.smtp_from, o.ca_file});
    if (!mailer) return Complain(mailer.error());
    config.mailer = std::move(*mailer);
  }
  config.public_url = o.public_url;
  if (!o.egress_proxy.empty()) {
    auto proxy = EgressProxy::Parse(o.egress_proxy);
    if (!proxy) return Complain(proxy.error());
    config.transport.proxy = std::move(*proxy);
  }
  auto destinations = ParseCidrs("--allow-destination", o.allow_destinations);
  if (!destinations) return Complain(destinations.error());
  config.allow_destinations = std::move(*destinations);
  auto proxies = ParseCidrs("--trusted-proxy", o.trusted_proxies);
  if (!proxies) return Complain(proxies.error());
  config.trusted_proxies = std::move(*proxies);
  config.http.max_connections = size_t(o.max_connections);
  config.http.max_connections_per_client = size_t(o.max_connections_per_client);
  config.http.idle_timeout = std::chrono::seconds(o.idle_timeout);
  config.retention_days = o.retention_days;
  config.rate_limit = o.rate_limit;
  if (!o.retry_schedule.empty()) {
    auto schedule = RetrySchedule::Parse(o.retry_schedule);
    if (!schedule) return Complain(schedule.error());
    config.retry = std::move(*schedule);
    log::Warn("--retry-schedule " + o.retry_schedule +
              ": deliveries fail after these retries, not §6's 28 hours (for tests only)");
  }
  auto db = OpenOrExplain(o.db, DatabaseOptions{o.db_pool});
  if (!db) return 1;
  config.secrets = OpenSecretKey(*db, o.db, o.secret_key_file);
  if (!config.secrets) return 1;
  return ServeDatabase(*db, config, "");
}

}  // namespace lw::app
