// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent`
// a request arrives with, continued by the events it causes and by each of
// their webhook attempts (same trace id, a new span id per attempt), so an
// operator follows a lead from the web form to the receiver in their tracing.
// A request without one, or with one that does not parse, starts a new trace.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lw {

struct TraceContext {
  std::string trace_id;  // 32 lower-case hex digits, not all zero
  std::string flags;     // 2 lower-case hex digits (01: sampled)

  // `traceparent` for one outgoing request of this trace: version 00, this
  // trace id, a new random span id, these flags.
  std::string ChildTraceparent() const;
  // How it is stored with an event: "TRACE_ID-FLAGS".
  std::string Stored() const { return trace_id + "-" + flags; }
};

// The trace a `traceparent` header names, as the specification's parsing
// rules read it (a later version's extra fields are ignored); nullopt when it
// is malformed, version ff, or its trace or parent id is all zeros.
std::optional<TraceContext> ParseTraceparent(std::string_view header);
// A stored context (Stored()); nullopt when it is not one.
std::optional<TraceContext> ParseStoredTrace(std::string_view stored);
// A new trace: a random id, sampled.
TraceContext NewTrace();
// What a request continues: its header's trace, or a new one (the header
// empty, absent, or malformed).
TraceContext TraceOfRequest(std::string_view traceparent);

}  // namespace lw
