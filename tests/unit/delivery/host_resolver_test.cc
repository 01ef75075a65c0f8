// HostResolver (delivery/host_resolver) with a lookup function the test
// controls: a name server that never answers holds up only its own hosts,
// lookups of one host are shared, and a lookup nobody waits for any more is
// not made.
#include "delivery/host_resolver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

namespace lw {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// What the lookup function shares with the test: kept by both, since a
// lookup's thread may still be in it after the resolver (and the test) went.
struct NameServer {
  std::atomic<int> calls = 0;
  std::mutex mutex;
  std::condition_variable released_cv;
  bool released = false;
  void Release() {
    {
      std::lock_guard lock(mutex);
      released = true;
    }
    released_cv.notify_all();
  }
};

// A resolver on an I/O thread of its own, with a lookup function where every
// host named "dead…" hangs until Release() (a name server that never answers).
class Resolver : public ::testing::Test {
 protected:
  void SetUp() override {
    resolver_ = std::make_unique<HostResolver>(io_, [ns = ns_](const std::string& host) {
      ++ns->calls;
      if (host.starts_with("dead")) {
        std::unique_lock lock(ns->mutex);
        ns->released_cv.wait(lock, [&] { return ns->released; });
        HostResolver::Answer a;
        a.error = "could not resolve host " + host + ": timed out";
        return a;
      }
      return HostResolver::Answer{{asio::ip::make_address("127.0.0.1")}, ""};
    });
    io_thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    StopResolver();
    ns_->Release();
    work_.reset();
    io_.stop();
    io_thread_.join();
  }
  // As a stopping transport does: waits woken, then the resolver goes (on
  // the I/O thread). Returns how long that took.
  std::chrono::steady_clock::duration StopResolver() {
    const auto t0 = std::chrono::steady_clock::now();
    std::promise<void> gone;
    asio::post(io_, [&] {
      if (resolver_) resolver_->WakeAll();
      resolver_.reset();
      gone.set_value();
    });
    gone.get_future().wait();
    return std::chrono::steady_clock::now() - t0;
  }
  int Calls() const { return ns_->calls; }
  void Release() { ns_->Release(); }

  // Starts a lookup; its answer arrives in the future.
  std::future<HostResolver::Answer> Resolve(const std::string& host,
                                            std::chrono::milliseconds within) {
    auto done = std::make_shared<std::promise<HostResolver::Answer>>();
    auto answer = done->get_future();
    asio::co_spawn(
        io_,
        [this, host, within, done]() -> asio::awaitable<void> {
          done->set_value(co_await resolver_->Resolve(host, HostResolver::Steady::now() + within));
        },
        asio::detached);
    return answer;
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::shared_ptr<NameServer> ns_ = std::make_shared<NameServer>();
  std::unique_ptr<HostResolver> resolver_;
  std::thread io_thread_;
};

// A hundred hosts whose name server never answers (one firm's rules to dead
// domains) time out on their own; another firm's host still resolves at once.
TEST_F(Resolver, ADeadNameServerHoldsUpOnlyItsOwnHosts) {
  std::vector<std::future<HostResolver::Answer>> dead;
  for (int i = 0; i < 100; ++i) dead.push_back(Resolve("dead-" + std::to_string(i), 200ms));
  std::this_thread::sleep_for(50ms);  // all of them under way
  const auto t0 = std::chrono::steady_clock::now();
  auto good = Resolve("receiver.example", 5s);
  ASSERT_EQ(good.wait_for(2s), std::future_status::ready);
  const auto answer = good.get();
  EXPECT_EQ(answer.error, "");
  ASSERT_EQ(answer.addresses.size(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  for (auto& d : dead) {
    ASSERT_EQ(d.wait_for(2s), std::future_status::ready);
    EXPECT_EQ(d.get().error.find("timed out") != std::string::npos, true);
  }
}

// Many webhooks to one new host make one lookup, and its answer is kept.
TEST_F(Resolver, ConcurrentLookupsOfOneHostShareOneCall) {
  std::vector<std::future<HostResolver::Answer>> answers;
  for (int i = 0; i < 50; ++i) answers.push_back(Resolve("receiver.example", 2s));
  for (auto& a : answers) {
    ASSERT_EQ(a.wait_for(3s), std::future_status::ready);
    EXPECT_EQ(a.get().addresses.size(), 1u);
  }
  EXPECT_EQ(Resolve("receiver.example", 2s).get().addresses.size(), 1u);
  EXPECT_EQ(Calls(), 1);
}

// Past the cap, lookups queue; those whose callers all gave up before their
// turn are dropped, not made: a backlog of abandoned lookups of dead hosts
// does not grow with each retry.
TEST_F(Resolver, AQueuedLookupNobodyWaitsForIsNotMade) {
  const int extra = 20;
  std::vector<std::future<HostResolver::Answer>> dead;
  for (int i = 0; i < HostResolver::kMaxLookups + extra; ++i)
    dead.push_back(Resolve("dead-" + std::to_string(i), 100ms));
  for (auto& d : dead) ASSERT_EQ(d.wait_for(2s), std::future_status::ready);
  EXPECT_EQ(Calls(), HostResolver::kMaxLookups) << "the queued ones wait, no call yet";
  Release();
  // The running lookups end; the queued ones nobody waits for are skipped.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(Calls(), HostResolver::kMaxLookups);
  // And a host asked for again is looked up afresh (failures keep 5 s, but
  // the skipped ones left nothing behind).
  auto again = Resolve("dead-" + std::to_string(HostResolver::kMaxLookups + 1), 2s);
  ASSERT_EQ(again.wait_for(3s), std::future_status::ready);
  EXPECT_EQ(Calls(), HostResolver::kMaxLookups + 1);
}

// A node stopping while a lookup hangs does not wait for it: the resolver
// goes at once, and the lookup's late answer is dropped.
TEST_F(Resolver, AStoppingResolverDoesNotWaitForAStalledLookup) {
  auto dead = Resolve("dead-at-stop", 10s);
  while (Calls() == 0) std::this_thread::sleep_for(5ms);
  EXPECT_LT(StopResolver(), 1s);
  ASSERT_EQ(dead.wait_for(2s), std::future_status::ready);
  EXPECT_NE(dead.get().error.find("timed out"), std::string::npos);
  Release();  // the late answer finds no resolver
  std::this_thread::sleep_for(50ms);
}

}  // namespace
}  // namespace lw
