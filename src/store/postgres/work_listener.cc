#include "store/postgres/work_listener.h"

#include <poll.h>

#include <chrono>
#include <string>

#include "common/log.h"
#include "common/named_thread.h"

namespace lw {

namespace {
// How often the thread looks at running_ while nothing arrives.
constexpr int kPollMs = 250;
}  // namespace

WorkListener::WorkListener(Connector& connector, std::function<void()> wake)
    : connector_(connector), wake_(std::move(wake)) {
  thread_ = NamedThread("lw-listen", [this] { Run(); });
}

WorkListener::~WorkListener() {
  running_ = false;
  thread_.join();
}

void WorkListener::Run() {
  bool lost = false;
  while (running_) {
    try {
      auto conn = connector_.Connect();
      conn->ExecScript(std::string("LISTEN ") + kWorkChannel);
      if (lost) log::Info("listening for new deliveries again");
      lost = false;
      wake_();  // what was announced while not listening
      Listen(*conn);
    } catch (const sql::DbError& e) {
      if (!lost) log::Warn(std::string("not listening for new deliveries: ") + e.what());
      lost = true;
      // The connector decides when to try again; meanwhile the poll backstop
      // of the dispatcher still finds the work.
      std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
    }
  }
}

void WorkListener::Listen(PostgresConnection& conn) {
  while (running_) {
    pollfd fd{conn.Socket(), POLLIN, 0};
    if (::poll(&fd, 1, kPollMs) < 0) continue;  // EINTR
    if (fd.revents == 0) continue;
    if (!conn.TakeNotifications().empty()) wake_();
  }
}

}  // namespace lw
