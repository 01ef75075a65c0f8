#include "delivery/address_policy.h"

#include <gtest/gtest.h>

namespace lw {
namespace {

std::optional<std::string> Refusal(const std::string& ip, std::vector<std::string> allow = {}) {
  std::vector<Cidr> cidrs;
  for (const auto& a : allow) cidrs.push_back(*Cidr::Parse(a));
  auto addr = IpAddress::Parse(ip);
  EXPECT_TRUE(addr) << ip;
  return AddressPolicy(cidrs).Refusal(*addr);
}

TEST(AddressPolicy, RefusesEverySpecialIpv4Range) {
  for (const char* ip :
       {"0.0.0.0",         "0.1.2.3",        "10.0.0.1",       "10.255.255.255",  "100.64.0.1",
        "100.127.255.254", "127.0.0.1",      "127.8.9.10",     "169.254.169.254", "172.16.0.1",
        "172.31.255.255",  "192.0.0.8",      "192.0.2.1",      "192.88.99.1",     "192.168.1.1",
        "198.18.0.1",      "198.19.255.255", "198.51.100.7",   "203.0.113.9",     "224.0.0.1",
        "239.255.255.250", "240.0.0.1",      "255.255.255.255"})
    EXPECT_TRUE(Refusal(ip)) << ip;
}

TEST(AddressPolicy, AllowsPublicIpv4NextToTheRanges) {
  for (const char* ip :
       {"8.8.8.8", "1.1.1.1", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0",
        "172.15.255.255", "172.32.0.0", "192.167.255.255", "192.169.0.0", "198.17.255.255",
        "198.20.0.0", "223.255.255.255", "169.253.255.255", "126.255.255.255", "128.0.0.0"})
    EXPECT_FALSE(Refusal(ip)) << ip;
}

TEST(AddressPolicy, RefusesSpecialIpv6AndEmbeddedIpv4) {
  for (const char* ip : {"::", "::1", "fc00::1", "fd12:3456::1", "fe80::1", "febf::1", "fec0::1",
                         "ff02::1", "2001:db8::1", "100::1", "3fff::1",
                         // IPv4 embedded in IPv6: mapped, compatible, NAT64, 6to4, Teredo
                         "::ffff:127.0.0.1", "::ffff:8.8.8.8", "::ffff:10.0.0.1", "::127.0.0.1",
                         "64:ff9b::7f00:1", "64:ff9b::808:808", "64:ff9b:1::a00:1",
                         "2002:7f00:1::1", "2002:808:808::1", "2001:0:4136:e378::1", "[::1]"})
    EXPECT_TRUE(Refusal(ip)) << ip;
}

TEST(AddressPolicy, AllowsPublicIpv6) {
  for (const char* ip : {"2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "2001:4860:4860::8888",
                         "2003::1", "fbff::1"})
    EXPECT_FALSE(Refusal(ip)) << ip;
}

TEST(AddressPolicy, AllowListOpensOnlyItsRange) {
  EXPECT_FALSE(Refusal("127.0.0.1", {"127.0.0.1/32"}));
  EXPECT_TRUE(Refusal("127.0.0.2", {"127.0.0.1/32"}));
  EXPECT_FALSE(Refusal("10.1.2.3", {"10.0.0.0/8"}));
  EXPECT_TRUE(Refusal("192.168.0.1", {"10.0.0.0/8"}));
  EXPECT_FALSE(Refusal("::1", {"::1/128"}));
  EXPECT_TRUE(Refusal("::1", {"127.0.0.0/8"}));
  EXPECT_FALSE(Refusal("fd00::5", {"fd00::/8"}));
  EXPECT_FALSE(Refusal("::ffff:127.0.0.1", {"127.0.0.0/8"}));  // the same address, mapped
}

TEST(AddressPolicy, ParsesCidrs) {
  EXPECT_TRUE(Cidr::Parse("10.0.0.0/8"));
  EXPECT_TRUE(Cidr::Parse("127.0.0.1"));
  EXPECT_TRUE(Cidr::Parse("::1/128"));
  EXPECT_TRUE(Cidr::Parse("fd00::/8"));
  for (const char* bad : {"", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0/8", "nope/8",
                          "10.0.0.0/-1", "10.0.0.0/8x"})
    EXPECT_FALSE(Cidr::Parse(bad)) << bad;
  EXPECT_EQ(IpAddress::Parse("::ffff:127.0.0.1")->ToString(), "::ffff:127.0.0.1");
  EXPECT_EQ(IpAddress::Parse("127.0.0.1")->ToString(), "127.0.0.1");
}

}  // namespace
}  // namespace lw
