#include "store/postgres/connector.h"

#include <algorithm>

namespace lw {

namespace {
constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::seconds(5);
}  // namespace

std::unique_ptr<PostgresConnection> Connector::Connect() {
  {
    std::lock_guard lock(mutex_);
    if (Clock::now() < next_try_) throw sql::DbError(sql::DbError::Kind::kUnavailable, last_error_);
  }
  try {
    auto conn = std::make_unique<PostgresConnection>(conninfo_);
    std::lock_guard lock(mutex_);
    backoff_ = {};
    return conn;
  } catch (const sql::DbError& e) {
    if (e.kind == sql::DbError::Kind::kUnavailable) {
      std::lock_guard lock(mutex_);
      backoff_ = backoff_ == Clock::duration{}
                     ? Clock::duration(kFirstBackoff)
                     : std::min<Clock::duration>(backoff_ * 2, kMaxBackoff);
      next_try_ = Clock::now() + backoff_;
      last_error_ = e.what();
    }
    throw;
  }
}

}  // namespace lw
