// CommittedIds: ids by name that never change once committed (an
// organization's lookups are only ever added: never renamed, moved or
// deleted), remembered per database so that a lead's transaction need not
// ask the server for its status, case type and office on every request —
// each of those is a round trip on PostgreSQL.
//
// Only what a transaction found and did not write itself is remembered: a
// row it wrote may still be rolled back, and an id remembered from it would
// then name nothing (sql::Connection keeps that per transaction). Other
// transactions' uncommitted rows are never seen. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace lw::sql {

class CommittedIds {
 public:
  std::optional<int64_t> Find(const std::string& key) const {
    std::shared_lock lock(mutex_);
    auto it = ids_.find(key);
    if (it == ids_.end()) return std::nullopt;
    return it->second;
  }
  void Remember(const std::string& key, int64_t id) {
    std::unique_lock lock(mutex_);
    // Bounded: a host of many firms forgets all now and then rather than grow.
    if (ids_.size() >= kMaxEntries) ids_.clear();
    ids_.emplace(key, id);
  }

 private:
  static constexpr size_t kMaxEntries = 200'000;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, int64_t> ids_;
};

}  // namespace lw::sql
