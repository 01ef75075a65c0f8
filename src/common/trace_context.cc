#include "common/trace_context.h"

#include "common/crypto.h"

namespace lw {

namespace {

bool LowerHex(std::string_view s) {
  for (const char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool AllZeros(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

// A random id of `bytes` bytes in hex, never all zeros (which means "none").
std::string RandomId(size_t bytes) {
  std::string id;
  do id = crypto::Hex(crypto::RandomBytes(bytes));
  while (AllZeros(id));
  return id;
}

}  // namespace

std::string TraceContext::ChildTraceparent() const {
  return "00-" + trace_id + "-" + RandomId(8) + "-" + flags;
}

std::optional<TraceContext> ParseTraceparent(std::string_view h) {
  // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2.
  constexpr size_t kLength = 55;
  if (h.size() < kLength || h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  const std::string_view version = h.substr(0, 2), trace = h.substr(3, 32),
                         parent = h.substr(36, 16), flags = h.substr(53, 2);
  if (!LowerHex(version) || version == "ff") return std::nullopt;
  // Version 00 is exactly this long; a later version may add fields after a '-'.
  if (h.size() > kLength && (version == "00" || h[kLength] != '-')) return std::nullopt;
  if (!LowerHex(trace) || !LowerHex(parent) || !LowerHex(flags)) return std::nullopt;
  if (AllZeros(trace) || AllZeros(parent)) return std::nullopt;
  return TraceContext{std::string(trace), std::string(flags)};
}

std::optional<TraceContext> ParseStoredTrace(std::string_view stored) {
  if (stored.size() != 35 || stored[32] != '-') return std::nullopt;
  const std::string_view trace = stored.substr(0, 32), flags = stored.substr(33, 2);
  if (!LowerHex(trace) || !LowerHex(flags) || AllZeros(trace)) return std::nullopt;
  return TraceContext{std::string(trace), std::string(flags)};
}

TraceContext NewTrace() { return {RandomId(16), "01"}; }

TraceContext TraceOfRequest(std::string_view traceparent) {
  if (auto t = ParseTraceparent(traceparent)) return *t;
  return NewTrace();
}

}  // namespace lw
