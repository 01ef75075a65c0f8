#include "common/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>
#include <chrono>

#include "common/time_format.h"

namespace lw::log {

namespace {
spdlog::logger& Logger() {
  static auto logger = [] {
    auto l = spdlog::stderr_color_mt("leadwire");
    l->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
    return l;
  }();
  return *logger;
}

std::atomic<bool> json_lines{false};

// The trace id a message ends with (" trace=<32 hex>"), or empty.
std::string_view TraceIdOf(std::string_view m) {
  const size_t at = m.rfind(" trace=");
  if (at == std::string_view::npos) return {};
  const std::string_view id = m.substr(at + 7, 32);
  if (id.size() != 32) return {};
  for (char ch : id)
    if (!std::isxdigit(static_cast<unsigned char>(ch))) return {};
  return id;
}

// One JSON object: the message as JSON escapes it (which keeps it one line).
std::string JsonLine(const char* level, std::string_view m) {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto quoted = [](std::string_view text) {
    return boost::json::serialize(boost::json::string_view(text.data(), text.size()));
  };
  std::string out =
      "{\"time\":\"" + FormatIsoMs(now) + "\",\"level\":\"" + level + "\",\"message\":" + quoted(m);
  if (const std::string_view id = TraceIdOf(m); !id.empty()) out += ",\"trace_id\":" + quoted(id);
  return out + "}";
}

}  // namespace

// One entry, one line: control characters (a line break in a request path
// such as "%0a", in a library's message), the Unicode line breaks (NEL,
// U+2028, U+2029) and the backslash are written as escapes, so nothing logged
// can forge a line or split one, nor pass for an escape.
std::string OneLine(std::string_view m) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(m.size());
  for (size_t i = 0; i < m.size(); ++i) {
    const char ch = m[i];
    const auto b = static_cast<unsigned char>(ch);
    const std::string_view rest = m.substr(i);
    if (rest.starts_with("\xC2\x85") || rest.starts_with("\xE2\x80\xA8") ||
        rest.starts_with("\xE2\x80\xA9")) {
      out += rest[0] == '\xC2' ? "\\u0085" : rest[2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += rest[0] == '\xC2' ? 1 : 2;
    } else if (ch == '\\') {
      out += "\\\\";
    } else if (b >= 0x20 && b != 0x7f) {
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (ch == '\t') {
      out += "\\t";
    } else {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
  return out;
}

void Info(std::string_view m) {
  if (json_lines) return Logger().info(JsonLine("info", m));
  Logger().info(OneLine(m));
}
void Warn(std::string_view m) {
  if (json_lines) return Logger().warn(JsonLine("warn", m));
  Logger().warn(OneLine(m));
}
void Error(std::string_view m) {
  if (json_lines) return Logger().error(JsonLine("error", m));
  Logger().error(OneLine(m));
}
void SetFormat(Format format) {
  json_lines = format == Format::kJson;
  if (json_lines)
    Logger().set_pattern("%v");
  else
    Logger().set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
}
void SetQuiet(bool quiet) { Logger().set_level(quiet ? spdlog::level::warn : spdlog::level::info); }

}  // namespace lw::log
