#include "common/periodic_thread.h"

#include "common/named_thread.h"

namespace lw {

void PeriodicThread::Start() {
  thread_ = NamedThread(name_, [this] { Run(); });
}

void PeriodicThread::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool PeriodicThread::Stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

void PeriodicThread::Run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    round_();
    lock.lock();
    wake_.wait_for(lock, every_, [this] { return stopping_; });
  }
}

}  // namespace lw
