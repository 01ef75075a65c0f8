// Actor: who is doing something — the organization every record must belong
// to, the acting user (named in payloads and the audit log), and the time.
#pragma once

#include <cstdint>
#include <string>

namespace lw {

struct Actor {
  int64_t org_id = 0;
  int64_t user_id = 0;
  std::string user_name;
  bool admin = false;
  int64_t now_ms = 0;
  // The trace of the request acting (TraceContext::Stored), kept with the
  // events it causes; empty: none (the CLI, the demo).
  std::string trace = {};
};

}  // namespace lw
