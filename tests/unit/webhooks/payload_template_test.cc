// PayloadTemplate (webhooks/payload_template): placeholders keep the key's
// type when they are the whole value, become text inside a string, nest;
// unknown keys and oversized templates or results are refused.
#include "webhooks/payload_template.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace lw {
namespace {

namespace json = boost::json;

const std::set<std::string> kKeys = {
    "LeadId", "LeadCode", "ContactFirstName", "ContactLastName", "Deceased", "CaseType", "Files"};
const json::object kPayload =
    json::parse(
        R"({"LeadId":42,"LeadCode":"L000042","ContactFirstName":"Ada","ContactLastName":null,
        "Deceased":false,"CaseType":"Dog Bite","Files":[{"FileId":1}]})")
        .as_object();

std::string Render(const char* tmpl) {
  auto t = PayloadTemplate::Parse(json::parse(tmpl), kKeys);
  EXPECT_TRUE(t) << tmpl;
  auto body = t->Render(kPayload);
  EXPECT_TRUE(body);
  return *body;
}

TEST(PayloadTemplate, AWholePlaceholderKeepsItsTypeAndTextInterpolates) {
  EXPECT_EQ(
      Render(
          R"({"id":"{{LeadId}}","dead":"{{Deceased}}","files":"{{Files}}","last":"{{ContactLastName}}"})"),
      R"({"id":42,"dead":false,"files":[{"FileId":1}],"last":null})");
  EXPECT_EQ(
      Render(
          R"({"text":"New lead {{LeadCode}} ({{ CaseType }}) for {{ContactFirstName}} {{ContactLastName}}!"})"),
      R"({"text":"New lead L000042 (Dog Bite) for Ada !"})");
  EXPECT_EQ(Render(R"({"n":"#{{LeadId}}","b":"{{Deceased}}?"})"), R"({"n":"#42","b":"false?"})");
}

TEST(PayloadTemplate, NestsAndLeavesEverythingElseAlone) {
  EXPECT_EQ(Render(R"({"lead":{"ids":["{{LeadId}}",7,true,null],"tag":"{{ not a key"},"x":1.5})"),
            R"({"lead":{"ids":[42,7,true,null],"tag":"{{ not a key"},"x":1.5E0})");
  EXPECT_EQ(Render(R"({"{{LeadId}}":"keys are not evaluated","a":"{{}}","b":"{{Lead Id}}"})"),
            R"({"{{LeadId}}":"keys are not evaluated","a":"{{}}","b":"{{Lead Id}}"})");
}

TEST(PayloadTemplate, RefusesUnknownKeysWhatIsNotAnObjectAndWhatIsTooBig) {
  auto unknown =
      PayloadTemplate::Parse(json::parse(R"({"a":"{{LeadCod}}","b":["x {{Nope}}"]})"), kKeys);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().fields.at("payload_template"),
            "{{LeadCod}}, {{Nope}} name no key of this trigger's payload (see its example)");
  for (const char* bad : {"[]", "\"{{LeadId}}\"", "3"})
    EXPECT_FALSE(PayloadTemplate::Parse(json::parse(bad), kKeys)) << bad;
  json::object big{{"x", std::string(kMaxTemplateBytes, 'a')}};
  EXPECT_FALSE(PayloadTemplate::Parse(big, kKeys));
  // Small, but it repeats a long value past 256 KiB.
  json::array many;
  for (int i = 0; i < 300; ++i) many.push_back("{{CaseType}}");
  auto t = PayloadTemplate::Parse(json::object{{"v", many}}, kKeys);
  ASSERT_TRUE(t);
  json::object payload = kPayload;
  payload["CaseType"] = std::string(1000, 'c');
  EXPECT_FALSE(t->Render(payload));
}

// A lead's custom fields are top-level keys named by their label, which may
// hold spaces: "{{custom:Label}}" names one, where the trigger carries them.
TEST(PayloadTemplate, NamesCustomFieldsByLabelWhereTheTriggerCarriesThem) {
  const auto tmpl = json::parse(
      R"({"where":"{{custom: Accident Location }}","text":"At {{custom:Accident Location}}, )"
      R"({{custom:Missing}}.","n":"{{custom:Injuries (count)}}"})");
  EXPECT_FALSE(PayloadTemplate::Parse(tmpl, kKeys)) << "not on a trigger without custom fields";
  auto t = PayloadTemplate::Parse(tmpl, kKeys, true);
  ASSERT_TRUE(t);
  json::object payload = kPayload;
  payload["Accident Location"] = "5th & Main";
  payload["Injuries (count)"] = 2;
  EXPECT_EQ(*t->Render(payload), R"({"where":"5th & Main","text":"At 5th & Main, .","n":2})");
  // A label is 1 to 100 characters without braces; anything else stays text.
  EXPECT_EQ(
      Placeholders("{{custom:}} {{custom:a{b}} {{custom:" + std::string(101, 'x') + "}}").size(),
      0u);
  auto typo = PayloadTemplate::Parse(json::parse(R"({"a":"{{LeadCod}}"})"), kKeys, true);
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().fields.at("payload_template").find("{{custom:Its Label}}"),
            std::string::npos);
}

// The compiled form writes what a JSON tree built from the template and
// serialized would: escapes in literals, keys and interpolated text alike.
TEST(PayloadTemplate, RendersFromStoredTextAsFromAnObject) {
  const char* tmpl =
      R"({"q\"uote":"say \"{{ContactFirstName}}\"\n\t{{LeadId}}","u":"é {{CaseType}} ✓",)"
      R"("files":"{{Files}}","nested":{"all":["{{Files}}","{{Deceased}} / {{ContactLastName}}"]},)"
      R"("empty":{},"none":[],"n":-0.5e3})";
  auto t = PayloadTemplate::Parse(json::parse(tmpl), kKeys);
  ASSERT_TRUE(t);
  json::object payload = kPayload;
  payload["ContactFirstName"] = "A\"da\\\u0001</script>";
  auto from_text = t->RenderText(json::serialize(payload));
  ASSERT_TRUE(from_text);
  EXPECT_EQ(*from_text, *t->Render(payload));
  const json::value back = json::parse(*from_text);
  EXPECT_EQ(back.at("q\"uote").as_string(), "say \"A\"da\\\u0001</script>\"\n\t42");
  EXPECT_EQ(back.at("u").as_string(), "é Dog Bite ✓");
  EXPECT_EQ(back.at("files"), kPayload.at("Files"));
  EXPECT_EQ(back.at("nested").at("all").as_array()[1].as_string(), "false / ");
  EXPECT_EQ(back.at("n").as_double(), -500.0);
  EXPECT_EQ(json::serialize(back.at("empty")), "{}");
  // What is stored but is not an object cannot be filled.
  EXPECT_FALSE(t->RenderText("[1]"));
  EXPECT_FALSE(t->RenderText("{\"LeadId\":"));
}

}  // namespace
}  // namespace lw
