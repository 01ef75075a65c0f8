// The store tests' probe rows: organizations written by name, read back as a set.
#pragma once

#include <set>
#include <string>

#include "store/database.h"

namespace lw::testing {

inline void InsertOrg(sql::Connection& c, const std::string& name) {
  c.Exec("INSERT INTO organizations (name, webhook_key, created_at) VALUES (?, 'k', 0)", {name});
}

inline std::set<std::string> OrgNames(Database& db) {
  return *ReadResult<std::set<std::string>>(
      db, [](sql::Connection& c) -> Result<std::set<std::string>> {
        std::set<std::string> names;
        for (const auto& r : c.Query("SELECT name FROM organizations")) names.insert(r.Text(0));
        return names;
      });
}

}  // namespace lw::testing
