// What one webhook's signatures cost, alone (bench/delivery (k) prints it
// beside the drain it adds to): the HMAC pair every webhook carries, and
// the Ed25519 "v1a" one added with signing hmac+ed25519, over a ~400-byte
// body; and filling a payload template from a stored payload.
#include <benchmark/benchmark.h>

#include <boost/json.hpp>

#include "common/ed25519.h"
#include "webhooks/payload_template.h"
#include "webhooks/signature.h"

namespace {

const std::string kKey = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string kBody(400, 'x');

void BM_HmacSignatures(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(lw::StandardSignatureHeader({kKey}, "msg_1", 1700000000, kBody));
    benchmark::DoNotOptimize(lw::LeadwireSignature(kKey, kBody));
  }
}
BENCHMARK(BM_HmacSignatures);

void BM_Ed25519Signature(benchmark::State& state) {
  const auto key = lw::Ed25519Key::Generate();
  for (auto _ : state)
    benchmark::DoNotOptimize(lw::AsymmetricSignature(*key, "msg_1", 1700000000, kBody));
}
BENCHMARK(BM_Ed25519Signature);

void BM_FillTemplate(benchmark::State& state) {
  const std::string payload =
      R"({"EventType":"Lead Created","EventTypeId":1,"EventByUser":"Admin","ContactId":1,)"
      R"("ContactFullName":"Ann Lee","ContactEmail":"ann.lee@example.com","ContactMobilePhone":)"
      R"("+1 555 0100","LeadId":1,"LeadCode":"L000001","LeadCaseType":"Auto Accident",)"
      R"("LeadStatus":"New","OfficeName":"Downtown","LeadMarketingSource":"Google Ads",)"
      R"("LeadSummary":"Rear-ended at a red light on 5th Street.","LeadCreatedDate":"2025-01-15"})";
  const auto tmpl = lw::PayloadTemplate::Trusted(boost::json::parse(
      R"({"lead":{"id":"{{LeadId}}","code":"{{LeadCode}}","case_type":"{{LeadCaseType}}",)"
      R"("status":"{{LeadStatus}}","office":"{{OfficeName}}","source":"{{LeadMarketingSource}}",)"
      R"("summary":"{{LeadSummary}}","created":"{{LeadCreatedDate}}"},"contact":{"name":)"
      R"("{{ContactFullName}}","email":"{{ContactEmail}}","phone":"{{ContactMobilePhone}}"},)"
      R"("text":"New {{LeadCaseType}} lead {{LeadCode}} for {{ContactFullName}}"})"));
  for (auto _ : state) benchmark::DoNotOptimize(tmpl.RenderText(payload));
}
BENCHMARK(BM_FillTemplate);

}  // namespace

BENCHMARK_MAIN();
