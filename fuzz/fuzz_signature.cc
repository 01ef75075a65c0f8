// The receiver's signature check (what `leadwire receive` and the demo run):
// any webhook-signature, webhook-id, webhook-timestamp and
// X-Leadwire-Signature headers with any body are answered 204 or 401, never a
// crash; a request signed with the key is accepted, and the same request
// with its body changed is not.
#include <sstream>

#include "app/webhook_receiver.h"
#include "fuzz_support.h"
#include "webhooks/signature.h"

using namespace lw;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string kKey = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  static ManualClock clock(1'700'000'000'000);
  static std::ostringstream sink;
  static app::WebhookReceiver receiver(kKey, sink, clock);
  sink.str("");
  // Four header values and the body, separated by newlines.
  std::string_view text = fuzz::Text(data, size);
  std::string parts[5];
  for (int i = 0; i < 4; ++i) {
    const size_t nl = text.find('\n');
    if (nl == std::string_view::npos) return 0;
    parts[i] = std::string(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  parts[4] = std::string(text);
  http::Request req;
  req.method = "POST";
  req.path = req.target = "/";
  req.headers = {{"webhook-signature", parts[0]},
                 {"webhook-id", parts[1]},
                 {"webhook-timestamp", parts[2]},
                 {"x-leadwire-signature", parts[3]},
                 {"content-type", "application/json"}};
  req.body = parts[4];
  const int status = receiver.Handle(req).status;
  LW_FUZZ_ASSERT(status == 204 || status == 401 || status == 400);

  // Signed properly, it passes; one byte changed, it does not.
  const int64_t ts = clock.NowMs() / 1000;
  req.headers["webhook-id"] = "msg_fuzz";
  req.headers["webhook-timestamp"] = std::to_string(ts);
  req.headers["webhook-signature"] = StandardSignatureHeader({kKey}, "msg_fuzz", ts, req.body);
  req.headers["x-leadwire-signature"] = LeadwireSignature(kKey, req.body);
  LW_FUZZ_ASSERT(receiver.Handle(req).status == 204);
  req.body += "x";
  LW_FUZZ_ASSERT(receiver.Handle(req).status == 401);
  return 0;
}
