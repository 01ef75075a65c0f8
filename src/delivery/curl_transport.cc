#include "delivery/curl_transport.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "common/clock.h"
#include "common/named_thread.h"

namespace lw {

struct CurlTransport::Transfer {
  const AddressPolicy* policy = nullptr;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  DeliveryJob job;
  DeliveryResult result;
  std::chrono::steady_clock::time_point started;
  std::string ssrf_refusal;
  bool no_socket = false;  // the process ran out of file descriptors
  int requests = 0;        // sent for this transfer (libcurl resends on a dead reused connection)
  char error[CURL_ERROR_SIZE] = {};
};

namespace {

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* excerpt = static_cast<std::string*>(user);
  const size_t bytes = size * n;
  if (excerpt->size() < kResponseCaptureBytes)
    excerpt->append(data, std::min(bytes, kResponseCaptureBytes - excerpt->size()));
  return bytes;  // keep reading (and discarding) the rest
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* result = static_cast<DeliveryResult*>(user);
  std::string_view line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size() && strncasecmp(line.data(), kName.data(), kName.size()) == 0)
    result->retry_after = std::string(line.substr(kName.size()));
  return size * n;
}

curl_socket_t OpenSocket(void* user, curlsocktype, curl_sockaddr* address) {
  auto* t = static_cast<CurlTransport::Transfer*>(user);
  IpAddress ip;
  if (address->family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address->addr);
    ip.v4 = true;
    ip.bytes[10] = ip.bytes[11] = 0xff;
    std::memcpy(ip.bytes.data() + 12, &in->sin_addr, 4);
  } else if (address->family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address->addr);
    std::memcpy(ip.bytes.data(), &in6->sin6_addr, 16);
  } else {
    t->ssrf_refusal = "refused by the SSRF guard: not an IP address";
    return CURL_SOCKET_BAD;
  }
  if (auto why = t->policy->Refusal(ip)) {
    t->ssrf_refusal = "refused by the SSRF guard: " + ip.ToString() + " is " + *why +
                      " (allow it with --allow-destination)";
    return CURL_SOCKET_BAD;
  }
  const int fd = socket(address->family, address->socktype, address->protocol);
  if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM))
    t->no_socket = true;
  return fd < 0 ? CURL_SOCKET_BAD : fd;
}

// curl's CURLOPT_PREREQFUNCTION: called before each request goes out,
// again when libcurl resends it because a reused connection died first.
int OnRequest(void* user, char*, char*, int, int) {
  ++static_cast<CurlTransport::Transfer*>(user)->requests;
  return CURL_PREREQFUNC_OK;
}

// curl's CURLOPT_SSL_CTX_FUNCTION: each new TLS context also trusts --ca-file.
CURLcode AddExtraCas(CURL*, void* ssl_ctx, void* cas) {
  static_cast<const TrustedCas*>(cas)->AddTo(ssl_ctx);
  return CURLE_OK;
}

}  // namespace

CurlTransport::CurlTransport(AddressPolicy policy, TransportOptions options)
    : policy_(std::move(policy)), options_(options), jobs_(options) {
  static const bool init = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  (void)init;
  // One thread uses these handles, so the share needs no locks.
  share_ = curl_share_init();
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  multi_ = curl_multi_init();
  if (options_.max_per_host > 0)
    curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, long(options_.max_per_host));
  // Idle connections kept for reuse: as many as can be busy at once.
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, long(options_.max_in_flight) * 4);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, OnSocket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, OnTimer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
}

CurlTransport::~CurlTransport() {
  Stop(std::chrono::milliseconds(0));
  curl_multi_cleanup(multi_);
  curl_share_cleanup(share_);
  close(wake_fd_);
  close(epoll_fd_);
}

