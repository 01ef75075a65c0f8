// Which characters a text field refuses, and the export's replacement of them.
#include "common/unicode.h"

#include <gtest/gtest.h>

#include <string>

namespace lw {
namespace {

using namespace std::string_literals;

TEST(Unicode, ControlCharactersAndNoncharactersAreForbiddenButLineBreaksAndTabsAreNot) {
  EXPECT_FALSE(HasForbiddenCharacters("Zapier → CRM, «Ünïcødé» 🎉\tand\r\nlines"));
  for (const std::string& bad : {"a\0b"s, "bell\a"s, "esc\x1b"s, "del\x7f"s, "c1\xC2\x85"s,
                                 "nonchar\xEF\xBF\xBE"s, "nonchar\xEF\xBF\xBF"s})
    EXPECT_TRUE(HasForbiddenCharacters(bad)) << bad;
}

TEST(Unicode, ReplacingKeepsGoodTextAndMarksEachBadCharacterOnce) {
  EXPECT_EQ(ReplaceForbiddenCharacters("Intake → Zap 🎉"), "Intake → Zap 🎉");
  EXPECT_EQ(ReplaceForbiddenCharacters("a\0b\xEF\xBF\xBE"s), "a\uFFFDb\uFFFD");
  // Bytes that are not UTF-8 (a lone continuation, a cut sequence, an
  // overlong form, a surrogate) never reach the output as they are.
  EXPECT_EQ(ReplaceForbiddenCharacters("x\x80y\xE2\x82"), "x\uFFFDy\uFFFD\uFFFD");
  EXPECT_EQ(ReplaceForbiddenCharacters("\xC0\xAF\xED\xA0\x80"), "\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD");
  EXPECT_EQ(ReplaceForbiddenCharacters("\uFFFD"), "\uFFFD");  // a real U+FFFD stays one
}

}  // namespace
}  // namespace lw
