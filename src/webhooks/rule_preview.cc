#include "webhooks/rule_preview.h"

#include <boost/json.hpp>

#include "common/json_fields.h"
#include "domain/leads.h"
#include "webhooks/payload.h"
#include "webhooks/payload_template.h"
#include "webhooks/rule_input.h"
#include "webhooks/webhook_settings.h"

namespace lw {

namespace json = boost::json;

Result<json::value> PreviewRuleBody(sql::Connection& c, int64_t org_id, const json::object& body,
                                    const std::string& by_user, int64_t now_ms) {
  LW_CHECK(RequireWebhooksEnabled(c, org_id));
  FieldReader f(body);
  const auto lead_id = f.Int("lead_id");
  LW_CHECK(f.Check());
  auto rule = ParseRuleShapeInput(body);
  if (!rule) return Fail(rule.error());
  json::object payload;
  if (lead_id) {
    auto lead = GetLead(c, org_id, *lead_id);
    if (!lead) return Fail(Error::Field("lead_id", "no lead of this organization has that id"));
    PayloadRecords records;
    records.lead = &lead->as_object();
    if (const json::value* contact = records.lead->if_contains("contact");
        contact && contact->is_object())
      records.contact = &contact->get_object();
    payload = BuildPayload(rule->trigger_id, by_user, records);
  } else {
    payload = SamplePayload(rule->trigger_id, by_user, now_ms);
  }
  json::value sent = payload;
  if (!rule->payload_template.empty()) {
    auto text = PayloadTemplate::Trusted(json::parse(rule->payload_template)).Render(payload);
    if (!text) return Fail(text.error());
    sent = json::parse(*text);
  }
  return json::object{{"body", std::move(sent)}, {"from", lead_id ? "lead" : "example"}};
}

}  // namespace lw
