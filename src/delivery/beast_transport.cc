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

#include "common/client_identity.h"
#include "common/clock.h"
#include "common/named_thread.h"
#include "delivery/host_resolver.h"
#include "delivery/scheduled_jobs.h"
#include "delivery/signed_job.h"
#include "webhooks/webhook_url.h"

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
constexpr size_t kIdlePerOrigin = 256;               // idle connections kept per origin
constexpr size_t kMaxHeaderBytes = 64 * 1024;        // of an answer's status line and headers
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr size_t kMaxTokenAnswerBytes = 64 * 1024;  // a token endpoint's answer, kept whole
// How often a job waiting for another thread's token fetch looks again:
// soon at first (a token endpoint answers in tens of ms), then less often.
constexpr auto kTokenPollFirst = std::chrono::milliseconds(5);
constexpr auto kTokenPollMost = std::chrono::milliseconds(100);

// Where idle connections and TLS sessions of a request are kept: its origin,
// and the client certificate it presented (a connection, or a session
// resumed, authenticated one organization's certificate: never another's).
std::string PoolKey(const std::string& origin, const ClientIdentity* id) {
  return id ? origin + "#" + id->fingerprint() : origin;
}

std::string AddressText(const asio::ip::address& a, uint16_t port) {
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(port);
}

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
  // Freed without a close_notify, OpenSSL would mark the session as not
  // resumable, and with it every connection's that resumed it: marked as
  // shut down, its session stays good for the next connection.
  ~Connection() {
    if (tls && handshaken) SSL_set_shutdown(tls->native_handle(), SSL_SENT_SHUTDOWN);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  beast::tcp_stream& Lowest() { return plain ? *plain : tls->next_layer(); }
  template <typename Fn>
  auto Visit(Fn&& fn) {
    return plain ? fn(*plain) : fn(*tls);
  }
  // Whether the peer's bytes past an answer are in hand already: in the
  // read buffer, or under TLS in OpenSSL (decrypted or not: read-ahead takes
  // a whole second record sent in the same packet) or in the BIO it reads
  // from. Such a connection is not reused: the next answer could not be
  // told from them.
  bool HoldsUnreadBytes() {
    if (buffer.size() != 0) return true;
    if (!tls) return false;
    SSL* ssl = tls->native_handle();
    return SSL_pending(ssl) > 0 || SSL_has_pending(ssl) || BIO_ctrl_pending(SSL_get_rbio(ssl)) > 0;
  }
  // Whether an idle connection still looks usable: the peer has not closed
  // it and sent nothing unasked.
  bool LooksAlive() {
    if (HoldsUnreadBytes()) return false;
    char byte;
    const ssize_t n = recv(Lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer{kMaxHeaderBytes};
  Steady::time_point idle_since;
  bool handshaken = false;
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
        tick_(io_) {
    tls_.set_default_verify_paths();
    tls_.set_verify_mode(ssl::verify_peer);
    // Sessions are kept per origin here (KeepSession), not in OpenSSL's store.
    SSL_CTX_set_session_cache_mode(tls_.native_handle(),
                                   SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    if (options_.extra_cas) options_.extra_cas->AddTo(tls_.native_handle());
  }

  ~Impl() {
    Stop(std::chrono::milliseconds(0));
    ForgetSessions();
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
      while (!list.empty() && now - list.front()->idle_since >= kIdleFor) {
        list.pop_front();
        --idle_count_;
      }
      it = list.empty() ? idle_.erase(it) : std::next(it);
    }
    dns_.Prune(now);
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
      --idle_count_;
      if (conn->LooksAlive()) return conn;
    }
    return nullptr;
  }

  // Kept for the origin's next request, within bounds per origin and in all
  // (twice the requests this shard may have in flight: the open files).
  void PutIdle(const std::string& origin, std::unique_ptr<Connection> conn) {
    if (stopping_ || idle_count_ >= 2 * size_t(options_.max_in_flight)) return;
    auto& list = idle_[origin];
    if (list.size() >= kIdlePerOrigin) {
      list.pop_front();
      --idle_count_;
    }
    conn->idle_since = Steady::now();
    list.push_back(std::move(conn));
    ++idle_count_;
  }

  void CloseIdle() {
    idle_.clear();
    idle_count_ = 0;
  }

  // A new connection: resolved, checked by the SSRF guard, connected, and
  // for https the TLS handshake, all within the connect timeout.
  asio::awaitable<std::unique_ptr<Connection>> Connect(const Target& t, const ClientIdentity* id,
                                                       Steady::time_point deadline,
                                                       DeliveryResult& r, bool& no_socket) {
    const auto connect_by =
        std::min(deadline, Steady::now() + std::chrono::milliseconds(options_.connect_timeout_ms));
    const uint16_t port = uint16_t(std::stoul(t.port));  // 1–65535: ParseWebhookUrl's
    std::vector<asio::ip::address> addresses;
    if (t.literal) {
      addresses.push_back(*t.literal);
    } else {
      HostResolver::Answer answer = co_await dns_.Resolve(t.host, connect_by);
      r.error = answer.error;
      addresses = std::move(answer.addresses);
    }
    if (addresses.empty() || abandoned_) co_return nullptr;
    std::vector<tcp::endpoint> allowed;
    std::string refusal;
    for (const auto& address : addresses) {
      const IpAddress ip = ToIp(address);
      if (auto why = policy_.Refusal(ip)) {
        if (refusal.empty())
          refusal = "refused by the SSRF guard: " + ip.ToString() + " is " + *why +
                    " (allow it with --allow-destination)";
      } else {
        allowed.emplace_back(address, port);
      }
    }
    if (allowed.empty()) {
      r.error = refusal;
      co_return nullptr;
    }
    auto conn = t.tls ? std::make_unique<Connection>(io_, tls_) : std::make_unique<Connection>(io_);
    beast::tcp_stream& lowest = conn->Lowest();
    Tracked tracked(*this, *conn);
    // Through the egress proxy, the TCP connection goes to the proxy and a
    // CONNECT asks it for the address checked above.
    std::vector<tcp::endpoint> proxies;
    if (options_.proxy) {
      proxies = co_await ProxyEndpoints(connect_by, r);
      if (proxies.empty() || abandoned_) co_return nullptr;
    }
    boost::system::error_code ec = asio::error::not_connected;
    // Each allowed address in turn, each with its share of what is left of
    // the connect timeout, so one dead address does not take it all. The
    // socket is opened here, so that a process out of files says so.
    for (size_t i = 0; i < allowed.size() && ec && !abandoned_; ++i) {
      const tcp::endpoint& ep = options_.proxy ? proxies[i % proxies.size()] : allowed[i];
      const std::string where = options_.proxy
                                    ? "the egress proxy " + AddressText(ep.address(), ep.port())
                                    : ep.address().to_string();
      lowest.socket().close(ec);
      conn->buffer.consume(conn->buffer.size());  // a refusing proxy's answer, past its head
      lowest.socket().open(ep.protocol(), ec);
      if (ec) {
        r.error = "no socket for a connection: " + ec.message();
        if ((no_socket = OutOfSockets(ec))) break;
        continue;
      }
      const auto now = Steady::now();
      lowest.expires_at(now + (connect_by - now) / long(allowed.size() - i));
      std::tie(ec) = co_await lowest.async_connect(ep, kTuple);
      if (ec == beast::error::timeout)
        r.error = "connecting to " + where + " timed out";
      else if (ec)
        r.error = "could not connect to " + where + ": " + ec.message();
      else if (options_.proxy && !co_await Tunnel(*conn, allowed[i], r))
        ec = asio::error::not_connected;
    }
    if (ec || abandoned_) co_return nullptr;
    r.error.clear();
    lowest.socket().set_option(tcp::no_delay(true), ec);
    if (!t.tls) co_return conn;
    SSL* ssl = conn->tls->native_handle();
    if (id && !id->UseOn(ssl)) {
      r.error = "TLS handshake failed: the organization's client certificate could not be used";
      co_return nullptr;
    }
    const bool named = !t.literal;
    const bool checked =
        named ? SSL_set_tlsext_host_name(ssl, t.host.c_str()) == 1 &&
                    SSL_set1_host(ssl, t.host.c_str()) == 1
              : X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), t.host.c_str()) == 1;
    if (!checked) {
      r.error = "TLS handshake failed: the host name " + t.host + " cannot be checked";
      co_return nullptr;
    }
    const std::string pool = PoolKey(t.origin, id);
    if (auto it = sessions_.find(pool); it != sessions_.end()) SSL_set_session(ssl, it->second);
    lowest.expires_at(connect_by);
    auto [hs] = co_await conn->tls->async_handshake(ssl::stream_base::client, kTuple);
    if (hs) {
      ForgetSession(pool);
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
    conn->handshaken = true;
    co_return conn;
  }

  // The egress proxy's addresses (the operator's choice: not the SSRF
  // guard's business); none, with r.error, when its name does not resolve.
  asio::awaitable<std::vector<tcp::endpoint>> ProxyEndpoints(Steady::time_point by,
                                                             DeliveryResult& r) {
    const EgressProxy& p = *options_.proxy;
    std::vector<tcp::endpoint> out;
    boost::system::error_code ec;
    const auto literal = asio::ip::make_address(p.host, ec);
    if (!ec) {
      out.emplace_back(literal, p.port);
      co_return out;
    }
    HostResolver::Answer answer = co_await dns_.Resolve(p.host, by);
    for (const auto& a : answer.addresses) out.emplace_back(a, p.port);
    if (out.empty()) r.error = "the egress proxy " + p.host + " cannot be found: " + answer.error;
    co_return out;
  }

  // Asks the proxy, over the connection just made to it, for a tunnel to
  // `to` (an address the SSRF guard allowed). False, with r.error, when it
  // refuses or does not answer as a proxy.
  asio::awaitable<bool> Tunnel(Connection& conn, const tcp::endpoint& to, DeliveryResult& r) {
    const std::string where = AddressText(to.address(), to.port());
    std::string request = "CONNECT " + where + " HTTP/1.1\r\nHost: " + where + "\r\n";
    if (!options_.proxy->authorization.empty())
      request += "Proxy-Authorization: " + options_.proxy->authorization + "\r\n";
    request += "\r\n";
    beast::tcp_stream& stream = conn.Lowest();
    auto [wec, written] = co_await asio::async_write(stream, asio::buffer(request), kTuple);
    bhttp::response_parser<bhttp::empty_body> parser;
    parser.skip(true);  // a CONNECT's answer has no body: what follows is the tunnel
    parser.header_limit(kMaxHeaderBytes);
    boost::system::error_code rec = wec;
    if (!rec)
      std::tie(rec, std::ignore) =
          co_await bhttp::async_read_header(stream, conn.buffer, parser, kTuple);
    if (rec) {
      r.error = "the egress proxy did not open a tunnel to " + where + ": " +
                (rec == beast::error::timeout ? std::string("timed out") : rec.message());
      co_return false;
    }
    const auto& head = parser.get();
    if (head.result_int() / 100 != 2) {
      r.error = "the egress proxy refused to connect to " + where + ": " +
                std::to_string(head.result_int()) + " " + std::string(head.reason());
      co_return false;
    }
    if (conn.buffer.size() != 0) {
      r.error = "the egress proxy sent bytes of its own into the tunnel to " + where;
      co_return false;
    }
    co_return true;
  }

  template <typename Stream>
  asio::awaitable<Exchanged> Exchange(Stream& stream, Connection& conn, const std::string& request,
                                      Steady::time_point deadline, DeliveryResult& r,
                                      size_t keep_at_most) {
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
    bool answered = false;  // an interim answer came: a close now is not "before any answer"
    for (;;) {
      parser.emplace();
      parser->header_limit(kMaxHeaderBytes);
      parser->body_limit(boost::none);  // read to the end, kept only in part
      lowest.expires_at(deadline);
      auto [hec, hn] = co_await bhttp::async_read_header(stream, conn.buffer, *parser, kTuple);
      if (hec == beast::error::timeout) co_return timed_out();
      if (hec) {
        if (closed(hec) && hn == 0 && !answered) co_return Exchanged::kClosedBeforeAnswer;
        r.error = "the answer could not be read: " + hec.message();
        co_return Exchanged::kFailed;
      }
      const unsigned status = parser->get().result_int();
      if (status < 100 || status >= 200 || status == 101) break;
      answered = true;
    }
    const auto& head = parser->get();
    if (head.result_int() == 101 || parser->upgrade()) {
      // Switched to another protocol: an answer, but the connection is not HTTP any more.
      r.http_status = int(head.result_int());
      co_return Exchanged::kAnsweredClosing;
    }
    if (auto it = head.find("retry-after"); it != head.end())
      r.retry_after = std::string(it->value());
    // The body: its start kept (as far as kResponseCaptureBytes, read straight
    // into the excerpt), the rest read into a scratch buffer and dropped.
    std::string& excerpt = r.response_excerpt;
    const auto length = parser->content_length();  // boost::optional
    const size_t keep = length ? size_t(std::min<uint64_t>(*length, keep_at_most)) : keep_at_most;
    // A large body is read 16 KiB at a time, not in the few hundred bytes
    // the buffer holds after the headers.
    if (!length || *length > keep_at_most) conn.buffer.reserve(16 * 1024);
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
      if (bec == ssl::error::stream_truncated && parser->need_eof()) {
        // A body that ends where the connection does, closed without TLS's
        // close_notify (common): the end of the body all the same.
        parser->put_eof(bec);
        if (!bec) continue;
      }
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
  // transport's CPU.) The headers are the signer's and the rule's, whose
  // names and values were checked when the rule was saved (no CR or LF).
  static std::string RequestOf(const Target& t, const DeliveryJob& job, const std::string& bearer) {
    std::string out;
    out.reserve(160 + t.target.size() + job.body.size() + 80 * job.headers.size() +
                200 * job.signature_headers.size() + bearer.size());
    out += "POST ";
    out += t.target;
    out += " HTTP/1.1\r\nHost: ";
    out += t.host_header;
    out += "\r\nAccept: */*\r\nContent-Length: ";
    out += std::to_string(job.body.size());
    out += "\r\n";
    for (const auto* lines : {&job.headers, &job.signature_headers})
      for (const std::string& h : *lines) {
        out += h;
        out += "\r\n";
      }
    if (!bearer.empty()) {
      out += "Authorization: Bearer ";
      out += bearer;
      out += "\r\n";
    }
    out += "\r\n";
    out += job.body;
    return out;
  }

  static std::string TokenRequestOf(const Target& t, const OAuth2Client& c) {
    const std::string body = TokenRequestBody(c);
    return "POST " + t.target + " HTTP/1.1\r\nHost: " + t.host_header +
           "\r\nAccept: application/json\r\nContent-Type: application/x-www-form-urlencoded"
           "\r\nAuthorization: " +
           TokenRequestAuthorization(c) +
           "\r\nUser-Agent: Leadwire-Webhooks/" LEADWIRE_VERSION "\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  asio::awaitable<void> Send(DeliveryJob job) {
    DeliveryResult r;
    r.delivery_id = job.delivery_id;
    r.started_at_ms = SystemClock().NowMs();
    const auto started = Steady::now();
    bool no_socket = false;
    int requests = 0;
    try {
      // Filled and signed here, on this shard's thread, at the time it goes.
      if (job.refusal.empty())
        if (auto st = FinishJob(job, r.started_at_ms); !st) job.refusal = st.error().message;
      co_await Attempt(job, started + std::chrono::milliseconds(options_.total_timeout_ms), r,
                       no_socket, requests);
    } catch (const std::exception& e) {
      // Whatever went wrong, the job ends here with a result: a job without
      // one would hold its place in the scheduler for good.
      r.http_status.reset();
      r.error = std::string("the transport failed: ") + e.what();
    }
    r.requests_sent = std::max(1, requests);
    r.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - started).count();
    if (r.http_status) r.error.clear();
    // A job that found no socket waits again, unless a request of it went out.
    Finish(std::move(job), std::move(r), no_socket && requests == 0);
  }

  // A checked target, or none with r.error saying why it cannot be sent to.
  const Target* SendableTarget(const std::string& url, DeliveryResult& r) {
    const Target* target = TargetOf(url);
    if (!target)
      r.error = "the URL cannot be sent to: " + url;
    else if (options_.https_only && !target->tls)
      r.error = "refused: this server delivers only to https:// URLs (--https-only)";
    else
      return target;
    return nullptr;
  }

  asio::awaitable<void> Attempt(const DeliveryJob& job, Steady::time_point deadline,
                                DeliveryResult& r, bool& no_socket, int& requests) {
    const auto started = Steady::now();
    if (!job.refusal.empty()) {
      r.error = job.refusal;
      co_return;
    }
    const Target* target = SendableTarget(job.url, r);
    if (!target) co_return;
    const Target t = *target;  // the cache may be cleared while this waits
    const ClientIdentity* id = job.identity.get();
    std::string bearer;
    if (job.oauth2) {
      auto token = co_await Token(*job.oauth2, id, deadline, r, no_socket);
      if (!token) co_return;
      bearer = std::move(*token);
    }
    co_await Roundtrip(t, id, RequestOf(t, job, bearer), deadline, r, no_socket, requests,
                       kResponseCaptureBytes);
    if (!job.oauth2 || r.http_status != 401 || abandoned_) co_return;
    // The receiver refused the token (revoked, or expired before its time):
    // one new token, and the webhook once more with it. The refused request
    // is recorded as an attempt of its own.
    if (!options_.tokens->Refused(job.oauth2->key, bearer, Steady::now())) co_return;
    r.token_refused = DeliveryResult::Refused{
        std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - started).count(),
        std::move(r.response_excerpt)};
    r.http_status.reset();
    r.response_excerpt.clear();
    r.retry_after.reset();
    auto token = co_await Token(*job.oauth2, id, deadline, r, no_socket);
    if (!token) co_return;
    // The refused request is recorded apart: of the first round, only its
    // requests closed before an answer count with the ones sent now.
    int again = 0;
    co_await Roundtrip(t, id, RequestOf(t, job, *token), deadline, r, no_socket, again,
                       kResponseCaptureBytes);
    requests = requests - 1 + std::max(1, again);
  }

  // One request on a connection to `t` (an idle one if any, else a new one),
  // its answer's body kept up to `keep`. A reused connection the peer closed
  // just before this request came is no answer: the request goes once more,
  // on a new connection.
  asio::awaitable<void> Roundtrip(const Target& t, const ClientIdentity* id,
                                  const std::string& request, Steady::time_point deadline,
                                  DeliveryResult& r, bool& no_socket, int& requests, size_t keep) {
    const std::string pool = PoolKey(t.origin, id);
    for (int round = 0; round < 2 && !abandoned_; ++round) {
      std::unique_ptr<Connection> conn = round == 0 ? TakeIdle(pool) : nullptr;
      const bool reused = conn != nullptr;
      if (!conn) conn = co_await Connect(t, id, deadline, r, no_socket);
      if (!conn || abandoned_) co_return;
      // Past the whole request's time (the node was paused, or the first
      // try took it all), nothing more goes out: a request sent now would
      // fall outside the attempt it belongs to.
      if (Steady::now() >= deadline) {
        r.error = TimeoutText("the request", std::chrono::milliseconds(options_.total_timeout_ms));
        co_return;
      }
      ++requests;
      Exchanged how;
      {
        Tracked tracked(*this, *conn);
        how = co_await conn->Visit(
            [&](auto& stream) { return Exchange(stream, *conn, request, deadline, r, keep); });
      }
      if (how == Exchanged::kAnswered || how == Exchanged::kAnsweredClosing) {
        if (t.tls) KeepSession(pool, conn->tls->native_handle());
        if (how == Exchanged::kAnswered && !conn->HoldsUnreadBytes())
          PutIdle(pool, std::move(conn));
        co_return;
      }
      if (how == Exchanged::kClosedBeforeAnswer && reused) continue;
      if (how == Exchanged::kClosedBeforeAnswer)
        r.error = "the receiver closed the connection without answering";
      co_return;
    }
  }

  // The client's token: the node's, or fetched now by this job (once for
  // all the jobs that need it meanwhile: they wait for it). None, with
  // r.error "oauth2 token: …", when it cannot be had.
  asio::awaitable<std::optional<std::string>> Token(const OAuth2Client& c, const ClientIdentity* id,
                                                    Steady::time_point deadline, DeliveryResult& r,
                                                    bool& no_socket) {
    OAuth2Tokens& tokens = *options_.tokens;
    asio::steady_timer pause(io_);
    auto poll = kTokenPollFirst;
    for (;;) {
      OAuth2Tokens::Next next = tokens.Take(c.key, Steady::now());
      switch (next.step) {
        case OAuth2Tokens::Step::kUse:
          co_return std::move(next.text);
        case OAuth2Tokens::Step::kFail:
          r.error = "oauth2 token: " + next.text;
          co_return std::nullopt;
        case OAuth2Tokens::Step::kFetch: {
          // Its own time, not what is left of this job's: a token others
          // wait for must not fail because this webhook's receiver was slow.
          auto token = co_await FetchToken(
              c, id, Steady::now() + std::chrono::milliseconds(options_.total_timeout_ms),
              no_socket);
          if (!token) r.error = "oauth2 token: " + token.error().message;
          co_return token ? std::optional(token->access_token) : std::nullopt;
        }
        case OAuth2Tokens::Step::kWait:
          if (abandoned_ || Steady::now() + poll >= deadline) {
            r.error = "oauth2 token: " +
                      TimeoutText("waiting for the token endpoint",
                                  std::chrono::milliseconds(options_.total_timeout_ms));
            co_return std::nullopt;
          }
          pause.expires_after(poll);
          co_await pause.async_wait(kTuple);
          poll = std::min(poll * 2, kTokenPollMost);
          break;
      }
    }
  }

  // Asks the token endpoint (through the SSRF guard and the proxy, like a
  // webhook) and tells the node's tokens what came of it: whatever happens
  // to this coroutine, the fetch it began ends.
  asio::awaitable<Result<OAuth2Token>> FetchToken(const OAuth2Client& c, const ClientIdentity* id,
                                                  Steady::time_point deadline, bool& no_socket) {
    struct Ending {
      OAuth2Tokens& tokens;
      const std::string& key;
      bool told = false;
      ~Ending() {
        if (!told) tokens.Abandoned(key);
      }
    } ending{*options_.tokens, c.key};
    DeliveryResult answer;
    Result<OAuth2Token> token = Fail(Error::Unavailable(""));
    const Target* target = SendableTarget(c.token_url, answer);
    int requests = 0;
    if (target) {
      const Target t = *target;
      co_await Roundtrip(t, id, TokenRequestOf(t, c), deadline, answer, no_socket, requests,
                         kMaxTokenAnswerBytes);
    }
    if (answer.http_status)
      token = ParseTokenAnswer(*answer.http_status, answer.response_excerpt);
    else
      token = Fail(Error::Unavailable(answer.error));
    // Out of sockets or stopping: no outcome to remember, the job waits again.
    if (!(no_socket && requests == 0) && !abandoned_) {
      options_.tokens->Fetched(c.key, token, Steady::now());
      ending.told = true;
    }
    co_return token;
  }

  void Finish(DeliveryJob job, DeliveryResult r, bool no_socket) {
    --active_;
    if (abandoned_) {
      // Past the grace: no result, the dispatcher gives the lease back.
    } else if (no_socket) {
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

  // The pool's TLS session (PoolKey), for its next connection to resume.
  void KeepSession(const std::string& origin, SSL* ssl) {
    SSL_SESSION* session = SSL_get1_session(ssl);
    if (!session) return;
    if (sessions_.size() >= 10'000 && !sessions_.count(origin)) ForgetSessions();
    auto [it, added] = sessions_.try_emplace(origin, session);
    if (!added) {
      SSL_SESSION_free(it->second);
      it->second = session;
    }
  }
  void ForgetSession(const std::string& origin) {
    if (auto it = sessions_.find(origin); it != sessions_.end()) {
      SSL_SESSION_free(it->second);
      sessions_.erase(it);
    }
  }
  void ForgetSessions() {
    for (auto& [origin, session] : sessions_) SSL_SESSION_free(session);
    sessions_.clear();
  }

  // A connection with a connect or a request under way, for as long as it
  // is: a stop past its grace closes it.
  struct Tracked {
    Tracked(Impl& impl, Connection& c) : impl(impl), c(c) { impl.busy_.insert(&c); }
    ~Tracked() { impl.busy_.erase(&c); }
    Tracked(const Tracked&) = delete;
    Tracked& operator=(const Tracked&) = delete;
    Impl& impl;
    Connection& c;
  };

  void BeginStop(std::chrono::milliseconds grace) {
    stopping_ = true;
    tick_.cancel();
    CloseIdle();
    grace_ = std::make_unique<asio::steady_timer>(io_, grace);
    grace_->async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      // What is not answered by now is abandoned: cut it short.
      abandoned_ = true;
      dns_.WakeAll();
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
    CloseIdle();
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
  asio::steady_timer tick_;
  std::unique_ptr<asio::steady_timer> grace_;

  // The I/O thread's own.
  std::unordered_map<std::string, Target> targets_;                                // by URL
  std::unordered_map<std::string, std::deque<std::unique_ptr<Connection>>> idle_;  // by origin
  size_t idle_count_ = 0;
  std::unordered_map<std::string, SSL_SESSION*> sessions_;  // by origin
  std::set<Connection*> busy_;
  int active_ = 0;  // requests under way (coroutines not finished)
  bool stopping_ = false;
  bool abandoned_ = false;
  Steady::time_point pruned_at_{};
  char discard_[16 * 1024];  // where the body past the excerpt is read to (never looked at)
  HostResolver dns_{io_};    // last: gone before the rest; its lookups' late answers are dropped
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