int CurlTransport::OnSocket(void*, int fd, int what, void* self_ptr, void* socketp) {
  auto* self = static_cast<CurlTransport*>(self_ptr);
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(self->epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    return 0;
  }
  epoll_event ev{};
  ev.data.fd = fd;
  if (what & CURL_POLL_IN) ev.events |= EPOLLIN;
  if (what & CURL_POLL_OUT) ev.events |= EPOLLOUT;
  // socketp marks a socket already in the epoll set (curl forgets it on REMOVE).
  if (epoll_ctl(self->epoll_fd_, socketp ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0)
    epoll_ctl(self->epoll_fd_, socketp ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
  if (!socketp) curl_multi_assign(self->multi_, fd, self);
  return 0;
}

int CurlTransport::OnTimer(void*, long timeout_ms, void* self_ptr) {
  auto* self = static_cast<CurlTransport*>(self_ptr);
  self->timer_ = timeout_ms < 0
                     ? std::chrono::steady_clock::time_point::max()
                     : std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  ++self->timer_sets_;
  return 0;
}

void CurlTransport::Wakeup() {
  const uint64_t one = 1;
  [[maybe_unused]] auto n = write(wake_fd_, &one, sizeof one);
}

void CurlTransport::Start(ResultSink results, ReturnSink returned) {
  sink_ = std::move(results);
  returned_ = std::move(returned);
  running_ = true;
  thread_ = NamedThread("lw-transport", [this] { Run(); });
}

void CurlTransport::Stop(std::chrono::milliseconds grace) {
  finish_by_ = std::chrono::steady_clock::now() + grace;
  if (!running_.exchange(false)) return;
  Wakeup();
  thread_.join();
}

void CurlTransport::Submit(std::vector<DeliveryJob> jobs) {
  if (jobs.empty()) return;
  jobs_.Add(std::move(jobs));
  Wakeup();
}

size_t CurlTransport::Load() const { return jobs_.Load(); }
std::set<std::string> CurlTransport::FullEndpoints() const { return jobs_.Full(); }
std::set<std::string> CurlTransport::BusyEndpoints() const { return jobs_.Busy(); }

void* CurlTransport::NewHandle() {
  // What every request has in common.
  CURL* e = curl_easy_init();
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);  // 3xx is an answer, not a hop
  curl_easy_setopt(e, CURLOPT_PROXY, "");           // never via a proxy from the environment
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, options_.total_timeout_ms);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, OpenSocket);
  curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, OnRequest);
  curl_easy_setopt(e, CURLOPT_SHARE, share_);
  // TLS: the peer's certificate and host name are always verified.
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  if (options_.extra_cas) {
    curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, AddExtraCas);
    curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, options_.extra_cas.get());
  }
  return e;
}

void CurlTransport::StartWaiting() {
  ScheduledJobs::Due due = jobs_.TakeDue();
  if (!due.given_back.empty()) returned_(std::move(due.given_back));
  for (auto& job : due.startable) Begin(std::move(job));
}

void CurlTransport::Begin(DeliveryJob job) {
  auto* t = new Transfer;
  t->policy = &policy_;
  active_.insert(t);
  t->job = std::move(job);
  t->result.delivery_id = t->job.delivery_id;
  t->result.started_at_ms = SystemClock().NowMs();
  t->started = std::chrono::steady_clock::now();
  if (options_.https_only && !t->job.url.starts_with("https://")) {
    t->result.error = "refused: this server delivers only to https:// URLs (--https-only)";
    Finish(t, CURLE_UNSUPPORTED_PROTOCOL);
    return;
  }
  // Finished handles are reused with their options, connections and buffers;
  // only what belongs to this request is set again.
  CURL* e = t->easy = spare_.empty() ? NewHandle() : spare_.back();
  if (!spare_.empty()) spare_.pop_back();
  for (const auto& h : t->job.headers) t->headers = curl_slist_append(t->headers, h.c_str());
  t->headers = curl_slist_append(t->headers, "Expect:");  // no 100-continue round trip
  curl_easy_setopt(e, CURLOPT_URL, t->job.url.c_str());
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->job.body.data());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(t->job.body.size()));
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t->result.response_excerpt);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &t->result);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t);
  curl_easy_setopt(e, CURLOPT_PREREQDATA, t);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
  curl_easy_setopt(e, CURLOPT_PRIVATE, t);
  if (curl_multi_add_handle(multi_, e) != CURLM_OK) {
    // curl could not take it (out of memory): like a missing socket, this
    // node's trouble; without a result its lease would be renewed forever.
    t->no_socket = true;
    Finish(t, CURLE_FAILED_INIT);
  }
}

