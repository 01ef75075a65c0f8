// (d) matching: time to match one event against an organization with 10,000
// enabled rules spread over the lead triggers and statuses, each with a mix
// of creation rules (Google Benchmark; run by bench/delivery).
#include <benchmark/benchmark.h>

#include <random>

#include "webhooks/rule_matcher.h"

namespace lw {
namespace {

std::vector<Rule> TenThousandRules() {
  std::mt19937_64 rng(42);
  std::vector<Rule> rules;
  for (int i = 0; i < 10000; ++i) {
    Rule r;
    r.id = i + 1;
    r.trigger_id = 1 + int(rng() % 4);
    r.url = "https://hooks.example.com/" + std::to_string(i);
    if (rng() % 4) r.creation_rules.status_id = 1 + int64_t(rng() % 12);
    if (rng() % 2)
      r.creation_rules.case_type_ids = {100 + int64_t(rng() % 8), 100 + int64_t(rng() % 8)};
    if (rng() % 3 == 0) r.creation_rules.office_id = 200 + int64_t(rng() % 5);
    if (rng() % 5 == 0) r.creation_rules.marketing_source_id = 300 + int64_t(rng() % 6);
    if (rng() % 7 == 0) r.creation_rules.requires_case_tracker_code = true;
    rules.push_back(std::move(r));
  }
  return rules;
}

void BM_MatchEvent(benchmark::State& state) {
  const RuleIndex index(TenThousandRules());
  std::mt19937_64 rng(7);
  std::vector<LeadFacts> leads(256);
  for (auto& f : leads) {
    f.status_id = 1 + int64_t(rng() % 12);
    f.case_type_id = 100 + int64_t(rng() % 8);
    f.office_id = 200 + int64_t(rng() % 5);
    f.marketing_source_id = 300 + int64_t(rng() % 6);
    f.has_case_tracker_code = rng() % 2;
  }
  std::vector<const IndexedRule*> out;
  size_t i = 0, matched = 0;
  for (auto _ : state) {
    out.clear();
    index.Match(1 + int(i % 4), leads[i % leads.size()], out);
    matched += out.size();
    ++i;
  }
  state.counters["matched_per_event"] = double(matched) / double(i);
}
BENCHMARK(BM_MatchEvent);

}  // namespace
}  // namespace lw

BENCHMARK_MAIN();
