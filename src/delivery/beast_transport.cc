#include "delivery/beast_transport.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <deque>
#include <optional>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "common/clock.h"
#include "common/named_thread.h"
#include "delivery/scheduled_jobs.h"
#include "delivery/webhook_url.h"

namespace lw {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Steady = std::chrono::steady_clock;

namespace {

constexpr auto kTick = std::chrono::milliseconds(100);
constexpr auto kIdleFor = std::chrono::seconds(60);  // an idle connection is closed after
constexpr auto kDnsFor = std::chrono::seconds(60);   // a DNS answer is used for
constexpr size_t kIdlePerOrigin = 256;               // idle connections kept per origin
constexpr size_t kMaxHeaderBytes = 64 * 1024;        // of an answer's status line and headers
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Where a webhook goes, worked out once per URL.
struct Target : WebhookUrl {
  std::optional<asio::ip::address> literal;  // the host, when it is an IP address
};

IpAddress ToIp(const asio::ip::address& a) {
  IpAddress ip;
  if (a.is_v4()) {
    ip.v4 = true;
    ip.bytes[10] = ip.bytes[11] = 0xff;
    const auto b = a.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), ip.bytes.begin() + 12);
  } else {
    const auto b = a.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), ip.bytes.begin());
  }
  return ip;
}

bool OutOfSockets(const boost::system::error_code& ec) {
  const int v = ec.value();
  return ec.category() == boost::system::system_category() &&
         (v == EMFILE || v == ENFILE || v == ENOBUFS || v == ENOMEM);
}

