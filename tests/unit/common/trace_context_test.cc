// W3C traceparent parsing and continuation (common/trace_context), checked
// against the specification's rules and its examples.
#include "common/trace_context.h"

#include <gtest/gtest.h>

#include <set>

namespace lw {
namespace {

constexpr const char* kExample = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContext, ReadsTheSpecificationsExample) {
  auto t = ParseTraceparent(kExample);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(t->flags, "01");
  EXPECT_EQ(t->Stored(), "4bf92f3577b34da6a3ce929d0e0e4736-01");
  EXPECT_EQ(ParseStoredTrace(t->Stored())->trace_id, t->trace_id);
}

TEST(TraceContext, RefusesWhatTheSpecificationRefuses) {
  for (const char* bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",       // no flags
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero parent id
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version ff
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // 00 is exact
           "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",   // no '-' after
           "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",    // separators
           "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // not hex
           "00-4bf92f3577b34da6a3ce929d0e0e473z-00f067aa0ba902b7-01",
       })
    EXPECT_FALSE(ParseTraceparent(bad)) << bad;
  // A later version's extra fields are ignored.
  EXPECT_TRUE(ParseTraceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what"));
  EXPECT_FALSE(ParseStoredTrace("4bf92f3577b34da6a3ce929d0e0e4736"));
  EXPECT_FALSE(ParseStoredTrace("00000000000000000000000000000000-01"));
}

TEST(TraceContext, EachAttemptIsANewSpanOfTheSameTrace) {
  const TraceContext t = *ParseTraceparent(kExample);
  std::set<std::string> spans;
  for (int i = 0; i < 100; ++i) {
    const std::string child = t.ChildTraceparent();
    auto back = ParseTraceparent(child);
    ASSERT_TRUE(back) << child;
    EXPECT_EQ(back->trace_id, t.trace_id);
    EXPECT_EQ(back->flags, "01");
    EXPECT_EQ(child.substr(0, 3), "00-");
    spans.insert(child.substr(36, 16));
  }
  EXPECT_EQ(spans.size(), 100u);
  EXPECT_EQ(spans.count("00f067aa0ba902b7"), 0u) << "not the caller's span";
}

TEST(TraceContext, ARequestWithoutOneStartsANewSampledTrace) {
  const TraceContext a = TraceOfRequest(""), b = TraceOfRequest("garbage");
  EXPECT_NE(a.trace_id, b.trace_id);
  EXPECT_TRUE(ParseStoredTrace(a.Stored()));
  EXPECT_EQ(a.flags, "01");
  EXPECT_EQ(TraceOfRequest(kExample).trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
}

}  // namespace
}  // namespace lw
