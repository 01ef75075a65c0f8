// PeriodicThread: a named thread that runs a round at Start and then every
// `every`, until Stop, which wakes its wait at once and joins it. The
// retention and the notifier each run on one; a round with many steps asks
// Stopping() between them, so a stop does not wait for the whole round.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace lw {

class PeriodicThread {
 public:
  // name: at most 15 characters (NamedThread).
  PeriodicThread(const char* name, std::chrono::milliseconds every, std::function<void()> round)
      : name_(name), every_(every), round_(std::move(round)) {}
  ~PeriodicThread() { Stop(); }
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

  void Start();
  // Any thread but the round's own; returns once the thread has ended.
  void Stop();
  bool Stopping() const;

 private:
  void Run();

  const char* const name_;
  const std::chrono::milliseconds every_;
  const std::function<void()> round_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace lw
