#include "http/server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>
#include <map>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "common/log.h"
#include "common/metrics.h"
#include "http/connection_limits.h"
#include "http/json_response.h"
#include "http/request_target.h"

namespace lw::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kWriteTimeout = std::chrono::seconds(60);
constexpr size_t kMaxDrainBytes = 16 * 1024 * 1024;

Request ToRequest(const bhttp::request<bhttp::string_body>& msg, const std::string& remote) {
  Request req;
  req.method = std::string(msg.method_string());
  ParseTarget(msg.target(), req);
  req.remote_address = remote;
  for (const auto& field : msg) {
    std::string name(field.name_string());
    for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
    req.headers[name] = std::string(field.value());
  }
  req.body = msg.body();
  req.trace = TraceOfRequest(req.Header("traceparent"));
  return req;
}

bhttp::response<bhttp::string_body> ToBeast(const Response& res, unsigned version,
                                            bool keep_alive) {
  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(res.status), version};
  out.set(bhttp::field::server, "Leadwire");
  if (!res.content_type.empty()) out.set(bhttp::field::content_type, res.content_type);
  out.set(bhttp::field::cache_control, "no-store");
  out.set("X-Content-Type-Options", "nosniff");
  for (const auto& [name, value] : res.headers) out.set(name, value);  // a handler's own win
  out.body() = res.body;
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

}  // namespace

// The answer to a connection the server will not serve: over a bound, or
// out of files. Sent without waiting, then the connection closes.
std::string BusyAnswer() {
  const Response res = ErrorResponse(Error{ErrorKind::kUnavailable,
                                           "unavailable",
                                           "The server holds too many connections; try again.",
                                           {}});
  std::ostringstream out;
  out << ToBeast(res, 11, false);
  return out.str();
}

class Server::Impl {
 public:
  Impl(RequestHandler handler, ServerOptions options)
      : handler_(std::move(handler)),
        options_(std::move(options)),
        limits_(options_.max_connections, options_.max_connections_per_client),
        busy_answer_(BusyAnswer()),
        ioc_(options_.io_threads),
        workers_(size_t(options_.worker_threads)) {}

  ~Impl() {
    if (reserve_fd_ >= 0) ::close(reserve_fd_);
  }

  Result<uint16_t> Listen() {
    boost::system::error_code ec;
    tcp::resolver resolver(ioc_);
    auto results =
        resolver.resolve(options_.host, std::to_string(options_.port), tcp::resolver::passive, ec);
    if (ec || results.empty())
      return Fail(Error::Internal("cannot resolve " + options_.host + ": " + ec.message()));
    const tcp::endpoint endpoint = results.begin()->endpoint();
    acceptor_.emplace(ioc_);
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (!ec) acceptor_->non_blocking(true, ec);  // ShedPending's accept4 must not wait
    if (ec)
      return Fail(Error::Internal("cannot listen on " + options_.host + ":" +
                                  std::to_string(options_.port) + ": " + ec.message()));
    reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    return acceptor_->local_endpoint().port();
  }

  void Run() {
    asio::signal_set signals(ioc_, SIGINT, SIGTERM);
    signals.async_wait([this](auto ec, int) {
      if (!ec) BeginShutdown();
    });
    asio::co_spawn(ioc_, Accept(), asio::detached);
    std::vector<std::thread> threads;
    for (int i = 1; i < options_.io_threads; ++i) threads.emplace_back([this] { ioc_.run(); });
    ioc_.run();
    for (auto& t : threads) t.join();
    workers_.join();
  }

  void Stop() {
    asio::post(ioc_, [this] { BeginShutdown(); });
  }

 private:
  // A connection as the shutdown sees it. Touched only on the connection's
  // strand, where its coroutine runs.
  struct Live {
    asio::any_io_executor strand;
    beast::tcp_stream* stream = nullptr;  // null once the connection has ended
    bool idle = true;                     // waiting for a request, none running
  };

  // Accepts nothing more, closes the idle connections, and stops the I/O
  // once the others have answered their request (or the grace is spent).
  void BeginShutdown() {
    if (stopping_.exchange(true)) return;
    log::Info("stopping: no new connections; running requests finish");
    boost::system::error_code ec;
    if (acceptor_) acceptor_->close(ec);
    std::lock_guard lock(live_mutex_);
    for (const auto& [_, live] : live_)
      asio::post(live->strand, [live] {
        boost::system::error_code ignored;
        if (live->stream && live->idle) live->stream->socket().cancel(ignored);
      });
    asio::co_spawn(ioc_, StopWhenDrained(), asio::detached);
  }

