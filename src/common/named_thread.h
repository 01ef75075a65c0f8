// A std::thread that carries a name, so `top -H`, perf and gdb tell the
// delivery threads apart. Any thread may start one.
#pragma once

#include <pthread.h>

#include <thread>
#include <utility>

namespace lw {

// name: at most 15 characters (the kernel's limit).
template <typename Fn>
std::thread NamedThread(const char* name, Fn fn) {
  return std::thread([name, fn = std::move(fn)]() mutable {
    pthread_setname_np(pthread_self(), name);
    fn();
  });
}

}  // namespace lw
