// The transport against real sockets on 127.0.0.1: when the process has no
// file descriptor left for a webhook's socket, the job waits or is given
// back to the dispatcher (no attempt counted), never failed; a stop lets
// what was sent finish within its grace; a request a reused connection
// closed on is sent again and counted.
#include "delivery/beast_transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>

namespace lw {
namespace {

// A port that accepts connections in the kernel but never answers.
struct SilentPort {
  SilentPort() {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd, 128);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~SilentPort() { close(fd); }
  int fd = -1;
  int port = 0;
};

// A port that answers each request 200 after `delay`, one connection at a time.
struct SlowPort {
  explicit SlowPort(std::chrono::milliseconds delay) {
    thread = std::thread([this, delay] {
      for (;;) {
        const int fd = accept(silent.fd, nullptr, nullptr);
        if (fd < 0) return;
        accepted = true;
        char buf[4096];
        [[maybe_unused]] auto got = read(fd, buf, sizeof buf);
        std::this_thread::sleep_for(delay);
        const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        [[maybe_unused]] auto sent = write(fd, ok.data(), ok.size());
        close(fd);
      }
    });
  }
  ~SlowPort() {
    shutdown(silent.fd, SHUT_RDWR);
    thread.join();
  }
  struct SilentPort silent;
  std::atomic<bool> accepted{false};
  std::thread thread;
};

// What a transport reported from its thread: results, and jobs given back.
struct Reported {
  void Listen(Transport& transport) {
    transport.Start(
        [this](DeliveryResult r) {
          std::lock_guard lock(mutex);
          results.push_back(std::move(r));
        },
        [this](std::vector<int64_t> ids) {
          std::lock_guard lock(mutex);
          returned.insert(returned.end(), ids.begin(), ids.end());
        });
  }
  // Waits until `n` jobs ended one way or the other; false after `timeout`.
  bool WaitFor(size_t n, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      {
        std::lock_guard lock(mutex);
        if (results.size() + returned.size() >= n) return true;
      }
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  std::mutex mutex;
  std::vector<DeliveryResult> results;
  std::vector<int64_t> returned;
};

size_t OpenFiles() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
    ++n;
  return n;
}

// CPU time (ms) the process's thread named `name` has used so far.
int64_t ThreadCpuMs(const std::string& name) {
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string got;
    std::getline(comm, got);
    if (got != name) continue;
    std::ifstream stat(task.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    int64_t utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14) utime = std::stoll(field);
      if (i == 15) stime = std::stoll(field);
    }
    return (utime + stime) * 1000 / sysconf(_SC_CLK_TCK);
  }
  return -1;
}

DeliveryJob JobTo(int port, int64_t id, const std::string& endpoint = "local") {
  DeliveryJob job;
  job.delivery_id = id;
  job.url = "http://127.0.0.1:" + std::to_string(port) + "/hook";
  job.body = "{}";
  job.host = job.endpoint = endpoint;
  return job;
}

std::unique_ptr<Transport> Make(TransportOptions options = {}) {
  return std::make_unique<BeastTransport>(AddressPolicy({*Cidr::Parse("127.0.0.1/32")}), options);
}

// Sends a webhook to `port`, then once it has ended another, and stops;
// false unless each ended within 5 s.
bool SendOneThenAnother(int port, Reported& reported) {
  auto transport = Make();
  reported.Listen(*transport);
  transport->Submit({JobTo(port, 1)});
  bool ended = reported.WaitFor(1, std::chrono::seconds(5));
  if (ended) {
    transport->Submit({JobTo(port, 2)});
    ended = reported.WaitFor(2, std::chrono::seconds(5));
  }
  transport->Stop(std::chrono::milliseconds(0));
  return ended;
}

// Lowers this process's open-file limit to `files` until Restore() or the
// end of the scope, so a failed assertion does not leave other tests short.
class FileLimit {
 public:
  explicit FileLimit(rlim_t files) {
    getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit tight = saved_;
    tight.rlim_cur = files;
    set_ = setrlimit(RLIMIT_NOFILE, &tight) == 0;
  }
  ~FileLimit() { Restore(); }
  bool set() const { return set_; }
  void Restore() {
    if (std::exchange(set_, false)) setrlimit(RLIMIT_NOFILE, &saved_);
  }

