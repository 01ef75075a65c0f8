// "Why (not)": one check per set condition, with what the rule wants and what
// the lead has, and always the same verdict as the matcher.
#include "webhooks/rule_explanation.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "webhooks/rule_matcher.h"

namespace lw {
namespace {

TEST(ExplainMatch, NoConditionsNoChecks) { EXPECT_TRUE(ExplainMatch({}, LeadFacts{}).empty()); }

TEST(ExplainMatch, NamesTheConditionThatFailsWithBothSides) {
  CreationRules rules;
  rules.status_id = 10;
  rules.case_type_ids = {20, 21};
  rules.requires_case_tracker_code = true;
  LeadFacts lead;
  lead.status_id = 10;
  lead.case_type_id = 22;  // Dog Bite; the rule wants Auto Accident or Slip and Fall
  const auto checks = ExplainMatch(rules, lead);
  ASSERT_EQ(checks.size(), 3u);
  EXPECT_EQ(checks[0].field, "status");
  EXPECT_TRUE(checks[0].pass);
  EXPECT_EQ(checks[1].field, "case_type");
  EXPECT_EQ(checks[1].wants, (std::vector<int64_t>{20, 21}));
  EXPECT_EQ(checks[1].lead_has, 22);
  EXPECT_FALSE(checks[1].pass);
  EXPECT_EQ(checks[2].field, "case_tracker_code");
  EXPECT_FALSE(checks[2].pass) << "the lead has no case tracker code";
}

TEST(ExplainMatch, AMissingLeadValueFailsTheCondition) {
  CreationRules rules;
  rules.office_id = 30;
  const auto checks = ExplainMatch(rules, LeadFacts{});
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].lead_has, std::nullopt);
  EXPECT_FALSE(checks[0].pass);
}

// Every combination of a small space of rules and leads: the explanation's
// verdict (every check passes) is the matcher's.
TEST(ExplainMatch, AgreesWithTheMatcherEverywhere) {
  const std::optional<int64_t> values[] = {std::nullopt, 1, 2};
  int compared = 0;
  for (auto want_status : values)
    for (auto want_office : values)
      for (int case_types = 0; case_types < 3; ++case_types)
        for (bool code : {false, true})
          for (auto has_status : values)
            for (auto has_office : values)
              for (auto has_case : values)
                for (bool has_code : {false, true}) {
                  CreationRules r;
                  r.status_id = want_status;
                  r.office_id = want_office;
                  if (case_types == 1) r.case_type_ids = {1};
                  if (case_types == 2) r.case_type_ids = {1, 2};
                  r.requires_case_tracker_code = code;
                  LeadFacts l;
                  l.status_id = has_status;
                  l.office_id = has_office;
                  l.case_type_id = has_case;
                  l.has_case_tracker_code = has_code;
                  const auto checks = ExplainMatch(r, l);
                  const bool all = std::all_of(checks.begin(), checks.end(),
                                               [](const ConditionCheck& c) { return c.pass; });
                  ASSERT_EQ(all, Matches(r, l));
                  ++compared;
                }
  EXPECT_EQ(compared, 3 * 3 * 3 * 2 * 3 * 3 * 3 * 2);
}

}  // namespace
}  // namespace lw
