// The SSRF guard's decision: may a webhook connect to this IP address?
// Loopback, private, link-local (cloud metadata), CGNAT, multicast,
// documentation, benchmarking and reserved ranges, IPv6 ULA/link-local, and
// IPv4 embedded in IPv6 (mapped, compatible, NAT64, 6to4, Teredo) are refused
// unless an --allow-destination range contains the address. Checked at connect
// time on the resolved address. Immutable after construction; any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lw {

// An IPv4 or IPv6 address as 16 bytes (IPv4 stored as ::ffff:a.b.c.d) plus
// whether it was written as IPv4.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  bool v4 = false;

  static std::optional<IpAddress> Parse(const std::string& text);
  std::string ToString() const;
};

struct Cidr {
  IpAddress base;
  int prefix = 0;  // in the address's own family: 0–32 for IPv4, 0–128 for IPv6

  static std::optional<Cidr> Parse(
      const std::string& text);  // "10.0.0.0/8", "::1/128", "127.0.0.1"
  bool Contains(const IpAddress& a) const;
};

class AddressPolicy {
 public:
  explicit AddressPolicy(std::vector<Cidr> allowed = {}) : allowed_(std::move(allowed)) {}
  // Empty when allowed; otherwise why not ("loopback", "private", …).
  std::optional<std::string> Refusal(const IpAddress& a) const;

 private:
  std::vector<Cidr> allowed_;
};

// The special-purpose range an address falls in, if any (regardless of allow-lists).
std::optional<std::string> SpecialRange(const IpAddress& a);

}  // namespace lw
