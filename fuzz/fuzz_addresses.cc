// URL and destination-address classification (the SSRF guard): IP address
// and CIDR parsing, the special-range verdict, the webhook URL check and the
// endpoint key. Properties: an address written back and parsed again is the
// same address with the same verdict; a range contains its own base.
#include "delivery/address_policy.h"
#include "delivery/host_key.h"
#include "fuzz_support.h"
#include "webhooks/rule_input.h"

using namespace lw;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(fuzz::Text(data, size));
  static const AddressPolicy guard;
  if (auto ip = IpAddress::Parse(text)) {
    const auto again = IpAddress::Parse(ip->ToString());
    LW_FUZZ_ASSERT(again && again->bytes == ip->bytes);
    LW_FUZZ_ASSERT(guard.Refusal(*ip) == guard.Refusal(*again));
    (void)SpecialRange(*ip);
  }
  if (auto range = Cidr::Parse(text)) LW_FUZZ_ASSERT(range->Contains(range->base));
  if (!UrlProblem(text)) LW_FUZZ_ASSERT(!HostKey(text).empty());
  (void)UrlProblem(text, /*https_only=*/true);
  return 0;
}
