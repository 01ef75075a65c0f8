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

void Info(std::string_view m) { Logger().info(m); }
void Warn(std::string_view m) { Logger().warn(m); }
void Error(std::string_view m) { Logger().error(m); }
void SetQuiet(bool quiet) { Logger().set_level(quiet ? spdlog::level::warn : spdlog::level::info); }

}  // namespace lw::log