namespace {

// What went wrong, in words an Admin can act on; curl's own detail follows.
std::string DescribeFailure(int code, const char* detail) {
  std::string what;
  switch (code) {
    case CURLE_PEER_FAILED_VERIFICATION:
      what = "TLS certificate not accepted";
      break;
    case CURLE_SSL_CONNECT_ERROR:
      what = "TLS handshake failed";
      break;
    default:
      what = curl_easy_strerror(CURLcode(code));
  }
  if (detail[0]) what += std::string(": ") + detail;
  return what;
}

}  // namespace

void CurlTransport::Finish(Transfer* t, int code) {
  DeliveryResult& r = t->result;
  r.requests_sent = std::max(1, t->requests);
  r.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - t->started)
                      .count();
  if (t->easy) {
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    if (code == CURLE_OK && status > 0) {
      r.http_status = int(status);
    } else if (!t->ssrf_refusal.empty()) {
      r.error = t->ssrf_refusal;
    } else if (r.error.empty()) {
      r.error = DescribeFailure(code, t->error);
    }
    curl_multi_remove_handle(multi_, t->easy);
    // The handle outlives this transfer: nothing may point into it any more.
    curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, nullptr);
    spare_.push_back(t->easy);
  }
  curl_slist_free_all(t->headers);
  // Out of sockets: waits again, no attempt counted (ScheduledJobs::NoSocket).
  if (t->no_socket && !r.http_status) {
    jobs_.NoSocket(std::move(t->job));
  } else {
    jobs_.Finished(t->job, r);
    sink_(std::move(r));
  }
  active_.erase(t);
  delete t;
}

void CurlTransport::FinishDone() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* t = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
    Finish(t, msg->data.result);
  }
}

void CurlTransport::Run() {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  int running = 0;
  for (;;) {
    if (running_)
      StartWaiting();
    else if (active_.empty() || std::chrono::steady_clock::now() >= finish_by_.load())
      break;  // stopping: what was sent has been answered, or the grace is spent
    const auto now = std::chrono::steady_clock::now();
    int wait_ms = 100;  // also the pace of the give-back check of StartWaiting
    if (timer_ <= now)
      wait_ms = 0;
    else if (timer_ - now < std::chrono::milliseconds(wait_ms))
      wait_ms = int(std::chrono::ceil<std::chrono::milliseconds>(timer_ - now).count());
    const int n = epoll_wait(epoll_fd_, events, kMaxEvents, wait_ms);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == wake_fd_) {
        uint64_t count;
        [[maybe_unused]] auto r = read(wake_fd_, &count, sizeof count);
        continue;
      }
      int mask = 0;
      if (events[i].events & EPOLLIN) mask |= CURL_CSELECT_IN;
      if (events[i].events & EPOLLOUT) mask |= CURL_CSELECT_OUT;
      if (events[i].events & (EPOLLERR | EPOLLHUP)) mask |= CURL_CSELECT_ERR;
      curl_multi_socket_action(multi_, fd, mask, &running);
    }
    if (timer_ <= std::chrono::steady_clock::now()) {
      // The timer is one-shot: gone once acted on, unless curl sets it again.
      const uint64_t sets = timer_sets_;
      curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
      if (timer_sets_ == sets) timer_ = std::chrono::steady_clock::time_point::max();
    }
    FinishDone();
  }
  // Abandon what is left: no result means the lease runs out and it is retried.
  for (Transfer* t : active_) {
    if (t->easy) {
      curl_multi_remove_handle(multi_, t->easy);
      curl_easy_cleanup(t->easy);
    }
    curl_slist_free_all(t->headers);
    delete t;
  }
  active_.clear();
  for (CURL* e : spare_) curl_easy_cleanup(e);
  spare_.clear();
}

}  // namespace lw
