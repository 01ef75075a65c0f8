#include "webhooks/rule_input.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>

namespace lw {
namespace {

namespace json = boost::json;

// Lookups of a small organization: Chase (10) with First Attempt (11); Hold (12).
std::optional<int64_t> FakeLookups(const std::string& kind, const std::string& name,
                                   int64_t parent) {
  static const std::map<std::tuple<std::string, std::string, int64_t>, int64_t> kIds = {
      {{"status", "Chase", 0}, 10},
      {{"substatus", "First Attempt", 10}, 11},
      {{"status", "Hold", 0}, 12},
      {{"case_type", "Auto Accident", 0}, 20},
      {{"case_type", "Dog Bite", 0}, 21},
      {{"office", "Downtown", 0}, 30},
      {{"opportunity_source", "Web Form", 0}, 40},
      {{"marketing_source", "Google Ads", 0}, 50},
  };
  auto it = kIds.find({kind, name, parent});
  if (it == kIds.end()) return std::nullopt;
  return it->second;
}

json::object Body(std::string_view extra = "") {
  std::string text = R"({"title":"T","url":"https://hooks.example.com/x","trigger":"Lead Created")";
  if (!extra.empty()) text += "," + std::string(extra);
  return json::parse(text + "}").as_object();
}

std::map<std::string, std::string> Errors(const json::object& body) {
  auto r = ParseRuleInput(body, FakeLookups);
  if (r) return {};
  EXPECT_EQ(r.error().kind, ErrorKind::kValidation);
  return r.error().fields;
}

TEST(RuleInput, AcceptsAFullRule) {
  auto r = ParseRuleInput(
      Body(R"("enabled":false,"creation_rules":{"status":"Chase","substatus":"First Attempt",
           "case_types":["Auto Accident","Dog Bite","Auto Accident"],"office":"Downtown",
           "opportunity_source":"Web Form","marketing_source":"Google Ads",
           "requires_case_tracker_code":true})"),
      FakeLookups);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->title, "T");
  EXPECT_FALSE(r->enabled);
  EXPECT_EQ(r->trigger_id, 1);
  const CreationRules& c = r->creation_rules;
  EXPECT_EQ(c.status_id, 10);
  EXPECT_EQ(c.substatus_id, 11);
  EXPECT_EQ(c.case_type_ids, (std::vector<int64_t>{20, 21}));  // duplicates dropped
  EXPECT_EQ(c.office_id, 30);
  EXPECT_EQ(c.opportunity_source_id, 40);
  EXPECT_EQ(c.marketing_source_id, 50);
  EXPECT_TRUE(c.requires_case_tracker_code);
}

