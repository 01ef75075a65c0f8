#include "delivery/rule_templates.h"

#include <boost/json.hpp>

namespace lw {

namespace json = boost::json;

namespace {
constexpr int64_t kForgetAfterMs = 10 * 60'000;
}

Result<std::shared_ptr<const PayloadTemplate>> RuleTemplates::For(const deliveries::Claimed& d,
                                                                  int64_t now) {
  if (d.payload_template.empty()) return nullptr;
  ForRule& r = rules_[d.rule_id];
  if (r.used_at == 0 || r.text != d.payload_template) {
    r.text = d.payload_template;
    r.parsed.reset();
    boost::system::error_code ec;
    json::value source = json::parse(r.text, ec);
    // Checked when saved against the trigger's keys; here only its shape.
    if (!ec && source.is_object())
      r.parsed =
          std::make_shared<const PayloadTemplate>(PayloadTemplate::Trusted(std::move(source)));
  }
  r.used_at = now;
  if (!r.parsed) return Fail(Error::Internal("the rule's payload template cannot be read"));
  return r.parsed;
}

void RuleTemplates::Prune(int64_t now) {
  std::erase_if(rules_, [&](const auto& e) { return now - e.second.used_at > kForgetAfterMs; });
}

}  // namespace lw
