#include "common/time_format.h"

#include <gtest/gtest.h>

namespace lw {
namespace {

TEST(TimeFormat, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(FormatIsoMs(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIsoMs(1736942400123), "2025-01-15T12:00:00.123Z");
}

TEST(TimeFormat, ParsesWhatItFormatsAndOffsets) {
  EXPECT_EQ(ParseIso("2025-01-15T12:00:00.123Z"), 1736942400123);
  EXPECT_EQ(ParseIso("2025-01-15T14:00:00+02:00"), 1736942400000);
  EXPECT_EQ(ParseIso("2025-01-15"), 1736899200000);
}

TEST(TimeFormat, RejectsMalformedDates) {
  EXPECT_FALSE(ParseIso("2025-02-30"));
  EXPECT_FALSE(ParseIso("2025-01-15T12:00:00"));  // no zone
  EXPECT_FALSE(ParseIso("yesterday"));
  EXPECT_FALSE(ParseIso("2025-01-15T25:00:00Z"));
}

}  // namespace
}  // namespace lw
