// The process's open-file limit: raised once at start-up to what the system
// allows, since every webhook in flight holds a socket. Call before threads
// open files.
#pragma once

#include <cstdint>

namespace lw {

// Raises the soft RLIMIT_NOFILE to the hard one; returns the limit now in force.
uint64_t RaiseOpenFileLimit();

}  // namespace lw
