// leadwire receive: a local webhook receiver that verifies the signatures.
#include <iostream>

#include "app/cli_support.h"
#include "app/commands.h"
#include "app/webhook_receiver.h"
#include "common/crypto.h"
#include "common/ed25519.h"
#include "http/server.h"

namespace lw::app {

int RunReceive(const ReceiveOptions& o) {
  if (o.key.empty() && o.public_key.empty())
    return Complain(
        "give --key (the organization's authentication key, whsec_…) or --public-key (its "
        "Ed25519 public key, whpk_…), or both; they are shown under Webhook Rules and by GET "
        "/api/settings/webhooks.");
  if (!o.key.empty() && (!o.key.starts_with("whsec_") || !crypto::Base64Decode(o.key.substr(6))))
    return Complain(
        "--key must be the organization's authentication key (whsec_…), as shown "
        "under Webhook Rules or by GET /api/settings/webhooks.");
  if (!o.public_key.empty() && !PublicKeyBytes(o.public_key))
    return Complain(
        "--public-key must be the organization's Ed25519 public key (whpk_…), as shown under "
        "Webhook Rules or by GET /api/settings/webhooks once signing is hmac+ed25519.");
  auto address = http::ParseListenAddress(o.listen);
  if (!address) return Complain(address.error());
  SystemClock clock;
  WebhookReceiver receiver(o.key, std::cout, clock, o.public_key);
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
