// ISO-8601 UTC timestamps with milliseconds ("2025-01-15T12:00:00.000Z"), the
// one date format of the API and the payloads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lw {

std::string FormatIsoMs(int64_t epoch_ms);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)" and "YYYY-MM-DD"; nullopt otherwise.
std::optional<int64_t> ParseIso(std::string_view text);

}  // namespace lw