 private:
  rlimit saved_{};
  bool set_ = false;
};

// Out of files: the jobs that find no socket wait in their queue (no attempt
// counted, nothing failed for it) while the transport pauses instead of
// trying in a loop, and go out once sockets are free again.
TEST(BeastTransport, AJobThatFindsNoFreeSocketWaitsWithoutSpinningAndGoesOutLater) {
  SilentPort silent;
  TransportOptions options;
  options.total_timeout_ms = 300;
  options.connect_timeout_ms = 300;
  auto made = Make(options);
  Transport& transport = *made;
  Reported reported;
  reported.Listen(transport);
  // Room for three more files, then ten webhooks at once.
  FileLimit limit(rlim_t(OpenFiles() + 3));
  ASSERT_TRUE(limit.set());
  std::vector<DeliveryJob> jobs;
  for (int i = 1; i <= 10; ++i) jobs.push_back(JobTo(silent.port, i, "silent"));
  const int64_t cpu_before = ThreadCpuMs("lw-transport");
  transport.Submit(std::move(jobs));
  std::this_thread::sleep_for(std::chrono::seconds(2));  // starved of files all along
  const int64_t cpu_starved = ThreadCpuMs("lw-transport") - cpu_before;
  limit.Restore();
  ASSERT_TRUE(reported.WaitFor(10, std::chrono::seconds(15)))
      << "every job ends one way or the other";
  transport.Stop(std::chrono::milliseconds(0));
  std::lock_guard lock(reported.mutex);
  EXPECT_EQ(reported.results.size(), 10u)
      << "sent once sockets were free, none given back or failed";
  // Each had a socket in the end: the silent port let it wait until its timeout.
  for (const auto& r : reported.results)
    EXPECT_NE(r.error.find("imed out"), std::string::npos) << r.error;
  EXPECT_LT(cpu_starved, 200) << "paused while out of files, not trying in a loop";
}

// A job that waited for a socket goes out whole: the body it was given, not
// what was left of it after the first try.
TEST(BeastTransport, AJobThatWaitedForASocketIsSentWhole) {
  SilentPort port;
  std::mutex seen_mutex;
  std::vector<std::string> seen;
  std::thread server([&] {
    const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    for (int i = 0; i < 4; ++i) {
      const int fd = accept(port.fd, nullptr, nullptr);
      if (fd < 0) return;
      std::string request;
      char buf[4096];
      // Until the body's closing brace: every request here has one.
      while (request.find('}') == std::string::npos) {
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        request.append(buf, size_t(n));
      }
      {
        std::lock_guard lock(seen_mutex);
        seen.push_back(request.substr(request.find("\r\n\r\n") + 4));
      }
      [[maybe_unused]] auto sent = write(fd, ok.data(), ok.size());
      close(fd);
    }
  });
  auto made = Make();
  Transport& transport = *made;
  Reported reported;
  reported.Listen(transport);
  FileLimit limit(rlim_t(OpenFiles() + 1));
  ASSERT_TRUE(limit.set());
  std::vector<DeliveryJob> jobs;
  for (int i = 1; i <= 4; ++i) {
    jobs.push_back(JobTo(port.port, i, "e" + std::to_string(i)));
    jobs.back().body = "{\"n\":" + std::to_string(i) + "}";
  }
  transport.Submit(std::move(jobs));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  limit.Restore();
  const bool ended = reported.WaitFor(4, std::chrono::seconds(10));
  transport.Stop(std::chrono::milliseconds(0));
  shutdown(port.fd, SHUT_RDWR);
  server.join();
  ASSERT_TRUE(ended);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}"}));
  for (const auto& r : reported.results) EXPECT_EQ(r.http_status, 200) << r.error;
}

