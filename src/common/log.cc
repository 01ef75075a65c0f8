#include "common/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

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

// One entry, one line: control characters (a line break in a request path
// such as "%0a", in a library's message) are written as escapes, so nothing
// logged can forge a line or split one.
std::string OneLine(std::string_view m) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(m.size());
  for (const char ch : m) {
    const auto b = static_cast<unsigned char>(ch);
    if (b >= 0x20 && b != 0x7f) {
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

}  // namespace

void Info(std::string_view m) { Logger().info(OneLine(m)); }
void Warn(std::string_view m) { Logger().warn(OneLine(m)); }
void Error(std::string_view m) { Logger().error(OneLine(m)); }
void SetQuiet(bool quiet) { Logger().set_level(quiet ? spdlog::level::warn : spdlog::level::info); }

}  // namespace lw::log
