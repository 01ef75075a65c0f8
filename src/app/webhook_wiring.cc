#include "app/webhook_wiring.h"

#include <boost/json.hpp>

#include "domain/activities.h"
#include "domain/contacts.h"
#include "domain/lead_record.h"
#include "domain/leads.h"
#include "domain/notes.h"
#include "domain/opportunities.h"
#include "webhooks/outbox.h"

namespace lw::app {

namespace json = boost::json;

namespace {

std::optional<json::object> AsObject(Result<json::value> v) {
  if (!v || !v->is_object()) return std::nullopt;
  return std::move(v->as_object());
}

// The webhooks' RecordSource over the domain: records exactly as the API shows them.
class DomainRecords final : public RecordSource {
 public:
  std::optional<json::object> Lead(sql::Connection& c, int64_t org_id, int64_t id) override {
    return AsObject(GetLead(c, org_id, id));
  }
  std::optional<json::object> Contact(sql::Connection& c, int64_t org_id, int64_t id) override {
    return AsObject(GetContact(c, org_id, id));
  }
  std::optional<json::object> Opportunity(sql::Connection& c, int64_t org_id, int64_t id) override {
    return AsObject(GetOpportunity(c, org_id, id));
  }
  std::optional<json::object> Note(sql::Connection& c, int64_t org_id, int64_t id) override {
    return GetNote(c, org_id, id);
  }
  std::optional<json::object> Activity(sql::Connection& c, int64_t org_id, int64_t id) override {
    return GetActivity(c, org_id, id);
  }
  json::array Files(sql::Connection& c, int64_t org_id, int64_t lead_id) override {
    return ListLeadFiles(c, org_id, lead_id);
  }
  std::optional<std::string> Tag(sql::Connection& c, int64_t org_id, int64_t id) override {
    return GetContactTag(c, org_id, id);
  }
  LeadFacts Facts(sql::Connection& c, int64_t org_id, int64_t lead_id) override {
    return LoadLeadFacts(c, org_id, lead_id).value_or(LeadFacts{});
  }
};

}  // namespace

void ConnectWebhooks() {
  static DomainRecords records;
  static Outbox outbox(records);
  InstallEventSink(&outbox);
}

}  // namespace lw::app
