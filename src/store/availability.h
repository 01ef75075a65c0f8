// Whether this node can reach its database, as its last transactions found.
// An outage is logged twice — when it starts (with its reason) and when it
// ends (with its length) — however many transactions fail in between, and
// shows as the leadwire_database_up gauge. Process-wide; any thread.
#pragma once

#include <string_view>

namespace lw::availability {

// A transaction failed because the database could not be reached or store
// anything (Error::Unavailable); `writes_only`: it can still be read (a full
// disk).
void ReportDown(std::string_view why, bool writes_only = false);
// A transaction went through (`write`: it wrote).
void ReportUp(bool write = true);
bool IsUp();

}  // namespace lw::availability