// A name is resolved, and only the addresses the SSRF guard allows are
// connected to: "localhost" is ::1 and 127.0.0.1, and only the second is
// allowed here.
TEST(BeastTransport, ANameConnectsOnlyToTheAddressesTheGuardAllows) {
  SlowPort port(std::chrono::milliseconds(0));
  auto made = Make();
  Transport& transport = *made;
  Reported reported;
  reported.Listen(transport);
  DeliveryJob job = JobTo(port.silent.port, 1);
  job.url = "http://localhost:" + std::to_string(port.silent.port) + "/hook";
  DeliveryJob refused = JobTo(port.silent.port, 2, "other");
  refused.url = "http://[::1]:" + std::to_string(port.silent.port) + "/hook";
  transport.Submit({job, refused});
  ASSERT_TRUE(reported.WaitFor(2, std::chrono::seconds(10)));
  transport.Stop(std::chrono::milliseconds(0));
  std::lock_guard lock(reported.mutex);
  ASSERT_EQ(reported.results.size(), 2u);
  for (const auto& r : reported.results) {
    if (r.delivery_id == 1) {
      EXPECT_EQ(r.http_status, 200) << r.error;
    } else {
      EXPECT_FALSE(r.http_status);
      EXPECT_NE(r.error.find("refused by the SSRF guard: ::1 is loopback"), std::string::npos)
          << r.error;
    }
  }
}

// Of a large answer (here 1 MiB, chunked) exactly its first
// kResponseCaptureBytes are kept; the rest is read and dropped, and the
// connection serves the next webhook.
TEST(BeastTransport, ALargeAnswerKeepsExactlyItsStart) {
  SilentPort port;
  std::string body;
  for (int i = 0; body.size() < 1024 * 1024; ++i) body += std::to_string(i) + ",";
  std::atomic<int> accepted{0};
  std::thread server([&] {
    char buf[8192];
    const int fd = accept(port.fd, nullptr, nullptr);
    if (fd < 0) return;
    ++accepted;
    for (int request = 0; request < 2 && read(fd, buf, sizeof buf) > 0; ++request) {
      std::string answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
      for (size_t at = 0; at < body.size(); at += 3000) {
        const std::string chunk = body.substr(at, 3000);
        char size[16];
        snprintf(size, sizeof size, "%zx\r\n", chunk.size());
        answer += size + chunk + "\r\n";
      }
      answer += "0\r\n\r\n";
      for (size_t sent = 0; sent < answer.size();) {
        const ssize_t n = write(fd, answer.data() + sent, answer.size() - sent);
        if (n <= 0) break;
        sent += size_t(n);
      }
    }
    close(fd);
  });
  Reported reported;
  const bool both = SendOneThenAnother(port.port, reported);
  server.join();
  ASSERT_TRUE(both);
  EXPECT_EQ(accepted, 1) << "one connection for both";
  std::lock_guard lock(reported.mutex);
  for (const auto& r : reported.results) {
    EXPECT_EQ(r.http_status, 200) << r.error;
    EXPECT_EQ(r.response_excerpt, body.substr(0, kResponseCaptureBytes));
  }
}

// A connection that switched protocols (101) is not HTTP any more: the next
// webhook opens a new one.
TEST(BeastTransport, AConnectionThatSwitchedProtocolsIsNotReused) {
  SilentPort port;
  std::atomic<int> accepted{0};
  std::thread server([&] {
    const std::string switched =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    char buf[8192];
    for (int i = 0; i < 2; ++i) {
      const int fd = accept(port.fd, nullptr, nullptr);
      if (fd < 0) return;
      ++accepted;
      if (read(fd, buf, sizeof buf) > 0) {
        [[maybe_unused]] auto sent = write(fd, switched.data(), switched.size());
      }
      // Holds the connection open, as an upgraded one would be.
      std::this_thread::sleep_for(std::chrono::milliseconds(i == 0 ? 1500 : 0));
      close(fd);
    }
  });
  Reported reported;
  const bool both = SendOneThenAnother(port.port, reported);
  server.join();
  ASSERT_TRUE(both);
  EXPECT_EQ(accepted, 2) << "a new connection for the second webhook";
  std::lock_guard lock(reported.mutex);
  for (const auto& r : reported.results) {
    EXPECT_EQ(r.http_status, 101) << r.error;
    EXPECT_EQ(r.requests_sent, 1) << "not first sent on the switched connection";
  }
}

