#include "webhooks/rule_matcher.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace lw {
namespace {

LeadFacts Lead() {
  LeadFacts f;
  f.status_id = 10;     // Chase
  f.substatus_id = 11;  // First Attempt
  f.case_type_id = 20;  // Auto Accident
  f.office_id = 30;     // Downtown
  f.opportunity_source_id = 40;
  f.marketing_source_id = 50;
  f.has_case_tracker_code = true;
  return f;
}

TEST(Matches, EmptyRulesMatchEverything) {
  EXPECT_TRUE(Matches({}, Lead()));
  EXPECT_TRUE(Matches({}, LeadFacts{}));
}

TEST(Matches, EachRuleAloneMustHold) {
  struct Case {
    CreationRules rules;
    bool want;
  };
  auto with = [](auto set) {
    CreationRules r;
    set(r);
    return r;
  };
  const Case cases[] = {
      {with([](auto& r) { r.status_id = 10; }), true},
      {with([](auto& r) { r.status_id = 12; }), false},
      {with([](auto& r) {
         r.status_id = 10;
         r.substatus_id = 11;
       }),
       true},
      {with([](auto& r) {
         r.status_id = 10;
         r.substatus_id = 13;
       }),
       false},
      {with([](auto& r) {
         r.case_type_ids = {21, 20};
       }),
       true},
      {with([](auto& r) {
         r.case_type_ids = {21, 22};
       }),
       false},
      {with([](auto& r) { r.office_id = 30; }), true},
      {with([](auto& r) { r.office_id = 31; }), false},
      {with([](auto& r) { r.opportunity_source_id = 40; }), true},
      {with([](auto& r) { r.opportunity_source_id = 41; }), false},
      {with([](auto& r) { r.marketing_source_id = 50; }), true},
      {with([](auto& r) { r.marketing_source_id = 51; }), false},
      {with([](auto& r) { r.requires_case_tracker_code = true; }), true},
  };
  for (size_t i = 0; i < std::size(cases); ++i)
    EXPECT_EQ(Matches(cases[i].rules, Lead()), cases[i].want) << i;
}

TEST(Matches, UnsetLeadFieldsFailSetRules) {
  LeadFacts bare;
  bare.status_id = 10;
  CreationRules r;
  r.case_type_ids = {20};
  EXPECT_FALSE(Matches(r, bare));
  r = {};
  r.office_id = 30;
  EXPECT_FALSE(Matches(r, bare));
  r = {};
  r.requires_case_tracker_code = true;
  EXPECT_FALSE(Matches(r, bare));
}

TEST(Matches, AllSetRulesMustHoldTogether) {
  CreationRules r;
  r.status_id = 10;
  r.substatus_id = 11;
  r.case_type_ids = {20};
  r.office_id = 30;
  r.opportunity_source_id = 40;
  r.marketing_source_id = 50;
  r.requires_case_tracker_code = true;
  EXPECT_TRUE(Matches(r, Lead()));
  // Break each fact in turn: the combination no longer matches.
  for (int i = 0; i < 7; ++i) {
    LeadFacts f = Lead();
    switch (i) {
      case 0:
        f.status_id = 99;
        break;
      case 1:
        f.substatus_id = std::nullopt;
        break;
      case 2:
        f.case_type_id = 21;
        break;
      case 3:
        f.office_id = std::nullopt;
        break;
      case 4:
        f.opportunity_source_id = 41;
        break;
      case 5:
        f.marketing_source_id = std::nullopt;
        break;
      case 6:
        f.has_case_tracker_code = false;
        break;
    }
    EXPECT_FALSE(Matches(r, f)) << i;
  }
}

Rule MakeRule(int64_t id, int trigger, CreationRules cr = {}, bool enabled = true) {
  Rule r;
  r.id = id;
  r.trigger_id = trigger;
  r.creation_rules = std::move(cr);
  r.enabled = enabled;
  r.url = "https://example.com/" + std::to_string(id);
  return r;
}

std::vector<int64_t> MatchIds(const RuleIndex& index, int trigger, const LeadFacts& f) {
  std::vector<const IndexedRule*> out;
  index.Match(trigger, f, out);
  std::vector<int64_t> ids;
  for (auto* r : out) ids.push_back(r->id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST(RuleIndex, MatchesByTriggerStatusBucketAndRules) {
  CreationRules chase;
  chase.status_id = 10;
  CreationRules hold;
  hold.status_id = 12;
  CreationRules downtown;
  downtown.office_id = 30;
  CreationRules uptown;
  uptown.office_id = 31;
  RuleIndex index({MakeRule(1, 1), MakeRule(2, 1, chase), MakeRule(3, 1, hold),
                   MakeRule(4, 1, downtown), MakeRule(5, 1, uptown), MakeRule(6, 3, chase),
                   MakeRule(7, 1, {}, false), MakeRule(8, 6)});
  EXPECT_EQ(index.size(), 7u);  // the disabled rule is left out
  EXPECT_EQ(MatchIds(index, 1, Lead()), (std::vector<int64_t>{1, 2, 4}));
  EXPECT_EQ(MatchIds(index, 3, Lead()), (std::vector<int64_t>{6}));
  EXPECT_EQ(MatchIds(index, 6, {}), (std::vector<int64_t>{8}));
  EXPECT_TRUE(MatchIds(index, 2, Lead()).empty());
  LeadFacts no_status;
  EXPECT_EQ(MatchIds(index, 1, no_status), (std::vector<int64_t>{1}));
}

}  // namespace
}  // namespace lw

namespace lw {
namespace {

TEST(RuleIndex, CaseTypeRulesWithoutAStatusMatchOnceThroughTheirCaseTypes) {
  CreationRules two_types;
  two_types.case_type_ids = {20, 21};
  CreationRules typed_downtown;
  typed_downtown.case_type_ids = {20};
  typed_downtown.office_id = 31;  // Uptown: the lead is Downtown
  RuleIndex index({MakeRule(1, 1, two_types), MakeRule(2, 1, typed_downtown), MakeRule(3, 1)});
  EXPECT_EQ(MatchIds(index, 1, Lead()), (std::vector<int64_t>{1, 3}));
  LeadFacts dog_bite = Lead();
  dog_bite.case_type_id = 21;
  EXPECT_EQ(MatchIds(index, 1, dog_bite), (std::vector<int64_t>{1, 3}));
  LeadFacts untyped = Lead();
  untyped.case_type_id = std::nullopt;
  EXPECT_EQ(MatchIds(index, 1, untyped), (std::vector<int64_t>{3}));
}

}  // namespace
}  // namespace lw
