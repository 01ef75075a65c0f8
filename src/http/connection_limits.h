// ConnectionLimits: how many client connections the server holds, in all and
// per client address. Without bounds, idle sockets from one or two machines
// use up the process's files and nobody else gets an answer. Any thread.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace lw::http {

// The "client" a connection counts against: its IPv4 address, or the /64 of
// an IPv6 one (a single host is routinely given a whole /64).
std::string ClientKey(const boost::asio::ip::address& address);
// The same for an address written as text (left as it is if it is not one).
std::string ClientKey(const std::string& address);

class ConnectionLimits {
 public:
  // 0 for either bound: none.
  ConnectionLimits(size_t max_total, size_t max_per_client)
      : max_total_(max_total), max_per_client_(max_per_client) {}
  // Counts a new connection from `client`, or refuses it (false) when it
  // would pass either bound. An empty `client` (a trusted load balancer,
  // which carries everyone's connections) counts only in the total.
  bool Admit(const std::string& client);
  void Release(const std::string& client);
  size_t Open() const;

 private:
  const size_t max_total_;
  const size_t max_per_client_;
  mutable std::mutex mutex_;
  size_t open_ = 0;
  std::unordered_map<std::string, size_t> per_client_;
};

}  // namespace lw::http
