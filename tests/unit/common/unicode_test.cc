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

// A receiver's bytes as stored: Latin-1 becomes U+FFFD (at the end too: a
// complete body that ends in a lone lead byte is invalid, not cut), NUL goes,
// and the limit holds after replacement, cut before a character that does
// not fit whole.
TEST(Unicode, StorableTextIsValidUtf8WithinItsLimit) {
  EXPECT_EQ(StorableText("Caf\xe9", 100), "Caf\uFFFD");
  EXPECT_EQ(StorableText("a\0b"s, 100), "ab");
  EXPECT_EQ(StorableText("ok \xE2\x82\xAC", 100), "ok \u20AC");
  EXPECT_EQ(StorableText("ok \xE2\x82", 100), "ok \uFFFD\uFFFD");
  EXPECT_EQ(StorableText("ab\xE2\x82\xAC", 4), "ab");  // € does not fit whole
  EXPECT_EQ(StorableText("\xff\xff", 4), "\uFFFD");    // nor does a second U+FFFD
  // A body over 8 KiB with é across the line, captured with 3 bytes more.
  std::string big(8 * 1024 - 1, 'x');
  big += "\xC3\xA9yy";
  EXPECT_EQ(StorableText(big, 8 * 1024), std::string(8 * 1024 - 1, 'x'));
}

}  // namespace
}  // namespace lw
