// What the fuzz targets share: one migrated SQLite database with an
// organization (its default statuses and lookups), made once per process, and
// a way to run input through a write that is always rolled back, so every
// run sees the same database.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "store/database.h"

namespace lw::fuzz {

struct FuzzDatabase {
  Database& db;
  int64_t org_id;
};
FuzzDatabase Shared();

// Runs `fn` in a write transaction that is then rolled back.
void RolledBack(Database& db, const std::function<void(sql::Connection&)>& fn);

inline std::string_view Text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A property the input broke: abort, so libFuzzer keeps the input as a crash.
#define LW_FUZZ_ASSERT(cond)       \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

}  // namespace lw::fuzz