TEST(RuleInput, TriggerByIdNameOrObjectCaseInsensitive) {
  for (const char* t :
       {R"(3)", R"("lead status changed")", R"({"id":3,"name":"Lead Status Changed"})"}) {
    auto body =
        json::parse(std::string(R"({"title":"T","url":"http://a.example","trigger":)") + t + "}")
            .as_object();
    auto r = ParseRuleInput(body, FakeLookups);
    ASSERT_TRUE(r) << t;
    EXPECT_EQ(r->trigger_id, 3);
  }
}

TEST(RuleInput, EnabledDefaultsToTrue) {
  auto r = ParseRuleInput(Body(), FakeLookups);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->enabled);
  EXPECT_TRUE(r->creation_rules.Empty());
}

TEST(RuleInput, TitleLimits) {
  EXPECT_TRUE(
      Errors(json::parse(R"({"url":"https://a.example","trigger":1})").as_object()).count("title"));
  auto body = Body();
  body["title"] = std::string(200, 'x');
  EXPECT_TRUE(Errors(body).empty());
  body["title"] = std::string(201, 'x');
  EXPECT_TRUE(Errors(body).count("title"));
  std::string accents;
  for (int i = 0; i < 200; ++i) accents += "é";  // 400 bytes, 200 characters
  body["title"] = accents;
  EXPECT_TRUE(Errors(body).empty());
  body["title"] = true;  // numbers are read as their digits; other types are errors
  EXPECT_TRUE(Errors(body).count("title"));
}

TEST(RuleInput, UrlProblems) {
  EXPECT_FALSE(UrlProblem("https://hooks.zapier.com/hooks/catch/1/abc/"));
  EXPECT_FALSE(UrlProblem("http://127.0.0.1:9000/hook?x=1"));
  EXPECT_FALSE(UrlProblem("https://[::1]:8443/x"));
  for (const char* bad :
       {"", "hooks.zapier.com/x", "/relative", "ftp://a.example/x", "mailto:a@b.c",
        "javascript:alert(1)", "https://user:pw@a.example/", "https://user@a.example/",
        "https:///nohost", "http://exa mple.com/", "http://a.example:/", "http://a.example:65536/",
        "http://a.example:0/", "http://[v1.x]/"})
    EXPECT_TRUE(UrlProblem(bad)) << bad;
  EXPECT_FALSE(UrlProblem("https://a.example/" + std::string(2048 - 18, 'a')));
  EXPECT_TRUE(UrlProblem("https://a.example/" + std::string(2048 - 17, 'a')));
}

TEST(RuleInput, HttpsOnlyRefusesPlainHttp) {
  EXPECT_TRUE(UrlProblem("http://hooks.example.com/x", true));
  EXPECT_FALSE(UrlProblem("https://hooks.example.com/x", true));
  auto body = Body();
  body["url"] = "http://hooks.example.com/x";
  auto r = ParseRuleInput(body, FakeLookups, true);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().fields.at("url").find("https"), std::string::npos);
}

TEST(RuleInput, UnknownTriggers) {
  for (const char* t : {R"("Lead Deleted")", "5", "0", "null", "true", R"({"name":"x"})"}) {
    auto body =
        json::parse(std::string(R"({"title":"T","url":"http://a.example","trigger":)") + t + "}")
            .as_object();
    EXPECT_TRUE(Errors(body).count("trigger")) << t;
  }
}

TEST(RuleInput, CreationRulesOnlyForLeadTriggers) {
  for (int trigger : {6, 7, 8, 10, 11, 12, 15, 19, 20, 25, 29}) {
    auto body = Body(R"("creation_rules":{"office":"Downtown"})");
    body["trigger"] = trigger;
    EXPECT_TRUE(Errors(body).count("creation_rules")) << trigger;
    body["creation_rules"] = json::object{};  // empty rules are no rules
    EXPECT_TRUE(Errors(body).empty()) << trigger;
  }
  for (int trigger : {1, 2, 3, 4}) {
    auto body = Body(R"("creation_rules":{"office":"Downtown"})");
    body["trigger"] = trigger;
    EXPECT_TRUE(Errors(body).empty()) << trigger;
  }
}

TEST(RuleInput, LookupErrorsNameTheField) {
  EXPECT_TRUE(Errors(Body(R"("creation_rules":{"status":"Nope"})")).count("creation_rules.status"));
  EXPECT_TRUE(Errors(Body(R"("creation_rules":{"status":"Hold","substatus":"First Attempt"})"))
                  .count("creation_rules.substatus"));
  EXPECT_TRUE(Errors(Body(R"("creation_rules":{"substatus":"First Attempt"})"))
                  .count("creation_rules.substatus"));
  EXPECT_TRUE(Errors(Body(R"("creation_rules":{"case_types":["Auto Accident","Nope"]})"))
                  .count("creation_rules.case_types"));
  EXPECT_TRUE(Errors(Body(R"("creation_rules":{"case_types":"Auto Accident"})"))
                  .count("creation_rules.case_types"));
  EXPECT_TRUE(Errors(Body(R"("creation_rules":{"office":"Nope"})")).count("creation_rules.office"));
  EXPECT_TRUE(Errors(Body(R"("creation_rules":{"opportunity_source":"Nope"})"))
                  .count("creation_rules.opportunity_source"));
  EXPECT_TRUE(Errors(Body(R"("creation_rules":{"marketing_source":"Nope"})"))
                  .count("creation_rules.marketing_source"));
  EXPECT_TRUE(Errors(Body(R"("creation_rules":{"requires_case_tracker_code":"Yes"})"))
                  .count("creation_rules.requires_case_tracker_code"));
  EXPECT_TRUE(Errors(Body(R"("creation_rules":[1])")).count("creation_rules"));
}

TEST(RuleInput, ReportsEveryBadFieldAtOnce) {
  auto errors =
      Errors(json::parse(R"({"title":"","url":"nope","trigger":"x","enabled":"y"})").as_object());
  EXPECT_TRUE(errors.count("title"));
  EXPECT_TRUE(errors.count("url"));
  EXPECT_TRUE(errors.count("trigger"));
  EXPECT_TRUE(errors.count("enabled"));
}

TEST(CreationRules, StorageRoundTrip) {
  CreationRules r;
  r.status_id = 1;
  r.case_type_ids = {4, 5};
  r.requires_case_tracker_code = true;
  EXPECT_EQ(CreationRulesFromStorage(CreationRulesToStorage(r)), r);
  EXPECT_EQ(CreationRulesFromStorage(CreationRulesToStorage({})), CreationRules{});
}

}  // namespace
}  // namespace lw
