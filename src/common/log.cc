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

void Info(std::string_view m) { Logger().info(OneLine(m)); }
void Warn(std::string_view m) { Logger().warn(OneLine(m)); }
void Error(std::string_view m) { Logger().error(OneLine(m)); }
void SetQuiet(bool quiet) { Logger().set_level(quiet ? spdlog::level::warn : spdlog::level::info); }

}  // namespace lw::log
