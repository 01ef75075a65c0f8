// libsodium must be initialised once before use (it picks its fastest code
// for this CPU and opens the system RNG); every user calls this first.
#pragma once

#include <sodium.h>

#include <cstdlib>

namespace lw {

inline void EnsureSodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();
}

}  // namespace lw
