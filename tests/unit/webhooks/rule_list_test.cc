#include "webhooks/rule_list.h"

#include <gtest/gtest.h>

namespace lw {
namespace {

Rule MakeRule(int64_t id, std::string title, bool enabled, int trigger, std::string url) {
  Rule r;
  r.id = id;
  r.title = std::move(title);
  r.enabled = enabled;
  r.trigger_id = trigger;
  r.url = std::move(url);
  return r;
}

const std::vector<Rule> kRules = {
    MakeRule(1, "Zapier leads", true, 1, "https://hooks.zapier.com/1"),
    MakeRule(2, "make.com notes", false, 4, "https://hook.make.com/2"),
    MakeRule(3, "Case system", true, 3, "https://cms.example/3"),
    MakeRule(4, "archive", false, 29, "https://archive.example/4"),
};

std::vector<int64_t> Ids(const std::vector<Rule>& rules) {
  std::vector<int64_t> ids;
  for (const auto& r : rules) ids.push_back(r.id);
  return ids;
}

std::vector<int64_t> Sorted(const std::string& sort, const std::string& order,
                            const std::string& filter = "") {
  return Ids(FilterAndSortRules(kRules, {filter, sort, order}));
}

TEST(RuleList, SortsByTitleCaseInsensitively) {
  EXPECT_EQ(Sorted("title", "asc"), (std::vector<int64_t>{4, 3, 2, 1}));
  EXPECT_EQ(Sorted("title", "desc"), (std::vector<int64_t>{1, 2, 3, 4}));
}

TEST(RuleList, SortsByTriggerName) {
  // Data Sync Completed, Lead Created, Lead Status Changed, Note Added
  EXPECT_EQ(Sorted("trigger", "asc"), (std::vector<int64_t>{4, 1, 3, 2}));
  EXPECT_EQ(Sorted("trigger", "desc"), (std::vector<int64_t>{2, 3, 1, 4}));
}

TEST(RuleList, SortsByUrl) {
  EXPECT_EQ(Sorted("url", "asc"), (std::vector<int64_t>{4, 3, 2, 1}));
  EXPECT_EQ(Sorted("url", "desc"), (std::vector<int64_t>{1, 2, 3, 4}));
}

TEST(RuleList, SortsByStatusEnabledFirstThenById) {
  EXPECT_EQ(Sorted("status", "asc"), (std::vector<int64_t>{1, 3, 2, 4}));
  EXPECT_EQ(Sorted("status", "desc"), (std::vector<int64_t>{4, 2, 3, 1}));
}

TEST(RuleList, FiltersTitleTriggerAndUrlCaseInsensitively) {
  EXPECT_EQ(Sorted("title", "asc", "ZAPIER"), (std::vector<int64_t>{1}));
  EXPECT_EQ(Sorted("title", "asc", "note added"), (std::vector<int64_t>{2}));
  EXPECT_EQ(Sorted("title", "asc", "example/"), (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(Sorted("title", "asc", "lead"), (std::vector<int64_t>{3, 1}));  // trigger names
  EXPECT_TRUE(Sorted("title", "asc", "nothing matches").empty());
  EXPECT_EQ(Sorted("title", "asc", "   ").size(), 4u);
}

TEST(RuleList, RejectsUnknownSortAndOrder) {
  auto bad = ValidateRuleListQuery({"", "colour", "sideways"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::kValidation);
  EXPECT_TRUE(bad.error().fields.count("sort"));
  EXPECT_TRUE(bad.error().fields.count("order"));
  for (const char* sort : {"status", "title", "trigger", "url"})
    EXPECT_TRUE(ValidateRuleListQuery({"", sort, "desc"}));
}

}  // namespace
}  // namespace lw
