#include "common/json_fields.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace lw {
namespace {

namespace json = boost::json;

TEST(FieldReader, TrimsAndTreatsEmptyAsAbsent) {
  auto o = json::parse(R"({"a":"  x  ","b":"   ","c":null,"n":12})").as_object();
  FieldReader f(o);
  EXPECT_EQ(f.String("a"), "x");
  EXPECT_EQ(f.String("b"), std::nullopt);
  EXPECT_EQ(f.String("c"), std::nullopt);
  EXPECT_EQ(f.String("missing"), std::nullopt);
  EXPECT_EQ(f.String("n"), "12");
  EXPECT_TRUE(f.ok());
}

TEST(FieldReader, CollectsEveryProblemWithItsPath) {
  auto o = json::parse(R"({"s":[1],"b":"yes","i":1.5,"l":"x","long":"abcdef"})").as_object();
  FieldReader f(o, "contact");
  f.String("s");
  f.Bool("b");
  f.Int("i");
  f.StringList("l");
  f.String("long", 5);
  f.RequiredString("needed");
  auto st = f.Check();
  ASSERT_FALSE(st);
  const auto& fields = st.error().fields;
  for (const char* key :
       {"contact.s", "contact.b", "contact.i", "contact.l", "contact.long", "contact.needed"})
    EXPECT_TRUE(fields.count(key)) << key;
}

TEST(FieldReader, CountsCharactersNotBytes) {
  EXPECT_EQ(Utf8Length("héllo"), 5u);
  EXPECT_EQ(Utf8Length("日本"), 2u);
  auto o = json::parse(R"({"t":"ééééé"})").as_object();
  FieldReader f(o);
  EXPECT_EQ(f.String("t", 5), "ééééé");
  EXPECT_TRUE(f.ok());
}

}  // namespace
}  // namespace lw
