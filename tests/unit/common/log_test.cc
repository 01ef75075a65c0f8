// Log entries are one line each, whatever the message holds: nothing in a
// request (a "%0a" in its path) or a library's message can split an entry or
// forge one, nor pass for an escape.
#include "common/log.h"

#include <gtest/gtest.h>

#include <string>

namespace lw {
namespace {

using namespace std::string_literals;

TEST(Log, AMessageIsOneLineWithItsBreaksEscaped) {
  EXPECT_EQ(log::OneLine("GET /x\n2026-01-01T00:00:00Z error forged"),
            "GET /x\\n2026-01-01T00:00:00Z error forged");
  EXPECT_EQ(log::OneLine("a\rb\tc\0d\x7f"s), "a\\rb\\tc\\x00d\\x7f");
  EXPECT_EQ(log::OneLine("nel\xC2\x85ls\xE2\x80\xA8ps\xE2\x80\xA9"),
            "nel\\u0085ls\\u2028ps\\u2029");
  EXPECT_EQ(log::OneLine("a literal \\n"), "a literal \\\\n") << "not mistaken for an escape";
  EXPECT_EQ(log::OneLine("Zapier → CRM"), "Zapier → CRM");
}

}  // namespace
}  // namespace lw
