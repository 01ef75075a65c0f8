// HostResolver: host names to addresses for the transport, without holding
// up its I/O thread. getaddrinfo blocks and cannot be cancelled, so each
// lookup runs on a thread of its own (at most kMaxLookups at once per
// resolver), and concurrent lookups of one host share one call. A name
// server that never answers thus stalls the lookups of its own hosts, not
// everyone's: one firm's rules to dead domains cannot make another firm's
// webhooks wait for DNS. Answers are kept for a minute; past that one is
// still used, for up to ten minutes, while a fresh lookup runs (and kept
// if that fails), so a healthy host never waits on DNS again once
// resolved. Failures are kept for 5 s (a dead domain costs one stalled
// call per 5 s, not one per webhook). A caller waits only until its own
// deadline; a queued lookup nobody waits for any more is dropped. Results
// come back on the I/O thread, where Resolve, Prune and WakeAll run.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
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
  // Blocking: the system's resolver by default; tests pass their own.
  using LookupFn = std::function<Answer(const std::string& host)>;
  static Answer SystemLookup(const std::string& host);
  // Lookups running at once, at most; more wait their turn (a stalled
  // lookup holds its thread until the system resolver gives up, ~10-30 s).
  static constexpr int kMaxLookups = 256;

  explicit HostResolver(boost::asio::io_context& io, LookupFn lookup = SystemLookup);
  // Does not wait for the lookups under way (a name server that never
  // answers does not hold up a stopping node): their answers are dropped.
  ~HostResolver();
  HostResolver(const HostResolver&) = delete;
  HostResolver& operator=(const HostResolver&) = delete;

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
    // Callers waiting (changed on the I/O thread, read by the lookup's).
    std::shared_ptr<std::atomic<int>> waiting = std::make_shared<std::atomic<int>>(0);
    bool refresh = false;  // renews a cached answer: runs though nobody waits
  };
  struct Cached {
    Answer answer;
    Steady::time_point until;        // fresh until
    Steady::time_point stale_until;  // a good answer serves, refreshed, until then
  };
  // What the lookups' threads share with the resolver, and keep after it
  // went: a thread posts its answer only while the resolver (and so its
  // I/O context) is there, under this mutex.
  struct Threads {
    std::mutex mutex;
    int running = 0;
    std::deque<std::function<void()>> queued;  // beyond kMaxLookups
    bool resolver_gone = false;
  };
  std::shared_ptr<Lookup> Start(const std::string& host, bool refresh);
  void Run(const std::string& host, const std::shared_ptr<Lookup>& lookup);
  // Runs `work` on a lookup thread, or queues it; false when neither can be.
  bool Launch(std::function<void()> work);
  void Finish(const std::string& host, const std::shared_ptr<Lookup>& lookup, Answer answer);

  boost::asio::io_context& io_;
  LookupFn lookup_;
  std::unordered_map<std::string, Cached> cache_;
  std::unordered_map<std::string, std::shared_ptr<Lookup>> under_way_;
  std::shared_ptr<Threads> threads_ = std::make_shared<Threads>();
  // Gone with the resolver: answers posted to the I/O thread after it went
  // find it expired. (Destroyed on the I/O thread or after it stopped.)
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace lw
