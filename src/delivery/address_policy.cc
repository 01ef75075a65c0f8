#include "delivery/address_policy.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace lw {

namespace {

bool PrefixMatch(const uint8_t* a, const uint8_t* b, int bits) {
  const int full = bits / 8, rest = bits % 8;
  if (std::memcmp(a, b, size_t(full)) != 0) return false;
  if (rest == 0) return true;
  const uint8_t mask = uint8_t(0xff << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

struct Range {
  const char* cidr;
  const char* why;
};

// IANA special-purpose registries (RFC 6890 and successors), as a webhook
// sender sees them: nothing here is a public destination.
constexpr Range kV4Ranges[] = {
    {"0.0.0.0/8", "unspecified (this network)"},
    {"10.0.0.0/8", "private"},
    {"100.64.0.0/10", "carrier-grade NAT"},
    {"127.0.0.0/8", "loopback"},
    {"169.254.0.0/16", "link-local (cloud metadata)"},
    {"172.16.0.0/12", "private"},
    {"192.0.0.0/24", "IETF protocol assignments"},
    {"192.0.2.0/24", "documentation"},
    {"192.88.99.0/24", "6to4 relay anycast"},
    {"192.168.0.0/16", "private"},
    {"198.18.0.0/15", "benchmarking"},
    {"198.51.100.0/24", "documentation"},
    {"203.0.113.0/24", "documentation"},
    {"224.0.0.0/4", "multicast"},
    {"240.0.0.0/4", "reserved"},
};

constexpr Range kV6Ranges[] = {
    {"::/128", "unspecified"},
    {"::1/128", "loopback"},
    {"::ffff:0:0/96", "IPv4-mapped"},
    {"::/96", "IPv4-compatible"},
    {"64:ff9b::/96", "NAT64"},
    {"64:ff9b:1::/48", "NAT64 (local)"},
    {"100::/64", "discard"},
    {"2001::/32", "Teredo (embedded IPv4)"},
    {"2001::/23", "IETF protocol assignments"},
    {"2001:db8::/32", "documentation"},
    {"2002::/16", "6to4 (embedded IPv4)"},
    {"3fff::/20", "documentation"},
    {"fc00::/7", "unique local"},
    {"fe80::/10", "link-local"},
    {"fec0::/10", "site-local"},
    {"ff00::/8", "multicast"},
};

struct ParsedRange {
  Cidr cidr;
  const char* why;
};

const std::vector<ParsedRange>& SpecialRanges() {
  static const std::vector<ParsedRange> ranges = [] {
    std::vector<ParsedRange> out;
    for (const Range& r : kV4Ranges) out.push_back({*Cidr::Parse(r.cidr), r.why});
    for (const Range& r : kV6Ranges) out.push_back({*Cidr::Parse(r.cidr), r.why});
    return out;
  }();
  return ranges;
}

}  // namespace

std::optional<IpAddress> IpAddress::Parse(const std::string& text) {
  IpAddress a;
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    a.v4 = true;
    a.bytes[10] = a.bytes[11] = 0xff;
    std::memcpy(a.bytes.data() + 12, &v4, 4);
    return a;
  }
  std::string t = text;
  if (t.size() > 2 && t.front() == '[' && t.back() == ']') t = t.substr(1, t.size() - 2);
  in6_addr v6{};
  if (inet_pton(AF_INET6, t.c_str(), &v6) == 1) {
    std::memcpy(a.bytes.data(), &v6, 16);
    return a;
  }
  return std::nullopt;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  if (v4) return inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof buf);
  return inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
}

std::optional<Cidr> Cidr::Parse(const std::string& text) {
  const auto slash = text.find('/');
  auto base = IpAddress::Parse(text.substr(0, slash));
  if (!base) return std::nullopt;
  const int max = base->v4 ? 32 : 128;
  int prefix = max;
  if (slash != std::string::npos) {
    const char* first = text.data() + slash + 1;
    const char* last = text.data() + text.size();
    auto [p, ec] = std::from_chars(first, last, prefix);
    if (ec != std::errc() || p != last || first == last || prefix < 0 || prefix > max)
      return std::nullopt;
  }
  return Cidr{*base, prefix};
}

bool Cidr::Contains(const IpAddress& a) const {
  if (base.v4) {
    // An IPv4 range also covers the same addresses written as IPv4-mapped IPv6.
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a.bytes.data(), kMapped, 12) != 0) return false;
    return PrefixMatch(a.bytes.data() + 12, base.bytes.data() + 12, prefix);
  }
  if (a.v4) return false;
  return PrefixMatch(a.bytes.data(), base.bytes.data(), prefix);
}

std::optional<std::string> SpecialRange(const IpAddress& a) {
  for (const auto& r : SpecialRanges()) {
    if (r.cidr.base.v4 != a.v4) continue;
    if (r.cidr.Contains(a)) return std::string(r.why);
  }
  return std::nullopt;
}

std::optional<std::string> AddressPolicy::Refusal(const IpAddress& a) const {
  auto special = SpecialRange(a);
  if (!special) return std::nullopt;
  for (const Cidr& allowed : allowed_)
    if (allowed.Contains(a)) return std::nullopt;
  return special;
}

}  // namespace lw
