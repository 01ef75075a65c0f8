#include "domain/lead_json.h"

#include <boost/json.hpp>

#include "common/time_format.h"
#include "domain/lead_input.h"
#include "domain/opportunities.h"
#include "domain/users.h"

namespace lw {

namespace json = boost::json;

const std::vector<LeadTextField>& LeadTextFields() {
  static const std::vector<LeadTextField> kFields = {
      {"severity_level", "LeadSeverityLevel"},
      {"injury_information", "LeadInjuryInformation"},
      {"marketing_source_details", "LeadMarketingSourceDetails"},
      {"contact_source", "LeadContactSource"},
      {"referring_url", "ReferringUrl"},
      {"current_url", "CurrentUrl"},
      {"utm", "UTM"},
      {"client_id", "ClientId"},
      {"click_id", "ClickId"},
      {"keywords", "Keywords"},
      {"campaign", "Campaign"},
      {"incident_date", "LeadIncidentDate", LeadTextField::Kind::kDay},
      {"intake_name", "LeadIntakeName"},
      {"intake_email", "LeadIntakeEmail"},
      {"phone_call_recording_url", "PhoneCallRecordingURL"},
      {"phone_call_duration", "PhoneCallDuration", LeadTextField::Kind::kSeconds},
      {"phone_call_from_number", "PhoneCallFromNumber", LeadTextField::Kind::kText, 100},
      {"phone_call_to_number", "PhoneCallToNumber", LeadTextField::Kind::kText, 100},
      {"phone_call_date", "PhoneCallDate", LeadTextField::Kind::kDate},
      {"phone_call_summary", "PhoneCallSummary", LeadTextField::Kind::kText, 10000},
      {"phone_call_transcript", "PhoneCallTranscript", LeadTextField::Kind::kText, 100000},
  };
  return kFields;
}

namespace {
json::value Opt(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}
}  // namespace

json::value LeadJson(const LeadRecord& r, json::value contact) {
  json::object out{{"id", r.id}, {"code", r.code}};
  out["contact"] = std::move(contact);
  out["status"] = Opt(r.status);
  out["substatus"] = Opt(r.substatus);
  const auto& lookups = LeadLookupFields();
  for (size_t i = 0; i < lookups.size(); ++i) out[lookups[i].key] = Opt(r.lookup_names.at(i));
  out["case_tracker_code"] = Opt(r.case_tracker_code);
  out["summary"] = Opt(r.summary);
  const json::object data = json::parse(r.data).as_object();
  for (const auto& tf : LeadTextFields()) {
    auto it = data.find(tf.key);
    out[tf.key] = it == data.end() ? json::value(nullptr) : it->value();
  }
  // The intake person's user code, when the intake email is a user's (lead_input).
  auto intake = data.find(kIntakeUserKey);
  out["intake_code"] = intake != data.end() && intake->value().is_int64()
                           ? json::value(UserCode(intake->value().get_int64()))
                           : json::value(nullptr);
  out["custom_fields"] = json::parse(r.custom_fields);
  out["created_at"] = FormatIsoMs(r.created_at);
  out["created_by"] = r.creator_name ? json::value(json::object{{"id", r.created_by.value_or(0)},
                                                                {"name", *r.creator_name},
                                                                {"email", Opt(r.creator_email)},
                                                                {"code", UserCode(*r.created_by)}})
                                     : json::value(nullptr);
  out["opportunity"] = nullptr;
  if (const auto& o = r.opportunity) {
    const auto name = OpportunityName(json::parse(o->data).as_object());
    out["opportunity"] = json::object{
        {"id", o->id},
        {"name", name ? json::value(*name) : json::value(nullptr)},
        {"created_at", FormatIsoMs(o->created_at)},
        {"processed_at", o->processed_at ? json::value(FormatIsoMs(*o->processed_at)) : nullptr}};
  }
  out["updated_at"] = FormatIsoMs(r.updated_at);
  out["last_status_change_at"] = FormatIsoMs(r.last_status_change_at);
  return out;
}

}  // namespace lw
