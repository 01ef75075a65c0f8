// HostResolver: host names to addresses for the transport, without holding
// up its I/O thread. getaddrinfo blocks and cannot be cancelled, so lookups
// run on a small pool of their own; concurrent lookups of one host share one
// call; answers are kept for a minute (failures for 5 s, so a dead domain
// costs one stalled call per 5 s, not one per webhook); and a caller waits
// only until its own deadline. Results come back on the I/O thread, where
// Resolve and Prune must be called.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace lw {

class HostResolver {
 public:
  using Steady = std::chrono::steady_clock;
  struct Answer {
    std::vector<boost::asio::ip::address> addresses;
    std::string error;  // set when there are none
  };

  explicit HostResolver(boost::asio::io_context& io) : io_(io) {}
  // Waits for the lookups under way (each at most the resolver's own timeout).
  ~HostResolver();

  boost::asio::awaitable<Answer> Resolve(const std::string& host, Steady::time_point by);
  // Forgets answers past their time.
  void Prune(Steady::time_point now);
  // Stops every wait under way now (they answer "timed out"): a stopping
  // transport does not wait for DNS.
  void WakeAll();

 private:
  struct Lookup {
    explicit Lookup(boost::asio::io_context& io) : done(io, Steady::time_point::max()) {}
    boost::asio::steady_timer done;  // cancelled when the answer is in: wakes the waiters
    bool finished = false;
    Answer answer;
  };
  struct Cached {
    Answer answer;
    Steady::time_point until;
  };
  std::shared_ptr<Lookup> Start(const std::string& host);

  boost::asio::io_context& io_;
  std::unordered_map<std::string, Cached> cache_;
  std::unordered_map<std::string, std::shared_ptr<Lookup>> under_way_;
  boost::asio::thread_pool pool_{4};  // last: joined first, while the rest still exists
};

}  // namespace lw
