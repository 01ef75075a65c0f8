// leadwire serve: the HTTP API (and, with the delivery engine, the workers).
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <iostream>

#include "app/cli_support.h"
#include "app/commands.h"
#include "app/serve_loop.h"
#include "common/log.h"
#include "http/login_throttle.h"
#include "http/routes.h"
#include "http/server.h"

namespace lw::app {

namespace {

bool ValidCidr(const std::string& text) {
  boost::system::error_code ec;
  if (text.find(':') != std::string::npos) {
    boost::asio::ip::make_network_v6(text, ec);
  } else {
    boost::asio::ip::make_network_v4(text, ec);
  }
  return !ec;
}

}  // namespace

int ServeDatabase(Database& db, const std::string& listen, const std::string& banner) {
  auto address = http::ParseListenAddress(listen);
  if (!address) return Complain(address.error());
  SystemClock clock;
  http::Router router(db, clock);
  http::LoginThrottle throttle;
  http::AddAllRoutes(router, throttle);
  http::Server server(router, {address->first, address->second, 2, 8});
  auto port = server.Listen();
  if (!port) return Complain(port.error().message + "; is another program using that port?");
  const std::string host =
      address->first.find(':') != std::string::npos ? "[" + address->first + "]" : address->first;
  std::cout << "Leadwire is listening on http://" << host << ":" << *port << "/" << std::endl;
  if (!banner.empty()) std::cout << banner << std::flush;
  server.Run();
  log::Info("stopped");
  return 0;
}

int RunServe(const ServeOptions& o) {
  if (o.role != "all" && o.role != "api" && o.role != "worker")
    return Complain("--role must be all, api or worker.");
  for (const auto& cidr : o.allow_destinations)
    if (!ValidCidr(cidr))
      return Complain("--allow-destination " + cidr +
                      " is not a CIDR range; write it like 127.0.0.1/32 or ::1/128.");
  auto db = OpenOrExplain(o.db);
  if (!db) return 1;
  return ServeDatabase(*db, o.listen, "");
}

}  // namespace lw::app
