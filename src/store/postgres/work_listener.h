// WorkListener: a worker node's LISTEN on the channel that transactions
// announcing new deliveries NOTIFY (WorkAnnouncer, after their commit).
// A thread of its own holds one connection outside the pool, waits on its
// socket and calls `wake` for each batch of notifications; when the
// connection is lost it reconnects (with the connector's backoff) and wakes
// once, as notifications sent meanwhile are gone. Stops when destroyed.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

#include "store/database.h"
#include "store/postgres/connector.h"

namespace lw {

inline constexpr const char* kWorkChannel = "leadwire_work";

class WorkListener final : public WorkWatch {
 public:
  WorkListener(Connector& connector, std::function<void()> wake);
  ~WorkListener() override;

 private:
  void Run();
  // Waits on one connection until it is lost or the listener stops.
  void Listen(PostgresConnection& conn);

  Connector& connector_;
  std::function<void()> wake_;
  std::atomic<bool> running_{true};
  std::thread thread_;
};

}  // namespace lw
