#include "delivery/host_resolver.h"

#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <thread>

namespace lw {

namespace asio = boost::asio;

namespace {

constexpr auto kAnswerFor = std::chrono::seconds(60);
// A good answer past its minute still serves this long while a fresh lookup
// runs (the DNS server slow or down for a while does not stop deliveries).
constexpr auto kStaleFor = std::chrono::minutes(10);
constexpr auto kFailureFor = std::chrono::seconds(5);

bool Good(const HostResolver::Answer& a) { return a.error.empty() && !a.addresses.empty(); }

}  // namespace

HostResolver::Answer HostResolver::SystemLookup(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* found = nullptr;
  Answer out;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (rc != 0) {
    out.error = "could not resolve host " + host + ": " + gai_strerror(rc);
    return out;
  }
  for (addrinfo* a = found; a; a = a->ai_next) {
    if (a->ai_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(a->ai_addr);
      asio::ip::address_v4::bytes_type b;
      std::memcpy(b.data(), &in->sin_addr, 4);
      out.addresses.emplace_back(asio::ip::address_v4(b));
    } else if (a->ai_family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(a->ai_addr);
      asio::ip::address_v6::bytes_type b;
      std::memcpy(b.data(), &in6->sin6_addr, 16);
      out.addresses.emplace_back(asio::ip::address_v6(b));
    }
  }
  freeaddrinfo(found);
  if (out.addresses.empty()) out.error = "could not resolve host " + host + ": no address";
  return out;
}

HostResolver::HostResolver(asio::io_context& io, LookupFn lookup)
    : io_(io), lookup_(std::move(lookup)) {}

HostResolver::~HostResolver() {
  std::lock_guard lock(threads_->mutex);
  threads_->resolver_gone = true;
  threads_->queued.clear();  // never started
}

bool HostResolver::Launch(std::function<void()> work) {
  {
    std::lock_guard lock(threads_->mutex);
    if (threads_->running >= kMaxLookups) {
      threads_->queued.push_back(std::move(work));
      return true;
    }
    ++threads_->running;
  }
  // A thread takes the queued work after its own, so the queue drains at
  // the pace lookups end.
  auto body = [threads = threads_](std::function<void()> next) {
    while (true) {
      next();
      std::lock_guard lock(threads->mutex);
      if (threads->queued.empty()) {
        --threads->running;
        return;
      }
      next = std::move(threads->queued.front());
      threads->queued.pop_front();
    }
  };
  try {
    std::thread(std::move(body), work).detach();
    return true;
  } catch (const std::system_error&) {
    // No thread to be had (the process is at its limit): the work waits for
    // a running lookup to take it, or cannot be done if there is none.
    std::lock_guard lock(threads_->mutex);
    --threads_->running;
    if (threads_->running == 0) return false;
    threads_->queued.push_back(std::move(work));
    return true;
  }
}

std::shared_ptr<HostResolver::Lookup> HostResolver::Start(const std::string& host, bool refresh) {
  auto lookup = std::make_shared<Lookup>(io_);
  lookup->refresh = refresh;
  *lookup->waiting = refresh ? 0 : 1;  // the caller, counted before any thread can look
  under_way_[host] = lookup;
  Run(host, lookup);
  return lookup;
}

void HostResolver::Run(const std::string& host, const std::shared_ptr<Lookup>& lookup) {
  // The thread holds no Lookup (its timer belongs to the I/O context, which
  // may be gone when the thread ends): a weak reference, and the count.
  const bool launched =
      Launch([this, threads = threads_, fn = lookup_, host, weak = std::weak_ptr<Lookup>(lookup),
              waiting = lookup->waiting, refresh = lookup->refresh] {
        // Everyone who wanted it gave up while it was queued: no call, and the
        // I/O thread decides (someone may have come since).
        const bool wanted = refresh || *waiting > 0;
        Answer answer = wanted ? fn(host) : Answer{};
        std::lock_guard lock(threads->mutex);
        if (threads->resolver_gone) return;
        asio::post(io_, [this, alive = std::weak_ptr<int>(alive_), host, weak, wanted,
                         answer = std::move(answer)]() mutable {
          if (alive.expired()) return;  // the resolver went while the I/O thread still runs
          const auto lookup = weak.lock();
          if (!lookup) return;
          if (wanted) return Finish(host, lookup, std::move(answer));
          if (*lookup->waiting > 0) return Run(host, lookup);
          if (auto it = under_way_.find(host); it != under_way_.end() && it->second == lookup)
            under_way_.erase(it);
        });
      });
  if (!launched) {
    Answer none;
    none.error = "could not resolve host " + host + ": no thread for the lookup";
    Finish(host, lookup, std::move(none));
  }
}

void HostResolver::Finish(const std::string& host, const std::shared_ptr<Lookup>& lookup,
                          Answer answer) {
  lookup->answer = answer;
  lookup->finished = true;
  lookup->done.cancel();
  if (auto it = under_way_.find(host); it != under_way_.end() && it->second == lookup)
    under_way_.erase(it);
  const auto now = Steady::now();
  auto& cached = cache_[host];
  if (Good(answer)) {
    cached = {std::move(answer), now + kAnswerFor, now + kAnswerFor + kStaleFor};
  } else if (Good(cached.answer) && now < cached.stale_until) {
    // A refresh failed: the last good answer serves on, and the next
    // refresh waits as a failure would (not one lookup per webhook).
    cached.until = std::min(now + kFailureFor, cached.stale_until);
  } else {
    cached = {std::move(answer), now + kFailureFor, now + kFailureFor};
  }
}

asio::awaitable<HostResolver::Answer> HostResolver::Resolve(const std::string& host,
                                                            Steady::time_point by) {
  const auto now = Steady::now();
  if (auto it = cache_.find(host); it != cache_.end()) {
    const Cached& c = it->second;
    if (c.until > now) co_return c.answer;
    if (Good(c.answer) && now < c.stale_until) {
      if (!under_way_.count(host)) Start(host, /*refresh=*/true);
      co_return c.answer;
    }
  }
  std::shared_ptr<Lookup> lookup;
  if (auto it = under_way_.find(host); it != under_way_.end()) {
    lookup = it->second;
    ++*lookup->waiting;
  } else {
    lookup = Start(host, /*refresh=*/false);  // counts this caller
  }
  if (!lookup->finished) {
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer limit(io_, by);
    co_await (lookup->done.async_wait(asio::as_tuple(asio::use_awaitable)) ||
              limit.async_wait(asio::as_tuple(asio::use_awaitable)));
  }
  --*lookup->waiting;
  if (lookup->finished) co_return lookup->answer;
  Answer late;
  late.error = "resolving host " + host + " timed out";
  co_return late;
}

void HostResolver::WakeAll() {
  for (auto& [host, lookup] : under_way_) lookup->done.cancel();
}

void HostResolver::Prune(Steady::time_point now) {
  std::erase_if(cache_, [&](const auto& entry) {
    const Cached& c = entry.second;
    return c.stale_until <= now;
  });
}

}  // namespace lw
