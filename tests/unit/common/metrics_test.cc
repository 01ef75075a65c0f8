// /metrics: labels that come from a request stay a bounded set, however many
// different methods clients make up (each label value is a series kept for good).
#include "common/metrics.h"

#include <gtest/gtest.h>

#include <string>

namespace lw::metrics {
namespace {

size_t Lines(const std::string& text) {
  size_t n = 0;
  for (char ch : text) n += ch == '\n';
  return n;
}

TEST(Metrics, MadeUpMethodsShareOneSeries) {
  ObserveHttp("GET", 200, 0.001);
  ObserveHttp("M0", 405, 0.001);
  const size_t before = Lines(Render({}));
  for (int i = 0; i < 5000; ++i)
    ObserveHttp("M" + std::to_string(i) + std::string(200, 'X'), 405, 0.001);
  const std::string text = Render({});
  EXPECT_EQ(Lines(text), before);
  EXPECT_EQ(text.find("M1"), std::string::npos);
  EXPECT_NE(text.find("leadwire_http_requests_total{method=\"other\",status=\"405\"} 5001"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("leadwire_http_requests_total{method=\"GET\",status=\"200\"}"),
            std::string::npos);
}

}  // namespace
}  // namespace lw::metrics