  asio::awaitable<void> StopWhenDrained() {
    const auto deadline = std::chrono::steady_clock::now() + options_.shutdown_grace;
    asio::steady_timer timer(co_await asio::this_coro::executor);
    while (limits_.Open() > 0 && std::chrono::steady_clock::now() < deadline) {
      timer.expires_after(std::chrono::milliseconds(20));
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (limits_.Open() > 0)
      log::Warn(std::to_string(limits_.Open()) + " connections still open after the grace");
    ioc_.stop();
  }

  asio::awaitable<void> Accept() {
    auto backoff = std::chrono::milliseconds(0);
    asio::steady_timer timer(acceptor_->get_executor());
    for (;;) {
      // Each connection gets its own strand, so that the shutdown can reach it.
      auto [ec, accepted] = co_await acceptor_->async_accept(asio::make_strand(ioc_),
                                                             asio::as_tuple(asio::use_awaitable));
      if (ec == asio::error::operation_aborted || stopping_) co_return;
      if (ec) {
        // Out of files (or another transient error): retrying at once would
        // spin. Pending clients are told now; accepting resumes a little later.
        if (ec == asio::error::no_descriptors || ec.value() == ENFILE) ShedPending();
        if (backoff.count() == 0) log::Warn("cannot accept connections: " + ec.message());
        backoff = std::min(std::max(backoff * 2, std::chrono::milliseconds(10)),
                           std::chrono::milliseconds(1000));
        timer.expires_after(backoff);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      backoff = std::chrono::milliseconds(0);
      tcp::socket socket(std::move(accepted));  // its executor stays the strand
      const auto peer = socket.remote_endpoint(ec);
      if (ec) continue;  // already gone
      std::string client = Unbounded(peer.address()) ? "" : ClientKey(peer.address());
      if (!limits_.Admit(client)) {
        Refuse(socket);
        continue;
      }
      metrics::CountConnections(+1);
      socket.set_option(tcp::no_delay(true), ec);
      auto strand = socket.get_executor();
      asio::co_spawn(strand, Session(std::move(socket), peer.address().to_string(), client),
                     asio::detached);
    }
  }

  bool Unbounded(const asio::ip::address& address) const {
    if (options_.unbounded_clients.empty()) return false;
    const auto ip = IpAddress::Parse(address.to_string());
    return ip && std::any_of(options_.unbounded_clients.begin(), options_.unbounded_clients.end(),
                             [&](const Cidr& range) { return range.Contains(*ip); });
  }

  void Refuse(tcp::socket& socket) {
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    socket.send(asio::buffer(busy_answer_), 0, ec);
    socket.shutdown(tcp::socket::shutdown_send, ec);
    socket.close(ec);
    metrics::CountRefusedConnection();
  }

  // Out of files: the pending connections would wait in the kernel's queue
  // with no answer. The reserve file is given back so that they can be taken
  // one at a time, told, and closed; then it is taken again.
  void ShedPending() {
    if (reserve_fd_ >= 0) ::close(reserve_fd_);
    reserve_fd_ = -1;
    for (int i = 0; i < 1024; ++i) {
      const int fd =
          ::accept4(acceptor_->native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) break;
      [[maybe_unused]] auto sent =
          ::send(fd, busy_answer_.data(), busy_answer_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      ::close(fd);
      metrics::CountRefusedConnection();
    }
    reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }

  // Registers a connection with the shutdown for as long as it lives, and
  // gives its place back when it ends.
  class Registration {
   public:
    Registration(Impl& server, std::shared_ptr<Live> live, std::string client)
        : server_(server), live_(std::move(live)), client_(std::move(client)) {
      std::lock_guard lock(server_.live_mutex_);
      server_.live_[live_.get()] = live_;
    }
    ~Registration() {
      live_->stream = nullptr;
      {
        std::lock_guard lock(server_.live_mutex_);
        server_.live_.erase(live_.get());
      }
      server_.limits_.Release(client_);
      metrics::CountConnections(-1);
    }

   private:
    Impl& server_;
    std::shared_ptr<Live> live_;
    std::string client_;
  };

  asio::awaitable<void> Session(tcp::socket socket, std::string remote, std::string client) {
    boost::system::error_code ec;
    auto live = std::make_shared<Live>();
    live->strand = socket.get_executor();
    beast::tcp_stream stream(std::move(socket));
    live->stream = &stream;
    Registration registration(*this, live, std::move(client));
    beast::flat_buffer buffer;
    // A stop that came before this point finds the connection idle and
    // cancels nothing; one that comes later cancels the read below.
    while (!stopping_) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(kMaxBodyBytes);
      live->idle = true;
      stream.expires_after(options_.idle_timeout);
      auto [hec, hn] = co_await bhttp::async_read_header(stream, buffer, parser,
                                                         asio::as_tuple(asio::use_awaitable));
      live->idle = false;
      // Beast checks a declared Content-Length against the limit with the header.
      if (hec) {
        if (auto answer = AnswerTo(hec)) co_await Reject(stream, *answer, 11);
        break;
      }
      const auto& head = parser.get();
      if (beast::iequals(head[bhttp::field::expect], "100-continue")) {
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, head.version()};
        co_await bhttp::async_write(stream, cont, asio::as_tuple(asio::use_awaitable));
      }
      auto [bec, bn] =
          co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      if (bec) {
        if (auto answer = AnswerTo(bec)) co_await Reject(stream, *answer, head.version());
        break;
      }
      const Request req = ToRequest(parser.get(), remote);
      const auto start = std::chrono::steady_clock::now();
      const Response res = co_await asio::co_spawn(
          workers_, [&]() -> asio::awaitable<Response> { co_return handler_(req); },
          asio::use_awaitable);
      // A request answered during the shutdown is the connection's last.
      auto out = ToBeast(res, parser.get().version(), parser.get().keep_alive() && !stopping_);
      if (req.method == "HEAD") out.body().clear();
      stream.expires_after(kWriteTimeout);
      auto [wec, wn] =
          co_await bhttp::async_write(stream, out, asio::as_tuple(asio::use_awaitable));
      const auto ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
      metrics::ObserveHttp(req.method, res.status, ms / 1000.0);
      log::Info(req.method + " " + req.path + " " + std::to_string(res.status) + " " +
                std::to_string(int64_t(ms * 1000) / 1000.0).substr(0, 6) +
                "ms trace=" + req.trace.trace_id);
      if (wec || !out.keep_alive()) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  // The answer to a request that could not be read, or none when there is no
  // one to answer (the client left, or sat idle past the timeout). Behind a
  // proxy a closed connection becomes a 502 that says nothing; this says what.
  static std::optional<Error> AnswerTo(const boost::system::error_code& ec) {
    if (ec == bhttp::error::body_limit)
      return Error{
          ErrorKind::kPayloadTooLarge, "payload_too_large", "The body is larger than 1 MiB.", {}};
    if (ec == bhttp::error::header_limit)
      return Error{ErrorKind::kHeadersTooLarge,
                   "headers_too_large",
                   "The request line and headers are larger than 8 KiB.",
                   {}};
    // Beast's parse errors (a bad method, target, version, header, length,
    // chunk or line ending) share its category; the rest are the network's.
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message)
      return Error{ErrorKind::kBadRequest,
                   "bad_request",
                   "The request is not valid HTTP/1.1 (" + ec.message() + ").",
                   {}};
    return std::nullopt;
  }

  // Answers `error`, then closes: sends it, stops sending, and reads
  // (discarding) what the client is still sending, so that it sees the
  // answer rather than a reset connection.
  asio::awaitable<void> Reject(beast::tcp_stream& stream, const Error& error, unsigned version) {
    const Response res = ErrorResponse(error);
    auto out = ToBeast(res, version, false);
    stream.expires_after(std::chrono::seconds(10));
    auto [wec, wn] = co_await bhttp::async_write(stream, out, asio::as_tuple(asio::use_awaitable));
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    std::vector<char> scratch(64 * 1024);
    size_t drained = 0;
    stream.expires_after(std::chrono::seconds(5));
    while (!wec && drained < kMaxDrainBytes) {
      auto [rec, n] = co_await stream.async_read_some(asio::buffer(scratch),
                                                      asio::as_tuple(asio::use_awaitable));
      if (rec) break;
      drained += n;
    }
    metrics::ObserveHttp("other", res.status, 0);
    log::Info("unreadable request: " + std::to_string(res.status) + " " + error.code);
  }

  RequestHandler handler_;
  ServerOptions options_;
  ConnectionLimits limits_;
  const std::string busy_answer_;
  std::atomic<bool> stopping_{false};
  std::mutex live_mutex_;
  std::map<Live*, std::shared_ptr<Live>> live_;
  int reserve_fd_ = -1;  // a file held back to accept (and refuse) with when out of files
  // Declared last: destroyed first, with the connections' coroutine frames,
  // while what their Registrations touch still exists.
  asio::io_context ioc_;
  asio::thread_pool workers_;
  std::optional<tcp::acceptor> acceptor_;
};

Server::Server(RequestHandler handler, ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(handler), std::move(options))) {}
Server::~Server() = default;
Result<uint16_t> Server::Listen() { return impl_->Listen(); }
void Server::Run() { impl_->Run(); }
void Server::Stop() { impl_->Stop(); }

Result<std::pair<std::string, uint16_t>> ParseListenAddress(const std::string& text) {
  const auto colon = text.rfind(':');
  const Error bad{ErrorKind::kBadRequest,
                  "bad_listen",
                  "--listen must be HOST:PORT, for example 127.0.0.1:8080.",
                  {}};
  if (colon == std::string::npos || colon + 1 == text.size()) return Fail(bad);
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  unsigned port = 0;
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  auto [p, ec] = std::from_chars(first, last, port);
  if (ec != std::errc() || p != last || port > 65535) return Fail(bad);
  return std::pair{host, uint16_t(port)};
}

}  // namespace lw::http
