// Server: the HTTP/1.1 listener (Boost.Beast, C++20 coroutines on a few I/O
// threads). Each request is parsed on an I/O thread (body limit 1 MiB → 413),
// handed to a worker pool for Router::Handle (which may block on the
// database), and answered back on the I/O thread. Beast stays inside server.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/error.h"
#include "http/message.h"

namespace lw::http {

inline constexpr size_t kMaxBodyBytes = 1024 * 1024;

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  int io_threads = 2;
  int worker_threads = 8;
};

// What answers a request; called on a worker thread, may block.
using RequestHandler = std::function<Response(const Request&)>;

class Server {
 public:
  Server(RequestHandler handler, ServerOptions options);
  ~Server();
  // Binds and listens; returns the bound port (useful with port 0).
  Result<uint16_t> Listen();
  // Serves until SIGINT/SIGTERM or Stop(); blocks the calling thread.
  void Run();
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits "HOST:PORT" ("127.0.0.1:8080", "[::1]:0", "localhost:9000").
Result<std::pair<std::string, uint16_t>> ParseListenAddress(const std::string& text);

}  // namespace lw::http