// Out of files for longer than a job may wait: it is given back (another
// node, or this one later, sends it), not kept waiting round after round.
TEST(BeastTransport, AJobThatFindsNoSocketForLongIsGivenBack) {
  SilentPort silent;
  TransportOptions options;
  options.max_wait_ms = 3000;  // longer than the longest pause between tries (2 s)
  auto made = Make(options);
  Transport& transport = *made;
  Reported reported;
  reported.Listen(transport);
  // No descriptor at all: the limit is the lowest one free, so none is.
  const int lowest_free = open("/dev/null", O_RDONLY);
  ASSERT_GE(lowest_free, 0);
  close(lowest_free);
  FileLimit limit{rlim_t(lowest_free)};
  ASSERT_TRUE(limit.set());
  transport.Submit({JobTo(silent.port, 7, "silent")});
  const bool ended = reported.WaitFor(1, std::chrono::seconds(8));
  limit.Restore();
  transport.Stop(std::chrono::milliseconds(0));
  ASSERT_TRUE(ended);
  std::lock_guard lock(reported.mutex);
  EXPECT_EQ(reported.returned, std::vector<int64_t>{7});
  EXPECT_TRUE(reported.results.empty()) << "no attempt counted";
}

// A graceful stop: a request already sent is answered within the grace and
// its result reported (a duplicate spared); past the grace it is abandoned.
TEST(BeastTransport, StopLetsRequestsAlreadySentFinishWithinTheGrace) {
  SlowPort slow(std::chrono::milliseconds(300));
  auto made = Make();
  Transport& transport = *made;
  Reported reported;
  reported.Listen(transport);
  transport.Submit({JobTo(slow.silent.port, 1)});
  while (!slow.accepted) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  transport.Stop(std::chrono::seconds(5));
  std::lock_guard lock(reported.mutex);
  ASSERT_EQ(reported.results.size(), 1u);
  EXPECT_EQ(reported.results[0].http_status, 200);
}

TEST(BeastTransport, StopAbandonsWhatIsNotAnsweredWithinTheGrace) {
  SilentPort silent;
  auto made = Make();
  Transport& transport = *made;
  std::atomic<int> results{0};
  transport.Start([&](DeliveryResult) { ++results; }, [](std::vector<int64_t>) {});
  transport.Submit({JobTo(silent.port, 1)});
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto start = std::chrono::steady_clock::now();
  transport.Stop(std::chrono::milliseconds(300));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(results, 0) << "no result: the dispatcher gives the lease back";
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::seconds(2));
}

// A receiver that answers the first request on a connection and closes the
// connection on the second without a word: each client sends that second
// request again at once on a new connection, so the receiver saw two.
// The result says so (each is kept as an attempt).
TEST(BeastTransport, ARequestSentAgainOnANewConnectionIsCounted) {
  SilentPort port;
  std::atomic<int> requests{0};
  std::thread server([&] {
    const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    char buf[8192];
    const int first = accept(port.fd, nullptr, nullptr);
    if (read(first, buf, sizeof buf) > 0) ++requests;
    [[maybe_unused]] auto sent = write(first, ok.data(), ok.size());
    if (read(first, buf, sizeof buf) > 0) ++requests;
    close(first);  // the second request, unanswered
    const int second = accept(port.fd, nullptr, nullptr);
    if (read(second, buf, sizeof buf) > 0) ++requests;
    sent = write(second, ok.data(), ok.size());
    close(second);
  });
  Reported reported;
  const bool both = SendOneThenAnother(port.port, reported);
  server.join();
  ASSERT_TRUE(both);
  std::lock_guard lock(reported.mutex);
  const auto& results = reported.results;
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].requests_sent, 1);
  EXPECT_EQ(results[1].http_status, 200);
  EXPECT_EQ(results[1].requests_sent, 2) << "the receiver saw it twice";
  EXPECT_EQ(requests, 3);
}

}  // namespace
}  // namespace lw