// One connection to an origin, plain or TLS, with its read buffer.
struct Connection {
  explicit Connection(asio::io_context& io) : plain(std::in_place, io) {}
  Connection(asio::io_context& io, ssl::context& ctx) : tls(std::in_place, io, ctx) {}
  beast::tcp_stream& Lowest() { return plain ? *plain : tls->next_layer(); }
  template <typename Fn>
  auto Visit(Fn&& fn) {
    return plain ? fn(*plain) : fn(*tls);
  }
  // Whether an idle connection still looks usable: the peer has not closed
  // it and sent nothing unasked.
  bool LooksAlive() {
    char byte;
    const ssize_t n = recv(Lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer{kMaxHeaderBytes};
  Steady::time_point idle_since;
};

// How an exchange on a connection ended.
enum class Exchanged {
  kAnswered,            // a whole answer; the connection may serve the next request
  kAnsweredClosing,     // a whole answer; the connection is done
  kClosedBeforeAnswer,  // the peer closed (or reset) before a byte of answer came
  kFailed,              // anything else: r.error says what
};

std::string TimeoutText(const char* what, Steady::duration d) {
  return std::string(what) + " timed out after " +
         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

}  // namespace

class BeastTransport::Impl {
 public:
  Impl(AddressPolicy policy, TransportOptions options)
      : policy_(std::move(policy)),
        options_(std::move(options)),
        jobs_(options_),
        tls_(ssl::context::tls_client),
        resolver_(io_),
        tick_(io_) {
    tls_.set_default_verify_paths();
    tls_.set_verify_mode(ssl::verify_peer);
    SSL_CTX_set_session_cache_mode(tls_.native_handle(), SSL_SESS_CACHE_CLIENT);
    if (options_.extra_cas) options_.extra_cas->AddTo(tls_.native_handle());
  }

  ~Impl() {
    Stop(std::chrono::milliseconds(0));
    for (auto& [origin, session] : sessions_) SSL_SESSION_free(session);
  }

  void Start(ResultSink results, ReturnSink returned) {
    sink_ = std::move(results);
    returned_ = std::move(returned);
    running_ = true;
    work_.emplace(io_.get_executor());
    Tick();
    thread_ = NamedThread("lw-transport", [this] { io_.run(); });
  }

  void Stop(std::chrono::milliseconds grace) {
    if (!running_.exchange(false)) return;
    asio::post(io_, [this, grace] { BeginStop(grace); });
    thread_.join();
  }

  void Submit(std::vector<DeliveryJob> jobs) {
    if (jobs.empty()) return;
    jobs_.Add(std::move(jobs));
    PostStartWaiting();
  }

  int Capacity() const { return options_.max_in_flight; }
  size_t Load() const { return jobs_.Load(); }
  std::set<std::string> Full() const { return jobs_.Full(); }
  std::set<std::string> Busy() const { return jobs_.Busy(); }

 private:
  // Many Submits and finished requests make one StartWaiting.
  void PostStartWaiting() {
    if (start_posted_.exchange(true)) return;
    asio::post(io_, [this] {
      start_posted_ = false;
      StartWaiting();
    });
  }

  void StartWaiting() {
    if (stopping_) return;
    ScheduledJobs::Due due = jobs_.TakeDue();
    if (!due.given_back.empty()) returned_(std::move(due.given_back));
    for (auto& job : due.startable) {
      ++active_;
      asio::co_spawn(io_, Send(std::move(job)), asio::detached);
    }
  }

  // Ten times a second: jobs waiting past max_wait go back, a pause after
  // running out of sockets ends; once a second idle connections are closed.
  void Tick() {
    tick_.expires_after(kTick);
    tick_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopping_) return;
      StartWaiting();
      const auto now = Steady::now();
      if (now - pruned_at_ >= std::chrono::seconds(1)) {
        pruned_at_ = now;
        PruneIdle(now);
      }
      Tick();
    });
  }

  void PruneIdle(Steady::time_point now) {
    for (auto it = idle_.begin(); it != idle_.end();) {
      auto& list = it->second;
      while (!list.empty() && now - list.front()->idle_since >= kIdleFor) list.pop_front();
      it = list.empty() ? idle_.erase(it) : std::next(it);
    }
    std::erase_if(dns_, [&](const auto& entry) { return entry.second.until <= now; });
  }

  const Target* TargetOf(const std::string& url) {
    auto it = targets_.find(url);
    if (it != targets_.end()) return &it->second;
    auto parsed = ParseWebhookUrl(url);
    if (!parsed) return nullptr;
    Target t{std::move(*parsed), std::nullopt};
    boost::system::error_code ec;
    if (t.host_is_ip) t.literal = asio::ip::make_address(t.host, ec);
    if (ec) return nullptr;
    if (targets_.size() >= 10'000) targets_.clear();  // rules come and go
    return &targets_.emplace(url, std::move(t)).first->second;
  }

  std::unique_ptr<Connection> TakeIdle(const std::string& origin) {
    auto it = idle_.find(origin);
    if (it == idle_.end()) return nullptr;
    // The most recently used first: the likeliest to be alive.
    while (!it->second.empty()) {
      std::unique_ptr<Connection> conn = std::move(it->second.back());
      it->second.pop_back();
      if (conn->LooksAlive()) return conn;
    }
    return nullptr;
  }

  void PutIdle(const std::string& origin, std::unique_ptr<Connection> conn) {
    if (stopping_) return;
    auto& list = idle_[origin];
    if (list.size() >= kIdlePerOrigin) list.pop_front();
    conn->idle_since = Steady::now();
    list.push_back(std::move(conn));
  }

  // The addresses of a host: an IP literal as it is, else DNS (remembered).
  asio::awaitable<std::vector<tcp::endpoint>> Resolve(const Target& t, DeliveryResult& r) {
    const uint16_t port = uint16_t(std::stoi(t.port));
    if (t.literal) co_return std::vector<tcp::endpoint>{{*t.literal, port}};
    const auto now = Steady::now();
    if (auto it = dns_.find(t.host); it != dns_.end() && it->second.until > now) {
      std::vector<tcp::endpoint> out;
      for (const auto& a : it->second.addresses) out.emplace_back(a, port);
      co_return out;
    }
    auto [ec, results] = co_await resolver_.async_resolve(t.host, t.port, kTuple);
    if (ec || results.empty()) {
      r.error = "could not resolve host " + t.host + (ec ? ": " + ec.message() : "");
      co_return std::vector<tcp::endpoint>{};
    }
    std::vector<tcp::endpoint> out;
    Resolved cached{{}, now + kDnsFor};
    for (const auto& entry : results) {
      out.push_back(entry.endpoint());
      cached.addresses.push_back(entry.endpoint().address());
    }
    dns_[t.host] = std::move(cached);
    co_return out;
  }

  // A new connection: resolved, checked by the SSRF guard, connected, and
  // for https the TLS handshake, all within the connect timeout.
  asio::awaitable<std::unique_ptr<Connection>> Connect(const Target& t, Steady::time_point deadline,
                                                       DeliveryResult& r, bool& no_socket) {
    std::vector<tcp::endpoint> addresses = co_await Resolve(t, r);
    if (addresses.empty()) co_return nullptr;
    std::vector<tcp::endpoint> allowed;
    std::string refusal;
    for (const auto& ep : addresses) {
      const IpAddress ip = ToIp(ep.address());
      if (auto why = policy_.Refusal(ip)) {
        if (refusal.empty())
          refusal = "refused by the SSRF guard: " + ip.ToString() + " is " + *why +
                    " (allow it with --allow-destination)";
      } else {
        allowed.push_back(ep);
      }
    }
    if (allowed.empty()) {
      r.error = refusal;
      co_return nullptr;
    }
    auto conn = t.tls ? std::make_unique<Connection>(io_, tls_) : std::make_unique<Connection>(io_);
    const auto connect_by =
        std::min(deadline, Steady::now() + std::chrono::milliseconds(options_.connect_timeout_ms));
    beast::tcp_stream& lowest = conn->Lowest();
    Track(*conn);
    boost::system::error_code ec;
    // Each allowed address in turn, within the one connect timeout. The
    // socket is opened here, so that a process out of files says so.
    for (const tcp::endpoint& ep : allowed) {
      lowest.socket().close(ec);
      lowest.socket().open(ep.protocol(), ec);
      if (ec) {
        no_socket = OutOfSockets(ec);
        r.error = "no socket for a connection: " + ec.message();
        break;
      }
      lowest.expires_at(connect_by);
      std::tie(ec) = co_await lowest.async_connect(ep, kTuple);
      if (!ec) break;
      r.error =
          ec == beast::error::timeout
              ? TimeoutText("connecting", std::chrono::milliseconds(options_.connect_timeout_ms))
              : "could not connect to " + ep.address().to_string() + ": " + ec.message();
      if (ec == beast::error::timeout || abandoned_) break;
    }
    if (ec) {
      Untrack(*conn);
      co_return nullptr;
    }
    r.error.clear();
    lowest.socket().set_option(tcp::no_delay(true), ec);
    if (t.tls) {
      SSL* ssl = conn->tls->native_handle();
      if (!t.literal) SSL_set_tlsext_host_name(ssl, t.host.c_str());
      if (t.literal)
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), t.host.c_str());
      else
        SSL_set1_host(ssl, t.host.c_str());
      if (auto it = sessions_.find(t.origin); it != sessions_.end())
        SSL_set_session(ssl, it->second);
      auto [hs] = co_await conn->tls->async_handshake(ssl::stream_base::client, kTuple);
      if (hs) {
        Untrack(*conn);
        const long verify = SSL_get_verify_result(ssl);
        if (verify != X509_V_OK)
          r.error =
              std::string("TLS certificate not accepted: ") + X509_verify_cert_error_string(verify);
        else if (hs == beast::error::timeout)
          r.error = TimeoutText("the TLS handshake",
                                std::chrono::milliseconds(options_.connect_timeout_ms));
        else
          r.error = "TLS handshake failed: " + hs.message();
        co_return nullptr;
      }
    }
    Untrack(*conn);
    co_return conn;
  }

  template <typename Stream>
  asio::awaitable<Exchanged> Exchange(Stream& stream, Connection& conn, const std::string& request,
                                      Steady::time_point deadline, DeliveryResult& r) {
    beast::tcp_stream& lowest = conn.Lowest();
    auto timed_out = [&] {
      r.error = TimeoutText("the request", std::chrono::milliseconds(options_.total_timeout_ms));
      return Exchanged::kFailed;
    };
    auto closed = [](const boost::system::error_code& ec) {
      return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
             ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
             ec == ssl::error::stream_truncated;
    };
    lowest.expires_at(deadline);
    auto [wec, written] = co_await asio::async_write(stream, asio::buffer(request), kTuple);
    if (wec == beast::error::timeout) co_return timed_out();
    if (wec) {
      if (closed(wec)) co_return Exchanged::kClosedBeforeAnswer;
      r.error = "sending the request failed: " + wec.message();
      co_return Exchanged::kFailed;
    }
    // Interim answers (1xx) come before the real one.
    std::optional<bhttp::response_parser<bhttp::buffer_body>> parser;
    for (;;) {
      parser.emplace();
      parser->header_limit(kMaxHeaderBytes);
      parser->body_limit(boost::none);  // read to the end, kept only in part
      lowest.expires_at(deadline);
      auto [hec, hn] = co_await bhttp::async_read_header(stream, conn.buffer, *parser, kTuple);
      if (hec == beast::error::timeout) co_return timed_out();
      if (hec) {
        if (closed(hec) && hn == 0) co_return Exchanged::kClosedBeforeAnswer;
        r.error = "the answer could not be read: " + hec.message();
        co_return Exchanged::kFailed;
      }
      const unsigned status = parser->get().result_int();
      if (status < 100 || status >= 200 || status == 101) break;
    }
    const auto& head = parser->get();
    if (auto it = head.find("retry-after"); it != head.end())
      r.retry_after = std::string(it->value());
    // The body: its start kept (as far as kResponseCaptureBytes, read straight
    // into the excerpt), the rest read into a scratch buffer and dropped.
    std::string& excerpt = r.response_excerpt;
    const auto length = parser->content_length();  // boost::optional
    const size_t keep =
        length ? size_t(std::min<uint64_t>(*length, kResponseCaptureBytes)) : kResponseCaptureBytes;
    while (!parser->is_done()) {
      const size_t before = excerpt.size();
      const bool keeping = before < keep;
      if (keeping) excerpt.resize(keep);
      auto& body = parser->get().body();
      body.data = keeping ? excerpt.data() + before : discard_;
      body.size = keeping ? keep - before : sizeof discard_;
      lowest.expires_at(deadline);
      auto [bec, bn] = co_await bhttp::async_read(stream, conn.buffer, *parser, kTuple);
      if (keeping) excerpt.resize(keep - parser->get().body().size);
      if (bec == bhttp::error::need_buffer) continue;
      if (bec == beast::error::timeout) co_return timed_out();
      if (bec) {
        r.error = "the answer's body was cut short: " + bec.message();
        co_return Exchanged::kFailed;
      }
    }
    r.http_status = int(head.result_int());
    co_return parser->keep_alive() ? Exchanged::kAnswered : Exchanged::kAnsweredClosing;
  }

  // The request as it goes on the wire, in one buffer: written with one
  // call, and again as it is if it must be sent once more. (Beast's own
  // serializer walked a dozen header fields per request: a tenth of the
  // transport's CPU.) The headers are the signer's, never a user's text.
  static std::string RequestOf(const Target& t, const DeliveryJob& job) {
    std::string out;
    out.reserve(160 + t.target.size() + job.body.size() + 80 * job.headers.size());
    out += "POST ";
    out += t.target;
    out += " HTTP/1.1\r\nHost: ";
    out += t.host_header;
    out += "\r\nAccept: */*\r\nContent-Length: ";
    out += std::to_string(job.body.size());
    out += "\r\n";
    for (const std::string& h : job.headers) {
      out += h;
      out += "\r\n";
    }
    out += "\r\n";
    out += job.body;
    return out;
  }

  asio::awaitable<void> Send(DeliveryJob job) {
    DeliveryResult r;
    r.delivery_id = job.delivery_id;
    r.started_at_ms = SystemClock().NowMs();
    const auto started = Steady::now();
    const auto deadline = started + std::chrono::milliseconds(options_.total_timeout_ms);
    bool no_socket = false;
    int requests = 0;
    const Target* target = TargetOf(job.url);
    if (!target) {
      r.error = "the URL cannot be sent to: " + job.url;
    } else if (options_.https_only && !target->tls) {
      r.error = "refused: this server delivers only to https:// URLs (--https-only)";
    } else {
      const Target t = *target;  // the cache may be cleared while this waits
      const std::string request = RequestOf(t, job);
      // A reused connection the peer closed just before this request came
      // is no answer: the request goes once more on a new connection.
      for (int round = 0; round < 2; ++round) {
        std::unique_ptr<Connection> conn = TakeIdle(t.origin);
        const bool reused = conn != nullptr;
        if (!conn) conn = co_await Connect(t, deadline, r, no_socket);
        if (!conn) break;
        ++requests;
        Track(*conn);
        const Exchanged how =
            co_await conn->Visit([&](auto& s) { return Exchange(s, *conn, request, deadline, r); });
        Untrack(*conn);
        if (how == Exchanged::kAnswered) {
          if (t.tls) KeepSession(t.origin, conn->tls->native_handle());
          // Bytes past the answer were never asked for: the next answer
          // could not be told from them.
          if (conn->buffer.size() == 0) PutIdle(t.origin, std::move(conn));
          break;
        }
        if (how == Exchanged::kAnsweredClosing) {
          if (t.tls) KeepSession(t.origin, conn->tls->native_handle());
          break;
        }
        if (how == Exchanged::kClosedBeforeAnswer && reused && round == 0 && !abandoned_) continue;
        if (how == Exchanged::kClosedBeforeAnswer)
          r.error = "the receiver closed the connection without answering";
        break;
      }
    }
    r.requests_sent = std::max(1, requests);
    r.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - started).count();
    if (r.http_status) r.error.clear();
    Finish(std::move(job), std::move(r), no_socket);
  }

  void Finish(DeliveryJob job, DeliveryResult r, bool no_socket) {
    --active_;
    if (abandoned_) {
      // Past the grace: no result, the dispatcher gives the lease back.
    } else if (no_socket && !r.http_status) {
      jobs_.NoSocket(std::move(job));
    } else {
      jobs_.Finished(job, r);
      sink_(std::move(r));
    }
    if (stopping_)
      MaybeEndStop();
    else
      PostStartWaiting();
  }

  void KeepSession(const std::string& origin, SSL* ssl) {
    SSL_SESSION* session = SSL_get1_session(ssl);
    if (!session) return;
    auto [it, added] = sessions_.try_emplace(origin, session);
    if (!added) {
      SSL_SESSION_free(it->second);
      it->second = session;
    }
  }

  // Connections with a request or a connect under way, which a stop past its
  // grace closes.
  void Track(Connection& c) { busy_.insert(&c); }
  void Untrack(Connection& c) { busy_.erase(&c); }

  void BeginStop(std::chrono::milliseconds grace) {
    stopping_ = true;
    tick_.cancel();
    idle_.clear();
    grace_ = std::make_unique<asio::steady_timer>(io_, grace);
    grace_->async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      // What is not answered by now is abandoned: cut it short.
      abandoned_ = true;
      resolver_.cancel();
      for (Connection* c : busy_) {
        boost::system::error_code ignored;
        c->Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
        c->Lowest().socket().close(ignored);
      }
      MaybeEndStop();
    });
    MaybeEndStop();
  }

  void MaybeEndStop() {
    if (active_ > 0) return;
    if (grace_) grace_->cancel();
    idle_.clear();
    work_.reset();  // io_.run() returns once nothing is left
  }

  AddressPolicy policy_;
  TransportOptions options_;
  ScheduledJobs jobs_;
  ResultSink sink_;
  ReturnSink returned_;
  std::atomic<bool> running_{false};
  std::atomic<bool> start_posted_{false};
  std::thread thread_;

  asio::io_context io_{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  ssl::context tls_;
  tcp::resolver resolver_;
  asio::steady_timer tick_;
  std::unique_ptr<asio::steady_timer> grace_;

  // The I/O thread's own.
  struct Resolved {
    std::vector<asio::ip::address> addresses;
    Steady::time_point until;
  };
  std::unordered_map<std::string, Target> targets_;                                // by URL
  std::unordered_map<std::string, Resolved> dns_;                                  // by host name
  std::unordered_map<std::string, std::deque<std::unique_ptr<Connection>>> idle_;  // by origin
  std::unordered_map<std::string, SSL_SESSION*> sessions_;                         // by origin
  std::set<Connection*> busy_;
  int active_ = 0;  // requests under way (coroutines not finished)
  bool stopping_ = false;
  bool abandoned_ = false;
  Steady::time_point pruned_at_{};
  char discard_[16 * 1024];  // where the body past the excerpt is read to (never looked at)
};

BeastTransport::BeastTransport(AddressPolicy policy, TransportOptions options)
    : impl_(std::make_unique<Impl>(std::move(policy), std::move(options))) {}
BeastTransport::~BeastTransport() = default;
void BeastTransport::Start(ResultSink results, ReturnSink returned) {
  impl_->Start(std::move(results), std::move(returned));
}
void BeastTransport::Stop(std::chrono::milliseconds grace) { impl_->Stop(grace); }
void BeastTransport::Submit(std::vector<DeliveryJob> jobs) { impl_->Submit(std::move(jobs)); }
int BeastTransport::Capacity() const { return impl_->Capacity(); }
size_t BeastTransport::Load() const { return impl_->Load(); }
std::set<std::string> BeastTransport::FullEndpoints() const { return impl_->Full(); }
std::set<std::string> BeastTransport::BusyEndpoints() const { return impl_->Busy(); }

}  // namespace lw
