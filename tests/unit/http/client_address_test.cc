// The client address behind a load balancer: X-Forwarded-For is read only
// when the peer is a trusted proxy, from the right, stopping at the first
// hop that is not a trusted proxy, so a client cannot pick its address.
#include "http/client_address.h"

#include <gtest/gtest.h>

namespace lw::http {
namespace {

Request From(const std::string& peer, const std::string& forwarded = "") {
  Request r;
  r.remote_address = peer;
  if (!forwarded.empty()) r.headers["x-forwarded-for"] = forwarded;
  return r;
}

std::vector<Cidr> Proxies() { return {*Cidr::Parse("10.0.0.0/8"), *Cidr::Parse("::1/128")}; }

TEST(ClientAddress, APeerThatIsNoTrustedProxyIsTheClient) {
  EXPECT_EQ(ClientAddress(From("203.0.113.9", "198.51.100.1"), Proxies()), "203.0.113.9");
  EXPECT_EQ(ClientAddress(From("10.0.0.5", "198.51.100.1"), {}), "10.0.0.5") << "none trusted";
}

TEST(ClientAddress, BehindTrustedProxiesTheFirstUntrustedHopFromTheRight) {
  EXPECT_EQ(ClientAddress(From("10.0.0.5", "198.51.100.1"), Proxies()), "198.51.100.1");
  EXPECT_EQ(ClientAddress(From("::1", "198.51.100.1, 10.1.1.1"), Proxies()), "198.51.100.1")
      << "two balancers";
  EXPECT_EQ(ClientAddress(From("10.0.0.5", "6.6.6.6, 198.51.100.1"), Proxies()), "198.51.100.1")
      << "what the client wrote itself is not read";
}

TEST(ClientAddress, NoHeaderOrGarbageStopsAtTheLastAddressKnown) {
  EXPECT_EQ(ClientAddress(From("10.0.0.5"), Proxies()), "10.0.0.5");
  EXPECT_EQ(ClientAddress(From("10.0.0.5", "198.51.100.1, not-an-ip"), Proxies()), "10.0.0.5");
  EXPECT_EQ(ClientAddress(From("10.0.0.5", "10.0.0.7"), Proxies()), "10.0.0.7")
      << "only proxies: the one furthest out";
}

}  // namespace
}  // namespace lw::http
