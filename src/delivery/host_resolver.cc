#include "delivery/host_resolver.h"

#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace lw {

namespace asio = boost::asio;

namespace {

constexpr auto kAnswerFor = std::chrono::seconds(60);
constexpr auto kFailureFor = std::chrono::seconds(5);

HostResolver::Answer Lookup(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* found = nullptr;
  HostResolver::Answer out;
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

}  // namespace

HostResolver::~HostResolver() { pool_.join(); }

std::shared_ptr<HostResolver::Lookup> HostResolver::Start(const std::string& host) {
  auto lookup = std::make_shared<Lookup>(io_);
  under_way_[host] = lookup;
  asio::post(pool_, [this, host, lookup] {
    Answer answer = lw::Lookup(host);
    // Back on the I/O thread (or never, if it has stopped meanwhile).
    asio::post(io_, [this, host, lookup, answer = std::move(answer)]() mutable {
      lookup->answer = answer;
      lookup->finished = true;
      lookup->done.cancel();
      const auto keep = answer.error.empty() ? kAnswerFor : kFailureFor;
      cache_[host] = {std::move(answer), Steady::now() + keep};
      if (auto it = under_way_.find(host); it != under_way_.end() && it->second == lookup)
        under_way_.erase(it);
    });
  });
  return lookup;
}

asio::awaitable<HostResolver::Answer> HostResolver::Resolve(const std::string& host,
                                                            Steady::time_point by) {
  const auto now = Steady::now();
  if (auto it = cache_.find(host); it != cache_.end() && it->second.until > now)
    co_return it->second.answer;
  std::shared_ptr<Lookup> lookup;
  if (auto it = under_way_.find(host); it != under_way_.end()) lookup = it->second;
  if (!lookup) lookup = Start(host);
  if (!lookup->finished) {
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer limit(io_, by);
    co_await (lookup->done.async_wait(asio::as_tuple(asio::use_awaitable)) ||
              limit.async_wait(asio::as_tuple(asio::use_awaitable)));
  }
  if (lookup->finished) co_return lookup->answer;
  Answer late;
  late.error = "resolving host " + host + " timed out";
  co_return late;
}

void HostResolver::WakeAll() {
  for (auto& [host, lookup] : under_way_) lookup->done.cancel();
}

void HostResolver::Prune(Steady::time_point now) {
  std::erase_if(cache_, [&](const auto& entry) { return entry.second.until <= now; });
}

}  // namespace lw
