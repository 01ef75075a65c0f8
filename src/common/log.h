// Logging: a thin face over spdlog so that most files need not include it.
// Every entry is one line: control characters in a message are escaped.
// Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace lw::log {

void Info(std::string_view message);
void Warn(std::string_view message);
void Error(std::string_view message);
void SetQuiet(bool quiet);  // tests and CLI subcommands that print JSON

// text: "TIME level message"; json (serve --log-format json, for log
// shippers): one object per line, {"time","level","message"} and
// "trace_id" where the message names one ("… trace=<id>").
enum class Format { kText, kJson };
void SetFormat(Format format);

// What a message becomes in the log: one line, escapes for what could split
// or forge one.
std::string OneLine(std::string_view message);

}  // namespace lw::log
