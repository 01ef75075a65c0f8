// Connection bounds: idle sockets from one client cannot take every place,
// and the places come back when connections end.
#include "http/connection_limits.h"

#include <gtest/gtest.h>

namespace lw::http {
namespace {

namespace ip = boost::asio::ip;

TEST(ConnectionLimits, OneClientStopsAtItsBoundWhileOthersGetIn) {
  ConnectionLimits limits(10, 3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limits.Admit("192.0.2.1"));
  EXPECT_FALSE(limits.Admit("192.0.2.1"));
  EXPECT_TRUE(limits.Admit("192.0.2.2"));
  EXPECT_EQ(limits.Open(), 4u) << "a refusal takes no place";
  limits.Release("192.0.2.1");
  EXPECT_TRUE(limits.Admit("192.0.2.1")) << "an ended connection gives its place back";
}

TEST(ConnectionLimits, TheTotalBoundsEveryClientTogether) {
  ConnectionLimits limits(4, 0);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(limits.Admit("198.51.100." + std::to_string(i)));
  EXPECT_FALSE(limits.Admit("198.51.100.99"));
  limits.Release("198.51.100.0");
  EXPECT_TRUE(limits.Admit("198.51.100.99"));
  limits.Release("203.0.113.1");  // never admitted: changes nothing
  EXPECT_EQ(limits.Open(), 4u);
}

TEST(ConnectionLimits, ATrustedBalancerCountsOnlyInTheTotal) {
  ConnectionLimits limits(5, 2);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limits.Admit(""));
  EXPECT_FALSE(limits.Admit("")) << "the total still holds";
  limits.Release("");
  EXPECT_EQ(limits.Open(), 4u);
}

TEST(ConnectionLimits, ZeroMeansNoBound) {
  ConnectionLimits limits(0, 0);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limits.Admit("192.0.2.1"));
  EXPECT_EQ(limits.Open(), 1000u);
}

TEST(ClientKey, IPv6AddressesCountPerSlash64AndMappedIPv4AsIPv4) {
  EXPECT_EQ(ClientKey(ip::make_address("192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(ClientKey(ip::make_address("2001:db8:1:2:aaaa::1")),
            ClientKey(ip::make_address("2001:db8:1:2:bbbb::9")))
      << "one host's /64";
  EXPECT_NE(ClientKey(ip::make_address("2001:db8:1:2::1")),
            ClientKey(ip::make_address("2001:db8:1:3::1")));
  EXPECT_EQ(ClientKey(ip::make_address("::ffff:192.0.2.7")), "192.0.2.7");
}

// The login throttle's client, from the address as text (an IPv6 guesser
// gets one share per /64, not one per address).
TEST(ClientKey, FromTextTheSameAndTextThatIsNoAddressAsItIs) {
  EXPECT_EQ(ClientKey(std::string("2001:db8:1:2:aaaa::1")),
            ClientKey(std::string("2001:db8:1:2::9")));
  EXPECT_EQ(ClientKey(std::string("192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(ClientKey(std::string("unknown")), "unknown");
}

}  // namespace
}  // namespace lw::http
