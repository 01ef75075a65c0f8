// Server: the HTTP/1.1 listener (Boost.Beast, C++20 coroutines on a few I/O
// threads). Each request is parsed on an I/O thread (body limit 1 MiB → 413),
// handed to a worker pool for Router::Handle (which may block on the
// database), and answered back on the I/O thread. Beast stays inside server.cc.
// Connections are bounded in all and per client, so that idle sockets from a
// few machines cannot use up the process's files; SIGINT/SIGTERM stop it
// gracefully (no new connections, running requests finish, idle ones close).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "delivery/address_policy.h"
#include "http/message.h"

namespace lw::http {

inline constexpr size_t kMaxBodyBytes = 1024 * 1024;

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  int io_threads = 2;
  int worker_threads = 8;
  size_t max_connections = 10000;           // in all; 0: no bound
  size_t max_connections_per_client = 256;  // per ClientKey; 0: no bound
  std::chrono::seconds idle_timeout{60};    // waiting for a request (or its headers)
  std::chrono::seconds shutdown_grace{10};  // for requests running when the stop comes
  // Load balancers (--trusted-proxy): their connections carry everyone's
  // requests, so they count only against max_connections.
  std::vector<Cidr> unbounded_clients{};
};

// What answers a request; called on a worker thread, may block.
using RequestHandler = std::function<Response(const Request&)>;

class Server {
 public:
  Server(RequestHandler handler, ServerOptions options);
  ~Server();
  // Binds and listens; returns the bound port (useful with port 0).
  Result<uint16_t> Listen();
  // Serves until SIGINT/SIGTERM or Stop(); blocks the calling thread. Then
  // accepts nothing more, closes idle connections, lets running requests
  // finish (up to shutdown_grace) and returns.
  void Run();
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits "HOST:PORT" ("127.0.0.1:8080", "[::1]:0", "localhost:9000").
Result<std::pair<std::string, uint16_t>> ParseListenAddress(const std::string& text);

}  // namespace lw::http
