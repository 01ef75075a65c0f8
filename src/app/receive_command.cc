// leadwire receive: a local webhook receiver that verifies both signatures.
#include <iostream>

#include "app/cli_support.h"
#include "app/commands.h"
#include "app/webhook_receiver.h"
#include "common/crypto.h"
#include "http/server.h"

namespace lw::app {

int RunReceive(const ReceiveOptions& o) {
  if (!o.key.starts_with("whsec_") || !crypto::Base64Decode(o.key.substr(6)))
    return Complain(
        "--key must be the organization's authentication key (whsec_…), as shown "
        "under Webhook Rules or by GET /api/settings/webhooks.");
  auto address = http::ParseListenAddress(o.listen);
  if (!address) return Complain(address.error());
  SystemClock clock;
  WebhookReceiver receiver(o.key, std::cout, clock);
  http::Server server([&receiver](const http::Request& r) { return receiver.Handle(r); },
                      {address->first, address->second, 1, 2});
  bool failed = false;
  if (o.strict)
    receiver.on_invalid = [&] {
      failed = true;
      server.Stop();
    };
  auto port = server.Listen();
  if (!port) return Complain(port.error().message + "; is another program using that port?");
  std::cout << "Leadwire receiver listening on http://" << address->first << ":" << *port << "/"
            << std::endl;
  server.Run();
  return failed ? 2 : 0;
}

}  // namespace lw::app
