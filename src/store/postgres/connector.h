// Connector: opens PostgreSQL connections with backoff. After a failed
// attempt the next one waits 100 ms, doubling up to 5 s; until then Connect
// fails at once, so a node whose database is away answers 503 quickly and
// does not hammer a server that is starting. Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "store/postgres/postgres_connection.h"

namespace lw {

class Connector {
 public:
  explicit Connector(std::string conninfo) : conninfo_(std::move(conninfo)) {}

  // Throws DbError (kUnavailable) when the server cannot be reached, or while
  // the wait after the last failure runs.
  std::unique_ptr<PostgresConnection> Connect();

 private:
  using Clock = std::chrono::steady_clock;
  const std::string conninfo_;
  std::mutex mutex_;
  Clock::duration backoff_{};  // zero: the last attempt succeeded
  Clock::time_point next_try_{};
  std::string last_error_;
};

}  // namespace lw
